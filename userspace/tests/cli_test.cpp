// lcrt show/decode's --format, --slot and -v, run as a user would.
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/record.hpp"

namespace lcrt {
namespace {

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

constexpr std::size_t kSlot = 1024;

// lcrt's standard output alone (lcrt_cli mixes in standard error).
CliResult stdout_of(const std::string& args) {
  FILE* p = popen((std::string(LCRT_BINARY) + " " + args + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// A region of four slots: seq 7, seq 8, a corrupt record, then empty.
std::string region() {
  Bytes image(4 * kSlot, 0);
  Spec s;
  s.windows = {{0, 0xc07c7e90, {0xc07c7ed4, 0xc07c7eb0, 0xc01c31a4, 0xc0204b58, 0x1}},
               {1, 0xc07c7eb8, {0xdeadbeef}}};
  for (std::uint64_t i = 0; i < LCRT_REGS_ARM; i++) s.regs.push_back(i);
  const Bytes first = make_record(s);
  s.seq = 8;
  s.reason = "second";
  const Bytes second = make_record(s);
  Bytes torn = make_record(s);
  torn[100] ^= 0x01;
  std::copy(first.begin(), first.end(), image.begin());
  std::copy(second.begin(), second.end(), image.begin() + kSlot);
  std::copy(torn.begin(), torn.end(), image.begin() + 2 * kSlot);
  return write_temp("slots.img", image);
}

TEST(CliFormat, JsonIsTheSameAsTheJsonFlag) {
  const std::string img = region();
  const CliResult flag = stdout_of("decode --json --all " + img);
  const CliResult format = stdout_of("decode --format json --all " + img);
  EXPECT_EQ(flag.status, 0) << flag.out;
  EXPECT_EQ(format.status, 0) << format.out;
  EXPECT_EQ(flag.out, format.out);
  const auto j = nlohmann::json::parse(format.out);
  ASSERT_EQ(j.size(), 3U);  // two records, one corrupt
  EXPECT_EQ(j[0]["seq"], 7);
  EXPECT_EQ(j[1]["seq"], 8);
  EXPECT_TRUE(has(j[2]["error"].get<std::string>(), "CRC mismatch"));
  // JSON carries the stack words with or without -v.
  EXPECT_EQ(j[0]["frames"][1]["stack"]["words"][0], "0xdeadbeef");
  EXPECT_EQ(stdout_of("decode -v --format json --all " + img).out, format.out);
}

TEST(CliFormat, TextIsTheDefault) {
  const std::string img = region();
  const CliResult dflt = stdout_of("decode " + img);
  const CliResult text = stdout_of("decode --format text " + img);
  EXPECT_EQ(dflt.status, 0);
  EXPECT_EQ(dflt.out, text.out);
  EXPECT_TRUE(has(text.out, "LCRT record 8 ")) << text.out;
}

TEST(CliFormat, AnythingElseIsAUsageError) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode --format yaml " + img);
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_TRUE(has(run.out, "--format")) << run.out;
  EXPECT_TRUE(has(run.out, "yaml")) << run.out;
  EXPECT_EQ(lcrt_cli("decode --format " + img).status, 64);
  // --json and --format say the same thing twice: one of them.
  EXPECT_EQ(lcrt_cli("decode --json --format text " + img).status, 64);
  EXPECT_EQ(lcrt_cli("show --format xml --source " + img).status, 64);
}

TEST(CliSlot, ShowsTheRecordOfThatSlotOnly) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode --slot 0 " + img);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "LCRT record 7 ")) << run.out;
  EXPECT_FALSE(has(run.out, "LCRT record 8 ")) << run.out;
  EXPECT_FALSE(has(run.out, "corrupt")) << run.out;  // other slots are not reported
  run = lcrt_cli("show --source " + img + " --slot 1 --format json");
  EXPECT_EQ(run.status, 0) << run.out;
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["seq"], 8);
  EXPECT_EQ(j[0]["offset"], kSlot);
  EXPECT_EQ(j[0]["reason"], "second");
}

TEST(CliSlot, AnEmptySlotIsExit2) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode --slot 3 " + img);
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_EQ(run.out, "lcrt: " + img + ": slot 3 is empty (the image holds 3 records)\n");
  run = lcrt_cli("decode --slot 0 " + write_temp("zero.img", Bytes(4096, 0)));
  EXPECT_EQ(run.status, 2) << run.out;
  run = stdout_of("decode --format json --slot 9 " + img);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "[]\n");
}

