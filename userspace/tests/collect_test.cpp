#include "lcrt/collect.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/signature.hpp"

namespace lcrt {
namespace {

namespace fs = std::filesystem;
using test::CliResult;
using test::lcrt_cli;
using test::make_record;
using test::make_region;
using test::pending;
using test::RegionSpec;
using test::Spec;
using test::with_followup;
using test::write_temp;

using test::has;

// Record seq of a chain of its own, so each has its own signature.
Spec spec(std::uint64_t seq) {
  Spec s;
  s.seq = seq;
  s.frames = {{0xc0100010, 0x10, 0x40, "crash_" + std::to_string(seq)},
              {0xc0000ff0, 0x30, 0x100, "caller"}};
  return s;
}

std::string sig_of(const Spec& s) { return signature({s.frames[0].name, s.frames[1].name}).id; }

// A region of 1 KiB slots holding these records.
Bytes region(const std::vector<Bytes>& records) {
  Bytes image(4096, 0);
  for (std::size_t i = 0; i < records.size(); i++)
    std::copy(records[i].begin(), records[i].end(), image.begin() + 1024 * i);
  return image;
}

Bytes slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The archive's files with this extension, sorted by name.
std::vector<fs::path> files(const std::string& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class Collect : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "lcrt-archive";
    fs::remove_all(dir_);
  }
  CliResult collect(const Bytes& image, const std::string& more = "--no-clear") {
    return lcrt_cli("collect --dir " + dir_ + " --source " + write_temp("region.img", image) + " " +
                    more);
  }
  // The archived .rec whose name has seq N.
  fs::path rec_of(std::uint64_t seq) {
    for (const auto& p : files(dir_, ".rec"))
      if (has(p.filename().string(), "-seq" + std::to_string(seq) + "-")) return p;
    return {};
  }
  std::string dir_;
};

TEST_F(Collect, ArchivesEveryRecordOnceAsJsonAndRaw) {
  const std::vector<Bytes> recs{make_record(spec(1)), make_record(spec(2)), make_record(spec(3))};
  CliResult run = collect(region(recs));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "3 archived, 0 archived before, 0 corrupt")) << run.out;
  ASSERT_EQ(files(dir_, ".rec").size(), 3U);
  ASSERT_EQ(files(dir_, ".json").size(), 3U);
  for (std::uint64_t seq = 1; seq <= 3; seq++) {
    const fs::path rec = rec_of(seq);
    ASSERT_FALSE(rec.empty()) << seq;
    EXPECT_EQ(slurp(rec), recs[seq - 1]);
    const std::string stem = rec.stem().string();
    EXPECT_EQ(stem.size(), std::string("20261126T101500Z-seq1-12345678").size()) << stem;
    EXPECT_EQ(stem.substr(15, 5), "Z-seq") << stem;
    EXPECT_TRUE(has(stem, "-seq" + std::to_string(seq) + "-" + sig_of(spec(seq)))) << stem;
    std::ifstream in(fs::path(rec).replace_extension(".json"));
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j["seq"], seq);
    EXPECT_EQ(j["signature"], sig_of(spec(seq)));
    EXPECT_EQ(j["offset"], 1024 * (seq - 1));
    EXPECT_EQ(fs::status(rec).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
  }
  EXPECT_EQ(fs::status(dir_).permissions() & fs::perms::all, fs::perms::owner_all);

  run = collect(region(recs));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "0 archived, 3 archived before")) << run.out;
  EXPECT_EQ(files(dir_, ".rec").size(), 3U);

  // A new record is archived alone.
  const std::vector<Bytes> more{recs[0], recs[1], recs[2], make_record(spec(4))};
  run = collect(region(more));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived, 3 archived before")) << run.out;
  EXPECT_EQ(files(dir_, ".rec").size(), 4U);
  EXPECT_EQ(slurp(rec_of(4)), more[3]);
}

// The panic that followed the oops of seq.
Bytes followup(std::uint64_t seq) {
  Spec s = spec(seq);
  s.flags = LCRT_F_FOLLOWUP;
  s.reason = "Fatal exception";
  s.frames.clear();
  return make_record(s);
}

