// lcrt list and lcrt info over an archive made of the golden records of
// tests/data (copied under collect's names) and a live region image made
// with the tests' encoder. The expected columns of the golden records come
// from their kernels' consoles (tests/data/*.console): the function the pc
// was in and the call trace that the signature hashes.
#include "lcrt/list.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/collect.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/io.hpp"

namespace lcrt {
namespace {

namespace fs = std::filesystem;
using test::crc_of;
using test::has;
using test::make_record;
using test::make_region;
using test::RegionSpec;
using test::Spec;
using test::with_followup;

Bytes golden(const std::string& name) {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What the consoles say of the golden records (tests/data/*.console): the
// pc's function ("PC is at", "RIP: 0010:"), then the call trace's first
// callers, which the signature of a record without a culprit hashes.
const std::string kArm61Sig =
    crc_of({"lkdtm_EXCEPTION", "direct_entry", "full_proxy_write", "vfs_write"});
const std::string kX86612Sig =
    crc_of({"lkdtm_EXCEPTION", "lkdtm_do_action", "direct_entry", "full_proxy_write"});

// The archive names (collect's: time, seq, signature) and what each holds.
const std::string kArm61 = "20261126T101500Z-seq1-" + kArm61Sig;  // also live
const std::string kX86612 = "20261127T080000Z-seq1-" + kX86612Sig;
const std::string kArm64612 = "20261125T230000Z-seq1-cef0713b";

// When seq 3 of the live region crashed (format 1.2): 1795856472 s is
// 2026-11-28T09:01:12Z (Python's calendar.timegm), in the boot of this id.
constexpr std::uint64_t kCrashNs = 1795856472500000000ULL;
const Bytes kBootId{0x6f, 0x0b, 0x2c, 0x3e, 0x1d, 0x5a, 0x4c, 0x2b,
                    0x9e, 0x8f, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};

// An oops of seq in a function of its own, which the record blames.
Spec spec(std::uint64_t seq) {
  Spec s;
  s.seq = seq;
  s.reason = "Oops, err 0x17";
  s.frames = {{0xc0100010, 0x10, 0x40, "crash_" + std::to_string(seq)},
              {0xc0000ff0, 0x30, 0x100, "caller"}};
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 0};
  return s;
}

using Output = test::CliOutput;
using test::lcrt_apart;
using test::words_of_lines;

class List : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "lcrt-list";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  void archive(const std::string& stem, const Bytes& rec) {
    test::write_temp("lcrt-list/" + stem + ".rec", rec);
    // collect's .json beside it: never a record of its own.
    test::write_temp("lcrt-list/" + stem + ".json", {'{', '}', '\n'});
  }

  // Three golden records archived; the live region holds the first of them
  // again (slot 0), and seq 3 and seq 2, not archived (slots 1 and 2).
  void standard() {
    archive(kArm61, golden("arm-6.1-exception.rec"));
    archive(kX86612, golden("x86_64-6.12-exception.rec"));
    archive(kArm64612, golden("arm64-6.12-exception.rec"));
    live({golden("arm-6.1-exception.rec"), make_record(timed(3)), make_record(spec(2))});
  }

  // spec(seq) with its crash's time and boot.
  static Spec timed(std::uint64_t seq) {
    Spec s = spec(seq);
    s.boot = Boot{kCrashNs, kBootId};
    return s;
  }

  void live(const std::vector<Bytes>& slots) {
    region_ = test::write_temp("lcrt-list-region.img", make_region(RegionSpec{}, slots));
  }

  std::string where() const { return " --dir " + dir_ + " --source " + region_; }

  Listing listing(std::ostream& warn) const { return list_records(dir_, region_, warn); }
  Listing listing() const {
    std::ostringstream warn;
    return list_records(dir_, region_, warn);
  }

  std::string dir_;
  std::string region_ = "/nonexistent/nvram";
};

TEST_F(List, EveryRecordNewestFirstTheLiveOnesNotArchivedFirst) {
  standard();
  const Output run = lcrt_apart("list" + where());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const auto rows = words_of_lines(run.out);
  ASSERT_EQ(rows.size(), 6U) << run.out;
  const std::vector<std::string> header{"ID",    "TIME",    "BOOT",      "LIVE", "SEQ",
                                        "EVENT", "CULPRIT", "SIGNATURE", "TITLE"};
  EXPECT_EQ(rows[0], header);
  // Not archived yet: after collect's last run, highest seq first. Seq 3
  // says when it crashed, and in which boot; seq 2 (format 1.1) does not.
  const std::string sig3 = crc_of({"crash_3", "caller"});
  const std::string sig2 = crc_of({"crash_2", "caller"});
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"live:3", "2026-11-28T09:01:12Z", "6f0b2c3e", "yes", "3",
                                      "oops", "crash_3", sig3, "Oops", "in", "crash_3"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"live:2", "-", "-", "yes", "2", "oops", "crash_2",
                                               sig2, "Oops", "in", "crash_2"}));
  // Then the archive by its time; arm 6.1's is the live slot 0 too. A 1.0
  // record names no culprit: the column is the signature's first function,
  // and the title has no " in". It has no time of its own: the archive's,
  // which it came before, marked so.
  EXPECT_EQ(rows[3],
            (std::vector<std::string>{kX86612, "2026-11-27T08:00:00Z(archived)", "-", "no", "1",
                                      "oops", "lkdtm_EXCEPTION", kX86612Sig, "Oops"}));
  EXPECT_EQ(rows[4], (std::vector<std::string>{kArm61, "2026-11-26T10:15:00Z(archived)", "-", "yes",
                                               "1", "oops", "lkdtm_EXCEPTION", kArm61Sig, "Oops"}));
  EXPECT_EQ(rows[5].at(0), kArm64612);
  EXPECT_EQ(rows[5].at(1), "2026-11-25T23:00:00Z(archived)");
  EXPECT_EQ(rows[5].at(3), "no");
  // The columns line up under the header.
  std::istringstream lines(run.out);
  std::string first;
  std::string second;
  std::string third;
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, third);
  EXPECT_EQ(first.find("TIME"), second.find("2026-11-28T09:01:12Z "));
  EXPECT_EQ(first.find("BOOT"), second.find("6f0b2c3e "));
  EXPECT_EQ(third.compare(first.find("BOOT"), 2, "- "), 0) << third;
  EXPECT_EQ(first.find("TITLE"), second.find("Oops in crash_3"));
}

TEST_F(List, JsonHasTheSameFieldsUnderStableNames) {
  standard();
  const Output run = lcrt_apart("list --json" + where());
  EXPECT_EQ(run.status, 0) << run.err;
  const auto j = nlohmann::ordered_json::parse(run.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 5U);
  const std::vector<std::string> keys{"id",      "archived",  "live",  "seq",        "event",
                                      "culprit", "signature", "title", "crash_time", "boot_id"};
  for (const auto& o : j) {
    std::vector<std::string> got;
    for (const auto& item : o.items()) got.push_back(item.key());
    EXPECT_EQ(got, keys) << o;
  }
  EXPECT_EQ(j[0]["id"], "live:3");
  EXPECT_TRUE(j[0]["archived"].is_null());
  EXPECT_EQ(j[0]["live"], true);
  EXPECT_EQ(j[0]["seq"], 3);
  EXPECT_EQ(j[0]["event"], "oops");
  EXPECT_EQ(j[0]["culprit"], "crash_3");
  EXPECT_EQ(j[0]["signature"], crc_of({"crash_3", "caller"}));
  EXPECT_EQ(j[0]["title"], "Oops in crash_3");
  EXPECT_EQ(j[0]["crash_time"], "2026-11-28T09:01:12.500000000Z");
  EXPECT_EQ(j[0]["boot_id"], "6f0b2c3e-1d5a-4c2b-9e8f-0a1b2c3d4e5f");
  EXPECT_TRUE(j[1]["crash_time"].is_null());
  EXPECT_TRUE(j[1]["boot_id"].is_null());
  EXPECT_TRUE(j[3]["crash_time"].is_null());  // the archive time is "archived"
  EXPECT_EQ(j[3]["id"], kArm61);
  EXPECT_EQ(j[3]["archived"], "2026-11-26T10:15:00Z");
  EXPECT_EQ(j[3]["live"], true);
  EXPECT_EQ(j[3]["seq"], 1);
  EXPECT_EQ(j[3]["culprit"], "lkdtm_EXCEPTION");
  EXPECT_EQ(j[3]["signature"], kArm61Sig);
  EXPECT_EQ(j[3]["title"], "Oops");
  EXPECT_EQ(j[2]["live"], false);
  EXPECT_EQ(j[4]["id"], kArm64612);
  // The text's rows, one to one.
  const auto rows = words_of_lines(lcrt_apart("list" + where()).out);
  ASSERT_EQ(rows.size(), j.size() + 1);
  for (std::size_t i = 0; i < j.size(); i++) {
    EXPECT_EQ(rows[i + 1][0], j[i]["id"]);
    EXPECT_EQ(rows[i + 1][4], std::to_string(j[i]["seq"].get<int>()));
    EXPECT_EQ(rows[i + 1][6], j[i]["culprit"]);
    EXPECT_EQ(rows[i + 1][7], j[i]["signature"]);
  }
}

// The same record (build-id, seq, CRC and follow-up: record_key) archived
// and on the region is one line; a follow-up written since makes it another
// record, as collect would archive it again.
TEST_F(List, ARecordArchivedAndLiveIsListedOnceAsArchived) {
  const Bytes oops = make_record(spec(5));
  archive("20261126T101500Z-seq5-x", oops);
  live({oops});
  Listing l = listing();
  ASSERT_EQ(l.records.size(), 1U);
  EXPECT_EQ(l.records[0].id, "20261126T101500Z-seq5-x");
  ASSERT_TRUE(l.records[0].live);
  EXPECT_EQ(l.records[0].live->slot, 0U);
  EXPECT_EQ(record_key(*l.records[0].live), record_key(*l.records[0].found));

  Spec panic = spec(5);
  panic.flags = LCRT_F_FOLLOWUP;
  panic.reason = "Fatal exception";
  live({with_followup(oops, make_record(panic))});
  l = listing();
  ASSERT_EQ(l.records.size(), 2U);
  EXPECT_EQ(l.records[0].id, "live:5");
  EXPECT_TRUE(l.records[0].live);
  EXPECT_TRUE(l.records[0].found->followup);
  EXPECT_EQ(l.records[1].id, "20261126T101500Z-seq5-x");
  EXPECT_FALSE(l.records[1].live);
  const Output run = lcrt_apart("list" + where());
  EXPECT_TRUE(has(run.out, "\nlive:5 ")) << run.out;
  EXPECT_TRUE(has(run.out, "\n20261126T101500Z-seq5-x  2026-11-26T10:15:00Z(archived)  -"))
      << run.out;
}

TEST_F(List, OrderWithinASecondBySeqThenNameAndNamesWithoutATimeLast) {
  archive("20261126T101500Z-seq4-a", make_record(spec(4)));
  archive("20261126T101500Z-seq6-b", make_record(spec(6)));
  Spec again = spec(6);  // another record of seq 6 archived in the same second:
  again.reason = "Oops, again";
  archive("20261126T101500Z-seq6-b-2", make_record(again));  // the name collect made unique
  archive("copied-by-hand", make_record(spec(9)));
  archive("20261126T101459Z-seq8-c", make_record(spec(8)));
  live({make_record(spec(1)), make_record(spec(7))});
  std::vector<std::string> ids;
  for (const Listed& e : listing().records) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"live:7", "live:1", "20261126T101500Z-seq6-b-2",
                                           "20261126T101500Z-seq6-b", "20261126T101500Z-seq4-a",
                                           "20261126T101459Z-seq8-c", "copied-by-hand"}));
  const auto rows = words_of_lines(lcrt_apart("list" + where()).out);
  ASSERT_EQ(rows.size(), 8U);
  EXPECT_EQ(rows[7][0], "copied-by-hand");
  EXPECT_EQ(rows[7][1], "-");
}

TEST_F(List, NothingToListIsAnEmptyListAndAMissingRegionOrArchiveAWarning) {
  const Output run = lcrt_apart("list --dir " + dir_ + "/none --source /nonexistent/nvram");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "no crash record\n");
  EXPECT_TRUE(has(run.err, "lcrt: warning: " + dir_ + "/none: no such directory")) << run.err;
  EXPECT_TRUE(has(run.err,
                  "lcrt: warning: /nonexistent/nvram: No such file or directory: live records "
                  "not listed\n"))
      << run.err;
  const Output json = lcrt_apart("list --json --dir " + dir_ + " --source /nonexistent/nvram");
  EXPECT_EQ(json.status, 0);
  EXPECT_EQ(json.out, "[]\n");
  // The archive is listed without the region, and the region without the archive.
  archive(kArm61, golden("arm-6.1-exception.rec"));
  Output one = lcrt_apart("list --dir " + dir_ + " --source /nonexistent/nvram");
  EXPECT_EQ(one.status, 0);
  EXPECT_EQ(words_of_lines(one.out).size(), 2U) << one.out;
  live({make_record(spec(3))});
  one = lcrt_apart("list --dir " + dir_ + "/none --source " + region_);
  EXPECT_EQ(one.status, 0);
  EXPECT_TRUE(has(one.out, "\nlive:3 ")) << one.out;
  // An archive directory that is no directory is an error naming it (74).
  const std::string file = test::write_temp("lcrt-list-file", {1});
  const Output bad = lcrt_apart("list --dir " + file + " --source " + region_);
  EXPECT_EQ(bad.status, 74) << bad.err;
  EXPECT_TRUE(has(bad.err, "lcrt: " + file + ": Not a directory")) << bad.err;
}

// A .rec that does not decode is a warning naming it, and no line; info of
// it is an error naming it (65: the wrong data; 74 when it cannot be read).
TEST_F(List, ABadArchivedRecordIsAWarningInListAndAnErrorInInfo) {
  standard();
  Bytes damaged = golden("x86_64-6.1-exception.rec");
  damaged[100] ^= 0x01;
  archive("20261120T000000Z-seq1-damaged", damaged);
  archive("20261121T000000Z-seq1-empty", {});
  fs::create_directories(dir_ + "/20261122T000000Z-seq1-dir.rec");
  Output run = lcrt_apart("list" + where());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(words_of_lines(run.out).size(), 6U) << run.out;
  EXPECT_FALSE(has(run.out, "damaged")) << run.out;
  EXPECT_TRUE(has(run.err, "lcrt: warning: " + dir_ +
                               "/20261120T000000Z-seq1-damaged.rec: CRC mismatch: the record is "
                               "damaged (not listed)\n"))
      << run.err;
  EXPECT_TRUE(has(run.err, "lcrt: warning: " + dir_ +
                               "/20261121T000000Z-seq1-empty.rec: no LCRT record (no magic) (not "
                               "listed)\n"))
      << run.err;
  EXPECT_TRUE(has(run.err, "20261122T000000Z-seq1-dir.rec: is a directory")) << run.err;

  run = lcrt_apart("info" + where() + " 20261120");
  EXPECT_EQ(run.status, 65) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "lcrt: " + dir_ +
                         "/20261120T000000Z-seq1-damaged.rec: CRC mismatch: the record is "
                         "damaged\n");
  run = lcrt_apart("info" + where() + " 20261121T000000Z-seq1-empty.json");
  EXPECT_EQ(run.status, 65) << run.err;
  EXPECT_TRUE(has(run.err, "20261121T000000Z-seq1-empty.rec: no LCRT record")) << run.err;
  run = lcrt_apart("info" + where() + " 20261122");
  EXPECT_EQ(run.status, 74) << run.err;
  EXPECT_TRUE(has(run.err, "20261122T000000Z-seq1-dir.rec: is a directory")) << run.err;
}

TEST_F(List, ACorruptLiveRecordIsAWarning) {
  Bytes torn = make_record(spec(4));
  torn[torn.size() - 3] ^= 0x40;
  live({make_record(spec(3)), torn});
  const Output run = lcrt_apart("list" + where());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(words_of_lines(run.out).size(), 2U) << run.out;
  EXPECT_TRUE(has(run.err, "lcrt: warning: " + region_ +
                               ": corrupt record at offset 1280 (slot 1): CRC mismatch: the "
                               "record is damaged (not listed)\n"))
      << run.err;
  // A region image cut in slot 1 (of 3): slot 0 is listed, and the cut said.
  Bytes cut = make_region(RegionSpec{}, {make_record(spec(3))});
  cut.resize(LCRT_REGION_SLOTS + 1024 + 100);
  region_ = test::write_temp("lcrt-list-cut.img", cut);
  const Output short_run = lcrt_apart("list" + where());
  EXPECT_EQ(short_run.status, 0) << short_run.err;
  EXPECT_TRUE(has(short_run.out, "\nlive:3 ")) << short_run.out;
  EXPECT_EQ(short_run.err, "lcrt: warning: " + region_ +
                               ": the image ends before slot 2 of 3: the slots from there are not "
                               "read\n");
}

// The list carries names and offsets, never an address: a culprit whose
// frame the kernel could not name is "?" (null in JSON).
TEST_F(List, AnUnnamedCulpritIsAQuestionMarkNeverItsAddress) {
  Spec blamed = spec(3);
  blamed.frames = {{0xc0d0e0f0, 0, 0, ""}, {0xc0000ff0, 0x30, 0x100, "caller"}};
  Spec nameless = spec(4);
  nameless.culprit.reset();
  nameless.frames = {{0xc0a0b0c0, 0, 0, ""}, {0xc0a0b0d0, 0, 0, ""}};
  ASSERT_EQ(culprit_function(decode(make_record(blamed))), "");
  ASSERT_EQ(culprit_function(decode(make_record(nameless))), "");
  archive("20261126T101500Z-seq4-nosignature", make_record(nameless));
  live({make_record(blamed)});

  const Output text = lcrt_apart("list" + where());
  EXPECT_EQ(text.status, 0) << text.err;
  const auto rows = words_of_lines(text.out);
  ASSERT_EQ(rows.size(), 3U) << text.out;
  // The kernel blamed frame 0: not the caller, and no " in" in the title.
  EXPECT_EQ(rows[1], (std::vector<std::string>{"live:3", "-", "-", "yes", "3", "oops", "?",
                                               crc_of({"caller"}), "Oops"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"20261126T101500Z-seq4-nosignature",
                                               "2026-11-26T10:15:00Z(archived)", "-", "no", "4",
                                               "oops", "?", "-", "Oops"}));
  const Output json = lcrt_apart("list --json" + where());
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j.size(), 2U);
  EXPECT_TRUE(j[0]["culprit"].is_null());
  EXPECT_TRUE(j[1]["culprit"].is_null());
  EXPECT_TRUE(j[1]["signature"].is_null());
  for (const std::string& out : {text.out, json.out})
    for (const char* pc : {"c0d0e0f0", "c0a0b0c0", "c0a0b0d0", "c0000ff0", "3221229552"})
      EXPECT_FALSE(has(out, pc)) << pc << " in\n" << out;
}

// A record of format 1.2 archived: its crash's own time comes before the
// archive's, and where its code was loaded (the KASLR offset, a module's
// address: root-only, as the pcs) is in neither the text nor the JSON.
TEST_F(List, ACrashsOwnTimeAndNoLoadAddress) {
  Spec s = timed(5);
  s.frames = {{0xbf000110, 0x10, 0x40, "crash_5 [mydrv]"}, {0xc0000ff0, 0x30, 0x100, "caller"}};
  s.modules = {{"mydrv", {0x11}}};
  s.load = Load{0x2a00000, {0xbf000000}};
  archive("20261129T000000Z-seq5-x", make_record(s));
  const Output text = lcrt_apart("list" + where());
  EXPECT_EQ(text.status, 0) << text.err;
  const auto rows = words_of_lines(text.out);
  ASSERT_EQ(rows.size(), 2U) << text.out;
  EXPECT_EQ(rows[1].at(1), "2026-11-28T09:01:12Z");
  EXPECT_EQ(rows[1].at(2), "6f0b2c3e");
  const Output json = lcrt_apart("list --json" + where());
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["archived"], "2026-11-29T00:00:00Z");
  EXPECT_EQ(j[0]["crash_time"], "2026-11-28T09:01:12.500000000Z");
  for (const std::string& out : {text.out, json.out})
    for (const char* addr : {"2a00000", "44040192", "bf000000", "3204448256", "bf000110"})
      EXPECT_FALSE(has(out, addr)) << addr << " in\n" << out;
  // info is the full decode: that is where they are.
  const Output info = lcrt_apart("info" + where() + " 5");
  EXPECT_TRUE(has(info.out, "load:    kernel KASLR offset 0x2a00000\n")) << info.out;
  EXPECT_TRUE(has(info.out, "time:    2026-11-28T09:01:12.500000000Z\n")) << info.out;
}

// Strings from the record and names from the directory are escaped as the
// renderers escape them: \xNN for bytes that are not UTF-8, and in text for
// control characters too.
TEST_F(List, BytesThatAreNotUtf8AreEscaped) {
  Spec s = spec(3);
  s.frames[0].name = "crash_\xff\x1b";
  s.reason = "Oops\x1b[2J, err 0x17";
  archive("20261126T101500Z-seq3-bad\xfe", make_record(s));
  const Output text = lcrt_apart("list" + where());
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_TRUE(has(text.out, "20261126T101500Z-seq3-bad\\xfe  ")) << text.out;
  EXPECT_TRUE(has(text.out, "  crash_\\xff\\x1b  ")) << text.out;
  EXPECT_TRUE(has(text.out, "  Oops\\x1b[2J in crash_\\xff\\x1b\n")) << text.out;
  for (const char raw : {'\xff', '\x1b', '\xfe'}) EXPECT_EQ(text.out.find(raw), std::string::npos);
  const Output json = lcrt_apart("list --json" + where());
  const auto j = nlohmann::json::parse(json.out);  // valid UTF-8, or this throws
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["id"], "20261126T101500Z-seq3-bad\\xfe");
  EXPECT_EQ(j[0]["culprit"], "crash_\\xff\x1b");
  EXPECT_EQ(j[0]["title"], "Oops\x1b[2J in crash_\\xff\x1b");
}

// ID resolution (lcrt::resolve), the rules in their order.
TEST_F(List, AnIdIsAStemItsStartLiveSeqOrASeqOfOneRecord) {
  standard();
  const Listing l = listing();
  const auto id_of = [&l](const std::string& id) { return resolve(l, id).entry->id; };
  // A stem, with or without its extension, or the start of one.
  for (const std::string& id :
       std::vector<std::string>{kX86612, kX86612 + ".rec", kX86612 + ".json", "20261127",
                                "20261127T08", kX86612.substr(0, kX86612.size() - 1)})
    EXPECT_EQ(id_of(id), kX86612) << id;
  const Resolved archived = resolve(l, kArm61);
  EXPECT_FALSE(archived.live);
  EXPECT_EQ(archived.found, &*archived.entry->found);
  // A seq of one record, archived or live; a record both counts once.
  const Resolved three = resolve(l, "3");
  EXPECT_EQ(three.entry->id, "live:3");
  EXPECT_TRUE(three.live);
  EXPECT_EQ(three.found->slot, 1U);
  EXPECT_EQ(id_of("2"), "live:2");
  EXPECT_EQ(id_of("002"), "live:2");
  // live:N: the region's copy, also of a record that is archived.
  const Resolved live = resolve(l, "live:1");
  EXPECT_EQ(live.entry->id, kArm61);
  EXPECT_TRUE(live.live);
  EXPECT_EQ(live.found, &*live.entry->live);
  EXPECT_EQ(live.found->slot, 0U);
  EXPECT_EQ(id_of("live:3"), "live:3");
  // A number no record has is the start of a stem.
  EXPECT_EQ(id_of("20261125"), kArm64612);
}

TEST_F(List, AnIdOfNoRecordOrOfSeveralIsAUsageErrorThatSaysWhich) {
  standard();
  const Listing l = listing();
  const auto refused = [&l](const std::string& id) {
    try {
      resolve(l, id);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("resolved");
  };
  EXPECT_EQ(refused("1"), "1 is ambiguous: it names 3 records (" + kX86612 + ", " + kArm61 + ", " +
                              kArm64612 + ")");
  EXPECT_EQ(refused("2026112"), "2026112 is ambiguous: it names 3 records (" + kX86612 + ", " +
                                    kArm61 + ", " + kArm64612 + ")");
  EXPECT_EQ(refused("202611270"), "no record has the ID 202611270 (lcrt list shows them)");
  EXPECT_EQ(refused("live:9"), "no record has the ID live:9 (lcrt list shows them)");
  EXPECT_EQ(refused("live:"), "live:: not a record ID (live: takes a sequence number: live:7)");
  EXPECT_EQ(refused("live:x"), "live:x: not a record ID (live: takes a sequence number: live:7)");
  EXPECT_EQ(refused("live:-1"), "live:-1: not a record ID (live: takes a sequence number: live:7)");
  EXPECT_EQ(refused("99999999999999999999999"),
            "no record has the ID 99999999999999999999999 (lcrt list shows them)");
  EXPECT_EQ(refused(""), "an empty record ID (lcrt list shows them)");
  EXPECT_EQ(refused(".rec"), "no record has the ID .rec (lcrt list shows them)");
  // A live ID is no stem to start.
  EXPECT_EQ(refused("live"), "no record has the ID live (lcrt list shows them)");
}

TEST_F(List, InfoIsDecodeOfTheRecordItNames) {
  standard();
  // An archived record: as decode shows its .rec.
  Output run = lcrt_apart("info" + where() + " 20261127");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const std::string rec = dir_ + "/" + kX86612 + ".rec";
  EXPECT_EQ(run.out, lcrt_apart("decode " + rec).out);
  EXPECT_TRUE(has(run.out, "signature: " + kX86612Sig + " (lkdtm_EXCEPTION < ")) << run.out;
  EXPECT_EQ(lcrt_apart("info --json" + where() + " " + kX86612 + ".rec").out,
            lcrt_apart("decode --json " + rec).out);
  EXPECT_EQ(lcrt_apart("info -v" + where() + " " + kX86612).out,
            lcrt_apart("decode -v " + rec).out);
  // A live one: as show shows its slot, with the region.
  run = lcrt_apart("info --json" + where() + " live:3");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, lcrt_apart("show --json --slot 1 --source " + region_).out);
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["seq"], 3);
  EXPECT_EQ(j[0]["slot"], 1);
  EXPECT_EQ(j[0]["region"]["nslots"], 3);
  EXPECT_EQ(lcrt_apart("info" + where() + " 2").out,
            lcrt_apart("show --slot 2 --source " + region_).out);
  // live:1 is the region's copy of an archived record: with its slot.
  EXPECT_EQ(lcrt_apart("info --json" + where() + " live:1").out,
            lcrt_apart("show --json --slot 0 --source " + region_).out);
}

TEST_F(List, InfoExitsAsTheOtherCommandsDo) {
  standard();
  Output run = lcrt_apart("info" + where() + " 1");
  EXPECT_EQ(run.status, 64) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(has(run.err, "lcrt: 1 is ambiguous: it names 3 records (")) << run.err;
  run = lcrt_apart("info" + where() + " nosuch");
  EXPECT_EQ(run.status, 64) << run.err;
  EXPECT_EQ(run.err, "lcrt: no record has the ID nosuch (lcrt list shows them)\n");
  // What list would warn of is said when it may be why.
  run = lcrt_apart("info --dir " + dir_ + " --source /nonexistent/nvram live:3");
  EXPECT_EQ(run.status, 64) << run.err;
  EXPECT_TRUE(has(run.err,
                  "lcrt: warning: /nonexistent/nvram: No such file or directory: live "
                  "records not listed\nlcrt: no record has the ID live:3 "))
      << run.err;
  EXPECT_EQ(lcrt_apart("info" + where() + " live:x").status, 64);
  EXPECT_EQ(lcrt_apart("info" + where()).status, 64);  // no ID
  // The selection options of show and decode are not info's.
  EXPECT_EQ(lcrt_apart("info --all" + where() + " 3").status, 64);
  EXPECT_EQ(lcrt_apart("info --slot 1" + where() + " 3").status, 64);
  // --vmlinux as decode has it: a file that is not one is 65.
  const std::string garbage = test::write_temp("lcrt-list-garbage", Bytes(64, 0x5a));
  run = lcrt_apart("info --vmlinux " + garbage + where() + " 3");
  EXPECT_EQ(run.status, 65) << run.err;
  EXPECT_TRUE(has(run.err, "not an ELF file")) << run.err;
}

}  // namespace
}  // namespace lcrt