TEST(CliSlot, ACorruptSlotIsExit3WithItsReason) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode --slot 2 " + img);
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_EQ(run.out, img +
                         ": slot 2: corrupt record at offset 2048: CRC mismatch: the record is "
                         "damaged\n");
  run = stdout_of("decode --json --slot 2 " + img);
  EXPECT_EQ(run.status, 3);
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["offset"], 2 * kSlot);
}

TEST(CliSlot, ExcludesAllAndTakesOnlyANumber) {
  const std::string img = region();
  EXPECT_EQ(lcrt_cli("decode --slot 0 --all " + img).status, 64);
  EXPECT_EQ(lcrt_cli("show --all --slot 0 --source " + img).status, 64);
  EXPECT_EQ(lcrt_cli("decode --slot -1 " + img).status, 64);
  EXPECT_EQ(lcrt_cli("decode --slot one " + img).status, 64);
}

TEST(CliVerbose, TextSummarisesTheWindowsUnlessVerbose) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode --slot 0 " + img);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\nstack windows: 2 frames, 6 words (-v shows them)\n")) << run.out;
  EXPECT_FALSE(has(run.out, "c0204b58")) << run.out;
  // The chain, the registers and the signature are there either way.
  EXPECT_TRUE(has(run.out, "#0  bad_irq_handler+0x10/0x40 [0xc0100010]")) << run.out;
  EXPECT_TRUE(has(run.out, "registers:\n  r0      00000000")) << run.out;
  EXPECT_TRUE(has(run.out, "signature: ")) << run.out;
  for (const char* v : {"-v", "--verbose"}) {
    run = lcrt_cli(std::string("decode ") + v + " --slot 0 " + img);
    EXPECT_EQ(run.status, 0) << run.out;
    EXPECT_TRUE(has(run.out, "stack windows (per frame, lowest address first):\n")) << run.out;
    EXPECT_TRUE(has(run.out, "#0  c07c7e90: c07c7ed4 c07c7eb0 c01c31a4 c0204b58\n")) << run.out;
    EXPECT_TRUE(has(run.out, "#1  c07c7eb8: deadbeef\n")) << run.out;
    EXPECT_FALSE(has(run.out, "-v shows them")) << run.out;
  }
  // A record without windows says nothing of them.
  run = lcrt_cli("decode " + write_temp("plain.rec", make_record(Spec{})));
  EXPECT_FALSE(has(run.out, "stack windows")) << run.out;
}

// A region with a header: slot 0 an oops with the panic that followed it,
// slot 1 empty, slot 2 a plain record.
std::string region_with_header() {
  Spec oops;
  oops.seq = 5;
  oops.reason = "Oops, err 0x81b";
  Spec panic = oops;
  panic.flags = LCRT_F_FOLLOWUP;
  panic.reason = "Fatal exception";
  panic.event.kind = LCRT_EV_PANIC;
  Spec later;
  later.seq = 6;
  later.reason = "later";
  const std::vector<Bytes> slots{
      with_followup(make_record(oops), make_record(panic)), {}, make_record(later)};
  return write_temp("header.img", make_region(RegionSpec{}, slots));
}

constexpr const char* kRegionLine =
    "region: 3 slots of 1024 bytes, policy keep, boot 5, 2 records dropped, next seq 9\n";

TEST(CliRegion, TheRegionLineWithAllOrVerbose) {
  const std::string img = region_with_header();
  CliResult run = lcrt_cli("decode --all " + img);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out.rfind(kRegionLine, 0), 0U) << run.out;
  EXPECT_TRUE(has(run.out, "LCRT record 5 ")) << run.out;
  EXPECT_TRUE(has(run.out, "reason:  Fatal exception (after Oops, err 0x81b)\n")) << run.out;
  EXPECT_TRUE(has(run.out, "LCRT record 6 ")) << run.out;
  run = lcrt_cli("show -v --source " + img);
  EXPECT_EQ(run.out.rfind(kRegionLine, 0), 0U) << run.out;
  EXPECT_FALSE(has(run.out, "LCRT record 5 ")) << run.out;  // only the newest
  run = lcrt_cli("decode " + img);
  EXPECT_FALSE(has(run.out, "region:")) << run.out;
  // An image without a region header has no region line.
  EXPECT_FALSE(has(lcrt_cli("decode --all " + region()).out, "region:"));
}

