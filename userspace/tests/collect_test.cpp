#include "lcrt/collect.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/fd.hpp"
#include "lcrt/io.hpp"
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

TEST_F(Collect, TornRecordsAreReportedNotArchived) {
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

// An image (a file, or standard input) is never the live region: collect
// archives from it and never writes the control file, whatever --control says.
TEST_F(Collect, AnImageNeverTouchesTheControlFile) {
  const Bytes image = region({make_record(spec(1))});
  const std::string control = write_temp("collect-control", Bytes{'x'});
  CliResult run = collect(image, "--control " + control);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived")) << run.out;
  EXPECT_TRUE(has(run.out, "is not the live region (/sys/kernel/lcrt/nvram)")) << run.out;
  EXPECT_FALSE(has(run.out, "cleared record")) << run.out;
  run = lcrt_cli("collect --dir " + dir_ + " --source - --control " + control + " < " +
                 write_temp("region.img", region({make_record(spec(1)), make_record(spec(2))})));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "1 archived, 1 archived before")) << run.out;
  EXPECT_TRUE(has(run.out, "not cleared: - is not the live region")) << run.out;
  EXPECT_EQ(slurp(control), Bytes{'x'});
  EXPECT_EQ(files(dir_, ".rec").size(), 2U);
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
}

TEST_F(Collect, AReadOnlyDirectoryIsAnIoErrorAndLeavesNothing) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into a read-only directory anyway";
  fs::create_directory(dir_);
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  const CliResult run = collect(region({make_record(spec(1))}));
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_TRUE(has(run.out, "lcrt: " + dir_ + "/")) << run.out;
  EXPECT_TRUE(has(run.out, "Permission denied")) << run.out;
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Collect, AMissingSourceIsAnIoError) {
  const CliResult run = lcrt_cli("collect --dir " + dir_ + " --source /nonexistent/nvram");
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: /nonexistent/nvram: No such file or directory\n");
}

// The key of the record in the first slot of image.
std::string key_of(const Bytes& image) { return record_key(scan(image).found.at(0)); }

std::set<std::string> keys_of(const Bytes& image) {
  std::set<std::string> keys;
  for (const Found& f : scan(image).found)
    if (f.record) keys.insert(record_key(f));
  return keys;
}

TEST(PlanClear, OnlyWhatWasReadArchivedAndIsStillTheSame) {
  const Bytes seen = region({make_record(spec(1)), make_record(spec(2))});
  const auto both = keys_of(seen);
  using Seqs = std::vector<std::uint64_t>;
  EXPECT_EQ(plan_clear(scan(seen), scan(seen), both).seqs, (Seqs{1, 2}));
  // Not archived: kept.
  ClearPlan p = plan_clear(scan(seen), scan(seen), keys_of(region({make_record(spec(1))})));
  EXPECT_EQ(p.seqs, Seqs{1});
  EXPECT_EQ(p.kept, std::vector<std::string>{"record 2 is not cleared: it is not archived"});
  // A record written since the region was read is never named.
  const Bytes grown = region({make_record(spec(1)), make_record(spec(2)), make_record(spec(3))});
  EXPECT_EQ(plan_clear(scan(seen), scan(grown), keys_of(grown)).seqs, (Seqs{1, 2}));
  // A follow-up written since: record 2 is another record now, kept.
  const Bytes followed =
      region({make_record(spec(1)), with_followup(make_record(spec(2)), followup(2))});
  p = plan_clear(scan(seen), scan(followed), both);
  EXPECT_EQ(p.seqs, Seqs{1});
  ASSERT_EQ(p.kept.size(), 1U);
  EXPECT_TRUE(has(p.kept[0], "record 2 is not cleared: its slot changed")) << p.kept[0];
  // Another slot with its seq (a torn write of the same number): the word
  // would erase both.
  const Bytes twice =
      region({make_record(spec(1)), make_record(spec(2)), pending(make_record(spec(2)))});
  EXPECT_EQ(plan_clear(scan(seen), scan(twice), both).seqs, Seqs{1});
  // Gone since (another collect cleared it): nothing to name.
  p = plan_clear(scan(seen), scan(region({make_record(spec(2))})), both);
  EXPECT_EQ(p.seqs, Seqs{2});
  EXPECT_EQ(p.kept,
            std::vector<std::string>{"record 1 is not cleared: it is gone since it was read"});
  // Corrupt and torn records are never named.
  Bytes torn = seen;
  torn[1024 + 40] ^= 1;
  EXPECT_EQ(plan_clear(scan(torn), scan(torn), both).seqs, Seqs{1});
}