TEST_F(Collect, AFollowUpWrittenSinceMakesANewRecordAndNamesDoNotCollide) {
  const Bytes oops = make_record(spec(5));
  CliResult run = collect(make_region(RegionSpec{}, {oops}));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived, 0 archived before")) << run.out;
  // The oops went on to a panic: the slot now holds both.
  const Bytes both = with_followup(oops, followup(5));
  run = collect(make_region(RegionSpec{}, {both}));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived, 0 archived before")) << run.out;
  ASSERT_EQ(files(dir_, ".rec").size(), 2U);
  EXPECT_EQ(files(dir_, ".json").size(), 2U);
  std::vector<Bytes> recs;
  for (const auto& p : files(dir_, ".rec")) recs.push_back(slurp(p));
  EXPECT_TRUE(std::find(recs.begin(), recs.end(), both) != recs.end());
  for (const auto& p : files(dir_, ".json")) {
    std::ifstream in(p);
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j["seq"], 5);
    EXPECT_EQ(j["slot"], 0);
    if (j.contains("followup")) {
      EXPECT_EQ(j["reason"], "Fatal exception (after Fatal exception in interrupt)") << j;
    }
  }
  // Both are known again: nothing is archived twice.
  run = collect(make_region(RegionSpec{}, {both}));
  EXPECT_TRUE(has(run.out, "0 archived, 1 archived before")) << run.out;
}

TEST_F(Collect, TornRecordsAreReportedNotArchivedAndNotCleared) {
  const std::string control = write_temp("collect-control", Bytes{});
  const CliResult run =
      collect(make_region(RegionSpec{}, {make_record(spec(1)), pending(make_record(spec(2)))}),
              "--control " + control);
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out,
                  "corrupt record at offset 1280 (slot 1): torn: the write of record 2 "
                  "did not finish"))
      << run.out;
  EXPECT_TRUE(has(run.out, "1 archived, 0 archived before, 1 corrupt")) << run.out;
  EXPECT_TRUE(has(run.out, "not cleared: 1 corrupt record(s) left for a human")) << run.out;
  EXPECT_EQ(files(dir_, ".rec").size(), 1U);
}

TEST_F(Collect, CorruptRecordsAreReportedNotArchived) {
  Bytes torn = make_record(spec(2));
  torn[torn.size() - 3] ^= 0x40;
  const CliResult run = collect(region({make_record(spec(1)), torn}));
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "corrupt record at offset 1024: CRC mismatch")) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived, 0 archived before, 1 corrupt")) << run.out;
  EXPECT_EQ(files(dir_, ".rec").size(), 1U);
  EXPECT_FALSE(rec_of(1).empty());
}

TEST_F(Collect, NothingToArchiveIsSuccess) {
  const CliResult run = collect(Bytes(4096, 0), "");
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "0 archived, 0 archived before, 0 corrupt")) << run.out;
  EXPECT_FALSE(has(run.out, "cleared")) << run.out;
}

TEST_F(Collect, ClearsOnlyThroughSysfsAndNeverArchivesTwice) {
  const Bytes image = region({make_record(spec(1))});
  const std::string control = write_temp("collect-control", Bytes{});
  CliResult run = collect(image, "--control " + control);
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived")) << run.out;
  EXPECT_TRUE(has(run.out, control + ": not LCRT's control file")) << run.out;
  EXPECT_EQ(slurp(control).size(), 0U);
  // The clear failed: the record is still there, and archived once.
  run = collect(image, "--control " + control);
  EXPECT_TRUE(has(run.out, "0 archived, 1 archived before")) << run.out;
  EXPECT_EQ(files(dir_, ".rec").size(), 1U);
}

TEST_F(Collect, CorruptRecordsKeepTheRegionFromBeingCleared) {
  Bytes torn = make_record(spec(2));
  torn[40] ^= 1;
  const std::string control = write_temp("collect-control", Bytes{});
  const CliResult run = collect(region({make_record(spec(1)), torn}), "--control " + control);
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "not cleared: 1 corrupt record(s) left for a human")) << run.out;
  EXPECT_FALSE(has(run.out, "not LCRT's control file")) << run.out;  // never tried
}

TEST_F(Collect, AnUnwritableDirectoryIsAnIoErrorNamingIt) {
  const std::string file = write_temp("not-a-dir", Bytes{1});
  const Bytes image = region({make_record(spec(1))});
  CliResult run =
      lcrt_cli("collect --no-clear --dir " + file + " --source " + write_temp("region.img", image));
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: " + file + ": Not a directory\n");
  run = lcrt_cli("collect --no-clear --dir " + file + "/archive --source " +
                 write_temp("region.img", image));
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: " + file + "/archive: Not a directory\n");
  if (::geteuid() != 0) {  // root writes anyway
    fs::create_directory(dir_);
    fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
    run = collect(image);
    EXPECT_EQ(run.status, 74) << run.out;
    EXPECT_TRUE(has(run.out, "lcrt: " + dir_ + "/")) << run.out;
    EXPECT_TRUE(has(run.out, "Permission denied")) << run.out;
    fs::permissions(dir_, fs::perms::owner_all);
  }
}