TEST(CliRegion, JsonStaysAListOfRecordsEachWithItsSlotAndTheRegion) {
  const CliResult run = stdout_of("decode --all --json " + region_with_header());
  EXPECT_EQ(run.status, 0) << run.out;
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2U);  // the follow-up is no record of its own
  EXPECT_EQ(j[0]["seq"], 5);
  EXPECT_EQ(j[0]["reason"], "Fatal exception (after Oops, err 0x81b)");
  EXPECT_EQ(j[0]["first_reason"], "Oops, err 0x81b");
  EXPECT_EQ(j[0]["followup"]["reason"], "Fatal exception");
  EXPECT_EQ(j[0]["followup"]["event"], "panic");
  EXPECT_EQ(j[0]["slot"], 0);
  EXPECT_EQ(j[0]["offset"], LCRT_REGION_SLOTS);
  EXPECT_EQ(j[1]["seq"], 6);
  EXPECT_EQ(j[1]["slot"], 2);
  EXPECT_FALSE(j[1].contains("followup"));
  const auto& r = j[1]["region"];
  EXPECT_EQ(r["slot_size"], 1024);
  EXPECT_EQ(r["nslots"], 3);
  EXPECT_EQ(r["policy"], "keep");
  EXPECT_EQ(r["generation"], 1);
  EXPECT_EQ(r["next_seq"], 9);
  EXPECT_EQ(r["boot_count"], 5);
  EXPECT_EQ(r["dropped"], 2);
}

TEST(CliRegion, SlotIsTheRegionsSlot) {
  const std::string img = region_with_header();
  CliResult run = stdout_of("decode --json --slot 2 " + img);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(nlohmann::json::parse(run.out)[0]["seq"], 6);
  run = lcrt_cli("decode --slot 1 " + img);
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_EQ(run.out, "lcrt: " + img + ": slot 1 is empty\n");
  run = lcrt_cli("decode --slot 3 " + img);
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_EQ(run.out, "lcrt: " + img + ": slot 3 is past the last (the region has 3 slots)\n");
}

TEST(CliRegion, TornOnlyIsExit3AndNeverNoRecord) {
  Spec s;
  s.seq = 9;
  const std::string img =
      write_temp("torn.img", make_region(RegionSpec{}, {{}, pending(make_record(s))}));
  CliResult run = lcrt_cli("decode " + img);
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, img + ": corrupt record at offset 1280 (slot 1): torn: the write of "
                                 "record 9 did not finish\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "no valid crash record\n")) << run.out;
  run = stdout_of("decode --json " + img);
  EXPECT_EQ(run.status, 3);
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["slot"], 1);
  EXPECT_EQ(j[0]["error"], "torn: the write of record 9 did not finish");
  EXPECT_FALSE(j[0].contains("seq"));
  // A torn record in a raw record file too.
  run = lcrt_cli("decode " + write_temp("torn.rec", pending(make_record(s))));
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "torn: the write of record 9 did not finish")) << run.out;
}

TEST(CliRegion, ATornFollowUpIsANoteOnTheRecord) {
  Spec oops;
  oops.reason = "Oops";
  Spec panic = oops;
  panic.flags = LCRT_F_FOLLOWUP;
  const std::string img = write_temp(
      "torn-followup.img",
      make_region(RegionSpec{}, {with_followup(make_record(oops), pending(make_record(panic)))}));
  CliResult run = lcrt_cli("decode " + img);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "note:    what followed this crash was not fully written (torn)\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "reason:  Oops\n")) << run.out;
  run = stdout_of("decode --json " + img);
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["reason"], "Oops");
  EXPECT_EQ(j[0]["followup_error"], "torn: the write of record 7 did not finish");
}

// Output that is lost is an error: exit 74 and why, never a silent 0.
TEST(CliOutput, AFullStandardOutputIsAnIoError) {
  const std::string img = region();
  for (const char* args : {"decode ", "decode --json --all ", "decode --slot 1 "}) {
    // Standard error to the pipe, standard output to /dev/full.
    FILE* p =
        popen((std::string(LCRT_BINARY) + " " + args + img + " 2>&1 >/dev/full").c_str(), "r");
    CliResult run{-1, ""};
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p) != nullptr) run.out += buf;
    const int st = pclose(p);
    run.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    EXPECT_EQ(run.status, 74) << args << run.out;
    EXPECT_TRUE(has(run.out, "lcrt: standard output: No space left on device\n")) << run.out;
  }
}