TEST(PlanClear, ARecordWithATornFollowUpIsKept) {
  const Bytes seen =
      region({make_record(spec(1)), with_followup(make_record(spec(2)), pending(followup(2)))});
  const ClearPlan p = plan_clear(scan(seen), scan(seen), keys_of(seen));
  EXPECT_EQ(p.seqs, std::vector<std::uint64_t>{1});
  ASSERT_EQ(p.kept.size(), 1U);
  EXPECT_TRUE(has(p.kept[0], "record 2 is not cleared: what follows it in its slot is torn"))
      << p.kept[0];
}

// The kernel, as far as collect sees it: a directory with the region
// ("nvram", a region of 1 KiB slots) and the control file. Each word written
// to control is logged and done as drivers/misc/lcrt/iface.c does "clear N":
// every slot whose record (valid or torn) has seq N is erased.
class FakeKernel : public Device {
 public:
  explicit FakeKernel(const std::string& root)
      : Device(root + "/nvram", root + "/control", false), root_(root) {}

  Bytes read() override {
    reads_++;
    if (on_read) on_read(reads_);
    return Device::read();
  }
  void clear(std::uint64_t seq) override {
    if (on_clear) on_clear(seq);
    Device::clear(seq);
    const Bytes word = slurp(control());
    words.emplace_back(word.begin(), word.end());
    write_temp_at(control(), {});
    Bytes img = slurp(region());
    for (const Found& f : scan(img).found)
      if (f.header_seq == seq)
        std::fill_n(img.begin() + static_cast<std::ptrdiff_t>(f.offset), 1024, 0);
    write_temp_at(region(), img);
  }
  static void write_temp_at(const std::string& path, const Bytes& b) {
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }

  std::function<void(int)> on_read;  // before the n-th read, 1 first
  std::function<void(std::uint64_t)> on_clear;
  std::vector<std::string> words;

 private:
  std::string root_;
  int reads_ = 0;
};