TEST_F(Collect, AMissingSourceIsAnIoError) {
  const CliResult run = lcrt_cli("collect --dir " + dir_ + " --source /nonexistent/nvram");
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: /nonexistent/nvram: No such file or directory\n");
}

// The key of the record in the first slot of image.
std::string key_of(const Bytes& image) { return record_key(scan(image).found.at(0)); }

TEST(ClearBlocker, OnlyWhenEveryRecordUpToTheSeqIsArchived) {
  const Bytes seen = region({make_record(spec(1)), make_record(spec(2))});
  const auto found = scan(seen).found;
  const std::set<std::string> both{record_key(found[0]), record_key(found[1])};
  EXPECT_EQ(clear_blocker(scan(seen), both, 2), "");
  EXPECT_EQ(clear_blocker(scan(seen), {record_key(found[0])}, 2), "record 2 is not archived");
  // Up to 1, record 2 stays: it need not be archived.
  EXPECT_EQ(clear_blocker(scan(seen), {record_key(found[0])}, 1), "");
  // A record written since the region was read has a higher seq: "clear
  // to 2" leaves it, so it does not stop the clear.
  const Bytes grown = region({make_record(spec(1)), make_record(spec(2)), make_record(spec(3))});
  EXPECT_EQ(clear_blocker(scan(grown), both, 2), "");
  // A follow-up written since makes record 2 one that is not archived.
  const Bytes followed =
      region({make_record(spec(1)), with_followup(make_record(spec(2)), followup(2))});
  EXPECT_EQ(clear_blocker(scan(followed), both, 2), "record 2 is not archived");
  Bytes torn = seen;
  torn[1024 + 40] ^= 1;
  EXPECT_EQ(clear_blocker(scan(torn), both, 2), "1 corrupt record(s) left for a human");
  EXPECT_EQ(clear_blocker(scan(region({pending(make_record(spec(3)))})), both, 2),
            "1 corrupt record(s) left for a human");
}

TEST(RecordKey, AFollowUpIsPartOfTheKey) {
  const Bytes oops = make_record(spec(4));
  const std::string alone = key_of(oops);
  EXPECT_EQ(alone, record_key(decode(oops)));
  const std::string joined = key_of(with_followup(oops, followup(4)));
  EXPECT_EQ(joined.rfind(alone + "+", 0), 0U) << joined;
  EXPECT_EQ(joined.size(), alone.size() + 9);
}

TEST(RecordKey, BuildIdSeqAndCrc) {
  Spec s = spec(1);
  const std::string key = record_key(decode(make_record(s)));
  EXPECT_EQ(key.substr(0, 11), "deadbeef-1-");
  s.reason = "another";
  EXPECT_NE(record_key(decode(make_record(s))), key);
  s = spec(1);
  s.build_id = {0x01};
  EXPECT_NE(record_key(decode(make_record(s))), key);
}

TEST(Culprit, InnermostMeaningfulFunction) {
  Spec s;
  s.frames = {{0xc0000010, 0, 0, "panic"}, {0xc0100010, 0x10, 0x40, "my_driver_irq [mydrv]"}};
  EXPECT_EQ(culprit(decode(make_record(s))), "my_driver_irq");
  s.frames = {{0xc0100010, 0, 0, ""}};
  EXPECT_EQ(culprit(decode(make_record(s))), "0xc0100010");
  s.frames.clear();
  EXPECT_EQ(culprit(decode(make_record(s))), "unknown");
}

TEST(Install, PutsTheToolManPageUnitAndCompletionInPlace) {
  const std::string dest = ::testing::TempDir() + "lcrt-destdir";
  fs::remove_all(dest);
  const std::string install = "DESTDIR=" + dest + " " + LCRT_CMAKE + " --install " +
                              LCRT_BUILD_DIR + " --prefix /usr >/dev/null";
  ASSERT_EQ(std::system(install.c_str()), 0);
  for (const char* f : {"/usr/bin/lcrt", "/usr/share/man/man1/lcrt.1",
                        "/usr/lib/systemd/system/lcrt-collect.service",
                        "/usr/share/bash-completion/completions/lcrt"})
    EXPECT_TRUE(fs::is_regular_file(dest + f)) << f;
  fs::remove_all(dest);
}

}  // namespace
}  // namespace lcrt