// Exit status, one scheme (lcrt(1), EXIT STATUS): 64 for what the user
// asked wrong, 65 for a file the user named that holds the wrong data, 74
// for a file that cannot be read or written, missing ones included (the
// image's and those of --system-map, --vmlinux and --modules alike), 2 and 3
// for what an image holds.
TEST(CliExit, ABadOptionOrValueIs64) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode --frobnicate " + img);
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_EQ(lcrt_cli("decode").status, 64);
  EXPECT_EQ(lcrt_cli("frobnicate").status, 64);
  EXPECT_EQ(lcrt_cli("").status, 64);
  EXPECT_EQ(lcrt_cli("decode --force " + img).status, 64);  // needs --vmlinux
  // A control word the kernel would refuse ("clear 0": records are numbered
  // from 1) is refused before the control file is opened.
  const std::string control = write_temp("control", Bytes{'x'});
  run = lcrt_cli("clear --control " + control + " --seq 0");
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_TRUE(has(run.out, "--seq")) << run.out;
  run = lcrt_cli("clear --control " + control + " --seq -3");
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_TRUE(has(run.out, "--seq")) << run.out;
  // A control file that is not the kernel's is the user's mistake too.
  run = lcrt_cli("clear --control " + control + " --seq 4");
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_TRUE(has(run.out, "not in sysfs")) << run.out;
}

TEST(CliExit, AMissingFileIs74) {
  const std::string img = region();
  CliResult run = lcrt_cli("decode /nonexistent/nvram.img");
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: /nonexistent/nvram.img: No such file or directory\n");
  run = lcrt_cli("show --source /nonexistent/nvram");
  EXPECT_EQ(run.status, 74) << run.out;
  run = lcrt_cli("decode --system-map /nonexistent/System.map " + img);
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: /nonexistent/System.map: No such file or directory\n");
  run = lcrt_cli("decode --vmlinux /nonexistent/vmlinux " + img);
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "lcrt: /nonexistent/vmlinux: No such file or directory\n");
  run = lcrt_cli("decode --vmlinux " + std::string(LCRT_FIXTURE) + "/vmlinux --modules " +
                 "/nonexistent/modules " + img);
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_TRUE(has(run.out, "lcrt: /nonexistent/modules: No such file or directory\n")) << run.out;
  run = lcrt_cli("decode --vmlinux " + ::testing::TempDir() + " " + img);  // a directory
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_TRUE(has(run.out, "Is a directory")) << run.out;
  run = lcrt_cli("clear --control /nonexistent/control");
  EXPECT_EQ(run.status, 74) << run.out;
}

// A corrupt image is what the image holds (3; 2 for none at all); a
// System.map or vmlinux that is not one is the wrong data (65).
TEST(CliExit, ACorruptImageIs3AndAFileThatIsNotWhatItMustBe65) {
  Bytes garbage(4096, 0x5a);
  Bytes rec = make_record(Spec{});
  rec[100] ^= 0x01;
  CliResult run = lcrt_cli("decode " + write_temp("corrupt.rec", rec));
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "corrupt record at offset 0")) << run.out;
  EXPECT_EQ(lcrt_cli("decode --json " + write_temp("garbage.img", garbage)).status, 2);

  const std::string img = region();
  const std::string text = "not a map\n";
  run = lcrt_cli("decode --system-map " + write_temp("bad.map", Bytes(text.begin(), text.end())) +
                 " " + img);
  EXPECT_EQ(run.status, 65) << run.out;
  EXPECT_TRUE(has(run.out, "bad.map:1: not a System.map line")) << run.out;
  run = lcrt_cli("decode --vmlinux " + write_temp("bad-vmlinux", garbage) + " " + img);
  EXPECT_EQ(run.status, 65) << run.out;
  EXPECT_TRUE(has(run.out, "bad-vmlinux: not an ELF file")) << run.out;
}

TEST(CliExit, AnUnwritableOutputIs74) {
  const std::string img = region();
  const int st = std::system(
      (std::string(LCRT_BINARY) + " decode " + img + " >/dev/full 2>/dev/null").c_str());
  EXPECT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 74);
  const std::string file = write_temp("not-a-directory", Bytes{1});
  const CliResult run = lcrt_cli("collect --no-clear --dir " + file + "/archive --source " + img);
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_TRUE(has(run.out, "Not a directory")) << run.out;
}

}  // namespace
}  // namespace lcrt