class CollectLive : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "lcrt-sysfs";
    dir_ = ::testing::TempDir() + "lcrt-live-archive";
    fs::remove_all(root_);
    fs::remove_all(dir_);
    fs::create_directory(root_);
    kernel_ = std::make_unique<FakeKernel>(root_);
    FakeKernel::write_temp_at(kernel_->control(), {});
  }
  void put(const Bytes& region) { FakeKernel::write_temp_at(kernel_->region(), region); }
  CollectResult run(const std::string& source = "", const std::string& before_clear = "") {
    out_.str("");
    return collect({dir_, source.empty() ? kernel_->region() : source, true, before_clear},
                   *kernel_, out_, err_);
  }
  std::string root_;
  std::string dir_;
  std::unique_ptr<FakeKernel> kernel_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CollectLive, ArchivesFsyncsThenClearsEachRecordItReadBySeq) {
  put(region({make_record(spec(1)), make_record(spec(2))}));
  kernel_->on_clear = [this](std::uint64_t seq) {
    // Archived before anything is erased.
    EXPECT_EQ(files(dir_, ".rec").size(), 2U) << seq;
    EXPECT_EQ(files(dir_, ".json").size(), 2U) << seq;
  };
  const CollectResult r = run();
  EXPECT_EQ(r.archived, 2);
  EXPECT_EQ(r.cleared, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(kernel_->words, (std::vector<std::string>{"clear 1\n", "clear 2\n"}));
  EXPECT_TRUE(has(out_.str(), "cleared record 1\ncleared record 2\n")) << out_.str();
  EXPECT_TRUE(scan(slurp(kernel_->region())).found.empty());
  // Nothing left: a second collect archives and clears nothing.
  EXPECT_TRUE(run().cleared.empty());
  EXPECT_TRUE(kernel_->words.size() == 2);
}

TEST_F(CollectLive, AnImageOfTheRegionNeverClears) {
  const Bytes image = region({make_record(spec(1))});
  put(image);
  const CollectResult r = run(write_temp("live-copy.img", image));
  EXPECT_EQ(r.archived, 1);
  EXPECT_TRUE(r.cleared.empty());
  EXPECT_TRUE(kernel_->words.empty());
  EXPECT_TRUE(has(out_.str(), "is not the live region")) << out_.str();
  EXPECT_EQ(slurp(kernel_->region()), image);
}

TEST_F(CollectLive, ARecordWrittenBetweenTheReadAndTheClearStays) {
  put(region({make_record(spec(1))}));
  const Bytes grown = region({make_record(spec(1)), make_record(spec(2))});
  kernel_->on_read = [&](int n) {
    if (n == 2) put(grown);  // the read just before clearing
  };
  const CollectResult r = run();
  EXPECT_EQ(r.archived, 1);
  EXPECT_EQ(kernel_->words, std::vector<std::string>{"clear 1\n"});
  const Scan left = scan(slurp(kernel_->region()));
  ASSERT_EQ(left.found.size(), 1U);
  EXPECT_EQ(left.found[0].record->seq, 2U);
}

TEST_F(CollectLive, BeforeClearRunsOnceTheArchiveIsOnDiskAndItsRecordsStay) {
  put(region({make_record(spec(1))}));
  // The command writes a record (a crash while it ran) and says what it saw.
  const std::string grown =
      write_temp("grown.img", region({make_record(spec(1)), make_record(spec(2))}));
  const std::string seen = ::testing::TempDir() + "lcrt-before-clear-saw";
  fs::remove(seen);
  const CollectResult r = run("", "ls " + dir_ + " | grep -c '\\.rec$' > " + seen + " && cp " +
                                      grown + " " + kernel_->region());
  EXPECT_EQ(r.archived, 1);
  const Bytes saw = slurp(seen);
  EXPECT_EQ(std::string(saw.begin(), saw.end()), "1\n");  // the archive was there
  EXPECT_EQ(kernel_->words, std::vector<std::string>{"clear 1\n"});
  const Scan left = scan(slurp(kernel_->region()));
  ASSERT_EQ(left.found.size(), 1U);
  EXPECT_EQ(left.found[0].record->seq, 2U);
}

TEST_F(CollectLive, BeforeClearFailingClearsNothing) {
  const Bytes image = region({make_record(spec(1))});
  put(image);
  const CollectResult r = run("", "exit 3");
  EXPECT_EQ(r.archived, 1);
  EXPECT_TRUE(r.cleared.empty());
  EXPECT_TRUE(kernel_->words.empty());
  EXPECT_TRUE(has(out_.str(), "not cleared: --before-clear exited 3\n")) << out_.str();
  EXPECT_EQ(slurp(kernel_->region()), image);
  // Killed by a signal: nothing either.
  put(region({make_record(spec(1)), make_record(spec(2))}));
  const CollectResult k = run("", "kill -TERM $$");
  EXPECT_TRUE(k.cleared.empty());
  EXPECT_TRUE(has(out_.str(), "not cleared: --before-clear")) << out_.str();
}

TEST_F(CollectLive, AFollowUpWrittenBetweenTheReadAndTheClearStays) {
  const Bytes oops = make_record(spec(1));
  put(region({oops, make_record(spec(2))}));
  kernel_->on_read = [&](int n) {
    if (n == 2) put(region({with_followup(oops, followup(1)), make_record(spec(2))}));
  };
  run();
  EXPECT_EQ(kernel_->words, std::vector<std::string>{"clear 2\n"});
  EXPECT_TRUE(has(out_.str(), "not cleared: record 1 is not cleared: its slot changed"))
      << out_.str();
  const Scan left = scan(slurp(kernel_->region()));
  ASSERT_EQ(left.found.size(), 1U);
  EXPECT_TRUE(left.found[0].followup);
  // The next collect archives it with its follow-up, then clears it.
  kernel_->on_read = nullptr;
  const CollectResult r = run();
  EXPECT_EQ(r.archived, 1);
  EXPECT_EQ(r.cleared, std::vector<std::uint64_t>{1});
}

TEST_F(CollectLive, ATornFollowUpIsNeverDestroyed) {
  const Bytes slot = with_followup(make_record(spec(1)), pending(followup(1)));
  const Bytes image = region({slot, make_record(spec(2))});
  put(image);
  const CollectResult r = run();
  EXPECT_EQ(r.archived, 2);
  EXPECT_EQ(r.cleared, std::vector<std::uint64_t>{2});
  EXPECT_TRUE(has(out_.str(), "record 1 is not cleared: what follows it in its slot is torn"))
      << out_.str();
  const Bytes left = slurp(kernel_->region());
  EXPECT_TRUE(std::equal(slot.begin(), slot.end(), left.begin()));
}

TEST_F(CollectLive, CorruptRecordsStayAndTheArchivedOnesAreCleared) {
  Bytes bad = make_record(spec(2));
  bad[40] ^= 1;
  put(region({make_record(spec(1)), bad}));
  const CollectResult r = run();
  EXPECT_EQ(r.corrupt, 1);
  EXPECT_EQ(kernel_->words, std::vector<std::string>{"clear 1\n"});
  EXPECT_TRUE(has(out_.str(), "not cleared: 1 corrupt or torn record(s), left for a human"))
      << out_.str();
  const Bytes left = slurp(kernel_->region());
  EXPECT_TRUE(std::equal(bad.begin(), bad.end(), left.begin() + 1024));
}

TEST_F(CollectLive, WhatAKilledCollectLeftIsRemovedAndTheRecordArchivedAgain) {
  put(region({make_record(spec(1))}));
  fs::create_directory(dir_);
  FakeKernel::write_temp_at(dir_ + "/20260101T000000Z-seq1-12345678.json", {'{'});
  FakeKernel::write_temp_at(dir_ + "/.20260101T000000Z-seq1-12345678.rec.tmp", {1});
  const CollectResult r = run();
  EXPECT_EQ(r.archived, 1);
  EXPECT_TRUE(has(err_.str(), "12345678.json: left by a collect that did not finish: removed"))
      << err_.str();
  EXPECT_TRUE(has(err_.str(), ".rec.tmp: left by a collect that did not finish: removed"));
  EXPECT_EQ(files(dir_, ".json").size(), 1U);
  EXPECT_EQ(files(dir_, ".tmp").size(), 0U);
  EXPECT_EQ(r.cleared, std::vector<std::uint64_t>{1});
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
  EXPECT_EQ(culprit_function(decode(make_record(s))), "my_driver_irq");
  s.frames = {{0xc0100010, 0, 0, ""}};
  EXPECT_EQ(culprit_function(decode(make_record(s))), "");  // no address
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 0};
  s.frames = {{0xc0100010, 0, 0, ""}, {0xc0100020, 0x10, 0x40, "my_driver_irq [mydrv]"}};
  EXPECT_EQ(culprit_function(decode(make_record(s))), "");  // the blamed frame, not a caller
  s.frames = {{0xc0100010, 0x10, 0x40, "panic"}, {0xc0100020, 0x10, 0x40, "my_driver_irq"}};
  EXPECT_EQ(culprit_function(decode(make_record(s))), "panic");  // what the kernel blamed
  s.culprit.reset();
  s.frames.clear();
  EXPECT_EQ(culprit_function(decode(make_record(s))), "");
}

TEST(Install, PutsTheToolManPageUnitCatalogAndCompletionInPlace) {
  const std::string dest = ::testing::TempDir() + "lcrt-destdir";
  fs::remove_all(dest);
  const std::string install = "DESTDIR=" + dest + " " + LCRT_CMAKE + " --install " +
                              LCRT_BUILD_DIR + " --prefix /usr >/dev/null";
  ASSERT_EQ(std::system(install.c_str()), 0);
  for (const char* f :
       {"/usr/bin/lcrt", "/usr/share/man/man1/lcrt.1",
        "/usr/lib/systemd/system/lcrt-collect.service", "/usr/lib/systemd/catalog/lcrt.catalog",
        "/usr/share/bash-completion/completions/lcrt"})
    EXPECT_TRUE(fs::is_regular_file(dest + f)) << f;
  fs::remove_all(dest);
}

}  // namespace
}  // namespace lcrt

namespace lcrt {
namespace {

// A write that fails half-way (here: past RLIMIT_FSIZE) leaves nothing:
// neither the name nor a temporary file.
TEST(WriteFileAtomic, AFailedWriteLeavesNothing) {
  const std::string dir = ::testing::TempDir() + "lcrt-atomic";
  fs::remove_all(dir);
  fs::create_directory(dir);
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_GE(fd.get(), 0);
  write_file_atomic(fd.get(), dir, "whole", "0123456789");
  EXPECT_EQ(slurp(dir + "/whole"), (Bytes{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'}));
  EXPECT_THROW(write_file_atomic(fd.get(), dir, "whole", "again"), IoError);  // never replaced
  EXPECT_EQ(slurp(dir + "/whole").size(), 10U);

  struct rlimit was {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &was), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = was;
  small.rlim_cur = 4;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  try {
    write_file_atomic(fd.get(), dir, "cut", "more than four bytes");
    ADD_FAILURE() << "the write past RLIMIT_FSIZE did not fail";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), dir + "/cut: " + std::strerror(EFBIG));
  }
  ::setrlimit(RLIMIT_FSIZE, &was);
  std::signal(SIGXFSZ, old_handler);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"whole"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lcrt
