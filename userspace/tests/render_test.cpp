#include "lcrt/render.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/control.hpp"
#include "lcrt/signature.hpp"

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

TEST(Text, SaysEverythingInWords) {
  const Spec s;  // oops in hardirq, taint D
  const std::string t = render_text(decode(make_record(s)));
  EXPECT_TRUE(has(t, "event:   oops\n")) << t;
  EXPECT_TRUE(has(t, "context: hardirq")) << t;
  EXPECT_TRUE(has(t, "swapper (pid 42) on CPU 1")) << t;
  EXPECT_TRUE(has(t, "taint:   0x80 D\n")) << t;
  EXPECT_TRUE(has(t, "uptime:  1.500000001 s")) << t;
  EXPECT_TRUE(has(t, "reason:  " + s.reason)) << t;
  EXPECT_TRUE(has(t, "build-id deadbeef")) << t;
  EXPECT_TRUE(has(t, "#0  bad_irq_handler+0x10/0x40 [0xc0100010]")) << t;
  EXPECT_TRUE(has(t, "#1  handle_irq_event+0x30/0x100 [0xc0000ff0]")) << t;
  EXPECT_TRUE(has(t, "#2  [0xc0200000]")) << t;
}

TEST(Text, RegistersByNameAndWindowsAsHexWords) {
  Spec s;
  for (std::uint64_t i = 0; i < LCRT_REGS_ARM; i++) s.regs.push_back(i == 15 ? 0xc01c33d4 : i);
  s.windows = {{1, 0xc07c7ea0, {0xc07c7ed4, 0xc07c7eb0, 0xc01c31a4, 0xc0204b58, 0x1}}};
  const std::string t = render_text(decode(make_record(s)));
  EXPECT_TRUE(has(t, "pc      c01c33d4")) << t;
  EXPECT_TRUE(has(t, "r1      00000001")) << t;
  EXPECT_TRUE(has(t, "#1  c07c7ea0: c07c7ed4 c07c7eb0 c01c31a4 c0204b58\n      c07c7eb0: 00000001"))
      << t;
  const auto j = to_json(decode(make_record(s)));
  EXPECT_EQ(j["registers"]["pc"], "0xc01c33d4");
  EXPECT_EQ(j["frames"][1]["stack"]["addr"], "0xc07c7ea0");
  EXPECT_EQ(j["frames"][1]["stack"]["words"][2], "0xc01c31a4");
}

TEST(Json, RegistersInTheKernelsOrderAndFlagsByName) {
  Spec s;
  for (std::uint64_t i = 0; i < LCRT_REGS_ARM; i++) s.regs.push_back(i);
  s.flags = LCRT_F_TRUNCATED | LCRT_F_NO_WINDOWS;
  const auto j = to_json(decode(make_record(s)));
  EXPECT_EQ(j["schema"], kJsonSchema);
  std::vector<std::string> order;
  for (const auto& [name, value] : j["registers"].items()) order.push_back(name);
  ASSERT_GE(order.size(), 12U);
  EXPECT_EQ(order[0], "r0");
  EXPECT_EQ(order[1], "r1");
  EXPECT_EQ(order[2], "r2");
  EXPECT_EQ(order[11], "fp");
  EXPECT_EQ(j["flags"], nlohmann::ordered_json({"truncated", "no_windows"}));
}

TEST(Text, ALeafsEmptyWindowIsSaid) {
  Spec s;
  s.windows = {{0, 0xc07c7ea0, {}}, {1, 0xc07c7ea0, {0xc07c7ed4}}};
  const auto rec = decode(make_record(s));
  const std::string t = render_text(rec);
  EXPECT_TRUE(has(t, "#0  c07c7ea0: (no stack words of its own)\n  #1  c07c7ea0: c07c7ed4\n")) << t;
  const auto j = to_json(rec);
  EXPECT_EQ(j["frames"][0]["stack"]["addr"], "0xc07c7ea0");
  EXPECT_TRUE(j["frames"][0]["stack"]["words"].empty());
}

TEST(Text, CutWindowsAreSaid) {
  Spec s;
  s.flags = LCRT_F_TRUNCATED | LCRT_F_WINDOWS_CUT;
  const auto rec = decode(make_record(s));
  EXPECT_NE(render_text(rec, {}).find("note:    stack windows cut to fewer words for the budget\n"),
            std::string::npos);
  EXPECT_EQ(to_json(rec)["flags"], nlohmann::ordered_json({"truncated", "windows_cut"}));
}

TEST(Text, SignatureInTextAndJson) {
  const auto rec = decode(make_record(Spec{}));
  const Signature sig = signature({"bad_irq_handler", "handle_irq_event", ""});
  ASSERT_EQ(sig.id.size(), 8U);
  const std::string t = render_text(rec);
  EXPECT_TRUE(has(t, "signature: " + sig.id + " (bad_irq_handler < handle_irq_event)\n")) << t;
  const auto j = to_json(rec);
  EXPECT_EQ(j["signature"], sig.id);
  EXPECT_EQ(j["signature_functions"][1], "handle_irq_event");
}

TEST(Text, FramesAreInnermostFirst) {
  const std::string t = render_text(decode(make_record(Spec{})));
  EXPECT_LT(t.find("bad_irq_handler"), t.find("handle_irq_event"));
}

TEST(Text, TruncationAndDroppedFramesAreSaid) {
  Spec s;
  s.flags = LCRT_F_TRUNCATED;
  s.dropped = 5;
  const std::string t = render_text(decode(make_record(s)));
  EXPECT_TRUE(has(t, "truncated")) << t;
  EXPECT_TRUE(has(t, "5 outer frames dropped")) << t;
}

TEST(Text, FlagsAreSaidInWords) {
  Spec s;
  s.flags = LCRT_F_WINDOWS_DROPPED | LCRT_F_NO_KALLSYMS;
  const std::string t = render_text(decode(make_record(s)));
  EXPECT_TRUE(has(t, "outer stack windows left out")) << t;
  EXPECT_TRUE(has(t, "no kallsyms")) << t;
}

TEST(Text, SystemMapNamesUnnamedFrames) {
  std::istringstream in("c01ffff0 T named_by_map\nc0200100 T next\n");
  const auto map = SymbolMap::parse(in, "m");
  RenderOptions opt;
  opt.symbols = &map;
  const std::string t = render_text(decode(make_record(Spec{})), opt);
  EXPECT_TRUE(has(t, "#2  named_by_map+0x10/0x110 [0xc0200000]")) << t;
  EXPECT_TRUE(has(t, "#0  bad_irq_handler+0x10/0x40")) << t;  // the record's own name wins
}

TEST(Json, CarriesTheFields) {
  const Spec s;
  const auto j = to_json(decode(make_record(s)));
  EXPECT_EQ(j["seq"], s.seq);
  EXPECT_EQ(j["event"], "oops");
  EXPECT_EQ(j["context"], "hardirq");
  EXPECT_EQ(j["pid"], s.event.pid);
  EXPECT_EQ(j["comm"], s.event.comm);
  EXPECT_EQ(j["reason"], s.reason);
  EXPECT_EQ(j["build_id"], "deadbeef");
  ASSERT_EQ(j["frames"].size(), s.frames.size());
  EXPECT_EQ(j["frames"][0]["function"], "bad_irq_handler");
  EXPECT_EQ(j["frames"][0]["pc"], "0xc0100010");
  EXPECT_FALSE(j["frames"][2].contains("function"));
}

TEST(Text, AModuleFunctionIsNamedAsTheKernelDoes) {
  Spec s;
  s.frames[0].name = "lcrt_crash_ipi [lcrt_crash]";
  const auto rec = decode(make_record(s));
  const std::string t = render_text(rec);
  EXPECT_TRUE(has(t, "#0  lcrt_crash_ipi+0x10/0x40 [lcrt_crash] [0xc0100010]")) << t;
  const auto j = to_json(rec);
  EXPECT_EQ(j["frames"][0]["function"], "lcrt_crash_ipi");
  EXPECT_EQ(j["frames"][0]["module"], "lcrt_crash");
  EXPECT_FALSE(j["frames"][1].contains("module"));
}

// Found by fuzz/fuzz_decode.cpp: a lax UTF-8 check kept overlong forms,
// surrogates and code points past U+10FFFF, which JSON's dump() refuses.
TEST(Printable, OverlongSurrogateAndOutOfRangeSequencesAreEscaped) {
  EXPECT_EQ(printable("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(printable("\xed\xa0\x80", false), "\\xed\\xa0\\x80");
  EXPECT_EQ(printable("\xf4\x90\x80\x80", false), "\\xf4\\x90\\x80\\x80");
  EXPECT_EQ(printable("\xf0\x8f\xbf\xbf", false), "\\xf0\\x8f\\xbf\\xbf");
  const std::string valid =
      "\xc3\xa9\xe2\x82\xac\xed\x9f\xbf\xee\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
  EXPECT_EQ(printable(valid), valid);
}

// Found by fuzz/fuzz_decode.cpp: U+0080..U+009F (U+009B is CSI) reached the
// terminal as they were; JSON may carry them.
TEST(Printable, C1ControlsAreEscapedForTheTerminal) {
  EXPECT_EQ(printable("a\xc2\x9b"
                      "2J"),
            "a\\xc2\\x9b2J");
  EXPECT_EQ(printable("\xc2\x80\xc2\x9f\xc2\xa0"), "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
  EXPECT_EQ(printable("\xc2\x9b", false), "\xc2\x9b");
}

TEST(Json, BytesThatAreNotUtf8CannotMakeTheDumpThrow) {
  Spec s;
  s.event.comm = "sh\xe0\x80\xaf";
  s.reason = "\xed\xa0\x80";
  s.frames[0].name = "f\xf4\x90\x80\x80";
  s.release = "6.1\xc0\x80";
  const auto j = to_json(decode(make_record(s)));
  std::string out;
  ASSERT_NO_THROW(out = j.dump());
  EXPECT_EQ(j["comm"], "sh\\xe0\\x80\\xaf");
  EXPECT_EQ(j["reason"], "\\xed\\xa0\\x80");
  EXPECT_EQ(j["frames"][0]["function"], "f\\xf4\\x90\\x80\\x80");
  const std::string text = render_text(decode(make_record(s)));
  EXPECT_TRUE(has(text, "task:    sh\\xe0\\x80\\xaf (pid")) << text;
}

TEST(Cli, DecodesARegionImage) {
  Bytes image(4096, 0);
  const Bytes r = make_record(Spec{});
  std::copy(r.begin(), r.end(), image.begin() + 1024);
  const CliResult run = lcrt_cli("decode " + write_temp("region.img", image));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "bad_irq_handler")) << run.out;
}

TEST(Cli, TruncatedFileIsAClearErrorNotACrash) {
  Bytes r = make_record(Spec{});
  r.resize(r.size() / 2);
  const CliResult run = lcrt_cli("decode " + write_temp("cut.rec", r));
  EXPECT_EQ(run.status, 3) << run.out;  // only a corrupt record
  EXPECT_TRUE(has(run.out, "record truncated")) << run.out;
}

TEST(Cli, EmptyRegionSaysNoRecord) {
  const CliResult run = lcrt_cli("decode " + write_temp("empty.img", Bytes(4096, 0)));
  EXPECT_EQ(run.status, 2);
  EXPECT_TRUE(has(run.out, "no crash record")) << run.out;
}

TEST(Cli, MissingFileIsAnError) {
  const CliResult run = lcrt_cli("decode /nonexistent/lcrt.img");
  EXPECT_EQ(run.status, 74);
  EXPECT_TRUE(has(run.out, "No such file or directory")) << run.out;
  EXPECT_TRUE(has(run.out, "/nonexistent/lcrt.img")) << run.out;
}

TEST(Cli, WrongSystemMapIsAnError) {
  const std::string map = write_temp("bad.map", Bytes{'n', 'o', 'p', 'e', '\n'});
  const CliResult run =
      lcrt_cli("decode --system-map " + map + " " + write_temp("one.rec", make_record(Spec{})));
  EXPECT_EQ(run.status, 65);  // EX_DATAERR: the file the user named is not one
  EXPECT_TRUE(has(run.out, "not a System.map line")) << run.out;
}

// The record carries no KASLR offset: a System.map whose text does not hold
// the record's unnamed addresses (a randomised kernel) names nothing, and
// says why, rather than naming wrong functions.
TEST(Cli, ASystemMapThatCannotMatchNamesNothing) {
  Spec s;
  s.flags = LCRT_F_NO_KALLSYMS;
  s.frames = {{0xc0100010, 0, 0, ""}, {0xc0000ff0, 0, 0, ""}};
  const std::string rec = write_temp("nokallsyms.rec", make_record(s));
  const std::string linked =
      "c0000000 T _stext\nc0000f00 T handle_irq_event\n"
      "c0100000 T bad_irq_handler\nc0200000 T _etext\n";
  CliResult run =
      lcrt_cli("decode --system-map " +
               write_temp("linked.map", Bytes(linked.begin(), linked.end())) + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "bad_irq_handler+0x10")) << run.out;
  EXPECT_FALSE(has(run.out, "warning")) << run.out;
  // The same kernel loaded 16 MiB higher: the map's addresses are not the pcs.
  const std::string slid =
      "c1000000 T _stext\nc1000f00 T handle_irq_event\n"
      "c1100000 T bad_irq_handler\nc1200000 T _etext\n";
  run = lcrt_cli("decode --system-map " + write_temp("slid.map", Bytes(slid.begin(), slid.end())) +
                 " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "2 of 2 unnamed addresses lie outside its kernel text")) << run.out;
  EXPECT_TRUE(has(run.out, "KASLR")) << run.out;
  EXPECT_FALSE(has(run.out, "bad_irq_handler")) << run.out;
  EXPECT_FALSE(has(run.out, "handle_irq_event")) << run.out;
}

TEST(Cli, ClearRefusesAFileThatIsNotTheControlFile) {
  const std::string control = write_temp("control", Bytes{});
  const CliResult run = lcrt_cli("clear --control " + control);
  EXPECT_EQ(run.status, 64) << run.out;
  EXPECT_TRUE(has(run.out, "not LCRT's control file")) << run.out;
  std::ifstream in(control);
  std::string word;
  in >> word;
  EXPECT_EQ(word, "");  // nothing written
}

TEST(Cli, ClearNeverCreatesAFile) {
  const std::string control = ::testing::TempDir() + "no-such-control";
  std::remove(control.c_str());
  const CliResult run = lcrt_cli("clear --control " + control);
  EXPECT_EQ(run.status, 74);
  EXPECT_TRUE(has(run.out, control + ": No such file or directory")) << run.out;
  EXPECT_FALSE(std::ifstream(control).good());
}

TEST(Cli, ClearTakesSeqOrUptoNotBoth) {
  const std::string control = write_temp("control", Bytes{});
  for (const char* args : {"--seq 3 --upto 4", "--upto 4 --seq 3", "--seq", "--seq x", "--upto -1",
                           "--seq 3 --seq 4"}) {
    const CliResult run = lcrt_cli(std::string("clear ") + args + " --control " + control);
    EXPECT_EQ(run.status, 64) << args << ": " << run.out;
  }
  for (const char* args : {"--seq 3", "--upto 4"}) {
    const CliResult run = lcrt_cli(std::string("clear ") + args + " --control " + control);
    EXPECT_EQ(run.status, 64) << args << ": " << run.out;
    EXPECT_TRUE(has(run.out, control + ": not LCRT's control file (not in sysfs)")) << run.out;
  }
  std::ifstream in(control);
  EXPECT_EQ(in.peek(), std::ifstream::traits_type::eof());  // nothing written
}

TEST(Control, TheWordsTheKernelTakes) {
  EXPECT_EQ(control_word({}), "clear\n");
  EXPECT_EQ(control_word({ClearScope::Kind::kSeq, 12}), "clear 12\n");
  EXPECT_EQ(control_word({ClearScope::Kind::kUpto, 18446744073709551615ULL}),
            "clear to 18446744073709551615\n");
  // Written in one write to a stand-in control file (sysfs_only off).
  const std::string control = write_temp("fake-control", Bytes{});
  write_control(control, {ClearScope::Kind::kUpto, 9}, false);
  std::ifstream in(control);
  const std::string written{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(written, "clear to 9\n");
  try {
    write_control(control, {});
    FAIL();
  } catch (const ControlError& e) {
    EXPECT_EQ(e.kind(), ControlError::Kind::kNotSysfs);
  }
  try {
    write_control(::testing::TempDir() + "no-such-control", {}, false);
    FAIL();
  } catch (const ControlError& e) {
    EXPECT_EQ(e.kind(), ControlError::Kind::kIo);
    EXPECT_TRUE(has(e.what(), "No such file or directory")) << e.what();
  }
}

// An oops (seq 7) and the panic that followed it, as one Found.
Found oops_then_panic(bool torn = false) {
  Spec oops;
  oops.reason = "Oops, err 0x81b";
  Spec panic = oops;
  panic.flags = LCRT_F_FOLLOWUP;
  panic.reason = "Fatal exception";
  panic.event.kind = LCRT_EV_PANIC;
  Bytes then = make_record(panic);
  if (torn) then = pending(then);
  auto found = scan(make_region(RegionSpec{}, {with_followup(make_record(oops), then)})).found;
  EXPECT_EQ(found.size(), 1U);
  return found.at(0);
}

TEST(Text, AFollowUpsReasonComesFirstThenWhatItFollowed) {
  const Found f = oops_then_panic();
  const std::string t = render_text(f);
  EXPECT_TRUE(has(t, "reason:  Fatal exception (after Oops, err 0x81b)\n")) << t;
  EXPECT_TRUE(has(t, "event:   oops\n")) << t;
  EXPECT_FALSE(has(t, "note:")) << t;
  EXPECT_TRUE(has(render_text(*f.record), "reason:  Oops, err 0x81b\n"));
}

TEST(Json, AFollowUpIsJoinedAndKeptWhole) {
  const Found f = oops_then_panic();
  const auto j = to_json(f, read_region(make_region(RegionSpec{}, {})));
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["reason"], "Fatal exception (after Oops, err 0x81b)");
  EXPECT_EQ(j["first_reason"], "Oops, err 0x81b");
  EXPECT_EQ(j["followup"]["reason"], "Fatal exception");
  EXPECT_EQ(j["followup"]["event"], "panic");
  EXPECT_EQ(j["followup"]["seq"], 7);
  EXPECT_EQ(j["followup"]["flags"], nlohmann::ordered_json({"followup"}));
  EXPECT_EQ(j["followup"]["offset"], f.followup_offset);
  EXPECT_FALSE(j["followup"].contains("schema"));
  EXPECT_EQ(j["offset"], LCRT_REGION_SLOTS);
  EXPECT_EQ(j["slot"], 0);
  EXPECT_EQ(j["region"]["nslots"], 3);
  EXPECT_FALSE(j.contains("followup_error"));
  EXPECT_FALSE(to_json(f, std::nullopt).contains("region"));
}

TEST(Text, ATornFollowUpIsANote) {
  const Found f = oops_then_panic(true);
  const std::string t = render_text(f);
  EXPECT_TRUE(has(t, "note:    what followed this crash was not fully written (torn)\n")) << t;
  EXPECT_TRUE(has(t, "reason:  Oops, err 0x81b\n")) << t;
  const auto j = to_json(f, std::nullopt);
  EXPECT_EQ(j["reason"], "Oops, err 0x81b");
  EXPECT_EQ(j["followup_error"], "torn: the write of record 7 did not finish");
  EXPECT_FALSE(j.contains("followup"));
}

TEST(Text, TheRegionLine) {
  RegionSpec r;
  EXPECT_EQ(region_line(*read_region(make_region(r, {}))),
            "region: 3 slots of 1024 bytes, policy keep, boot 5, 2 records dropped, "
            "next seq 9");
  r.nslots = 1;
  r.dropped = 1;
  r.policy = LCRT_RING_OVERWRITE;
  EXPECT_EQ(region_line(*read_region(make_region(r, {}))),
            "region: 1 slot of 1024 bytes, policy overwrite, boot 5, 1 record dropped, "
            "next seq 9");
  r.policy = 7;
  EXPECT_TRUE(has(region_line(*read_region(make_region(r, {}))), "policy unknown (7),"));
}

TEST(Cli, DashIsStandardInput) {
  const std::string rec = write_temp("stdin.rec", make_record(Spec{}));
  const CliResult run = lcrt_cli("decode - < " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "bad_irq_handler")) << run.out;
}

TEST(Cli, ADirectoryIsAClearError) {
  const CliResult run = lcrt_cli("decode " + ::testing::TempDir());
  EXPECT_EQ(run.status, 74);
  EXPECT_TRUE(has(run.out, "is a directory")) << run.out;
}

TEST(Cli, EndlessInputIsRefusedNotReadToTheEnd) {
  const CliResult run = lcrt_cli("decode /dev/zero");
  EXPECT_EQ(run.status, 74);
  EXPECT_TRUE(has(run.out, "/dev/zero: larger than 256 MiB")) << run.out;
}

TEST(Cli, UsageErrorsHaveOneCode) {
  EXPECT_EQ(lcrt_cli("").status, 64);
  EXPECT_EQ(lcrt_cli("decode").status, 64);
  EXPECT_EQ(lcrt_cli("decode --bogus x").status, 64);
  EXPECT_EQ(lcrt_cli("frobnicate").status, 64);
  const CliResult help = lcrt_cli("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(has(help.out, "Exit codes: 0")) << help.out;
  const CliResult version = lcrt_cli("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(has(version.out, "0.1")) << version.out;
}

TEST(Cli, HostileTaskNameCannotBreakJsonOrTheTerminal) {
  Spec s;
  s.event.comm = "sh\xff\x1b[2J";
  s.reason = "Oops\nreason:  fake";
  const std::string rec = write_temp("hostile.rec", make_record(s));
  const CliResult json = lcrt_cli("decode --json " + rec);
  EXPECT_EQ(json.status, 0) << json.out;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j[0]["comm"], "sh\\xff\u001b[2J");
  const CliResult text = lcrt_cli("decode " + rec);
  EXPECT_EQ(text.status, 0) << text.out;
  EXPECT_FALSE(has(text.out, "\x1b")) << text.out;
  EXPECT_TRUE(has(text.out, "task:    sh\\xff\\x1b[2J (pid")) << text.out;
  EXPECT_TRUE(has(text.out, "reason:  Oops\\x0areason:  fake\n")) << text.out;
}

// Bytes that are not UTF-8 wherever a record holds a string (task names,
// reason, release, function and module names, the blocked task, other
// CPUs): --json is valid JSON (a strict parser takes it) that keeps them as
// \xNN, text and collect's archive too, and nothing raw reaches the
// terminal, warnings included.
TEST(Cli, BytesThatAreNotUtf8ComeOutEscapedEverywhere) {
  Spec s;
  s.event.comm = "\xff\xfe\xff";
  s.reason = "Oops \xff\xc3";
  s.release = "6.1.0-\xff";
  s.frames = {{0xc0100010, 0x10, 0x40, "bad\xff_fn [mod\xff\x1b[2J]"},
              {0xc0000ff0, 0x30, 0x100, "caller\xfe"}};
  s.modules = {{"mod\xff\x1b[2J", {1, 2, 3}}};
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 0};
  s.blocked = Blocked{77, 2, 1000, "kw\xc3"};
  s.cpus = {Cpu{1, LCRT_CPU_STOPPED, 0, {{0xc0000ff0, 0x30, 0x100, "spin\xff"}}}};
  const Bytes bytes = make_record(s);
  const std::string rec = write_temp("not-utf8.rec", bytes);

  const CliResult json = lcrt_cli("decode --json " + rec);
  EXPECT_EQ(json.status, 0) << json.out;
  EXPECT_EQ(json.out.find('\xff'), std::string::npos) << json.out;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(json.out)) << json.out;  // strict UTF-8
  EXPECT_EQ(j[0]["comm"], "\\xff\\xfe\\xff");
  EXPECT_EQ(j[0]["reason"], "Oops \\xff\\xc3");
  EXPECT_EQ(j[0]["kernel"], "6.1.0-\\xff");
  EXPECT_EQ(j[0]["frames"][0]["function"], "bad\\xff_fn");
  EXPECT_EQ(j[0]["frames"][0]["module"], "mod\\xff\x1b[2J");
  EXPECT_EQ(j[0]["modules"][0]["name"], "mod\\xff\x1b[2J");
  EXPECT_EQ(j[0]["culprit"]["function"], "bad\\xff_fn");
  EXPECT_EQ(j[0]["blocked"]["comm"], "kw\\xc3");
  EXPECT_EQ(j[0]["cpus"][0]["frames"][0]["function"], "spin\\xff");
  EXPECT_EQ(j[0]["signature_functions"][0], "bad\\xff_fn");

  const CliResult text = lcrt_cli("decode " + rec);
  EXPECT_EQ(text.status, 0) << text.out;
  EXPECT_EQ(text.out.find('\xff'), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << text.out;
  EXPECT_TRUE(has(text.out, "task:    \\xff\\xfe\\xff (pid")) << text.out;
  EXPECT_TRUE(has(text.out, "#0  bad\\xff_fn+0x10/0x40 [mod\\xff\\x1b[2J]")) << text.out;

  // The warnings of --vmlinux name the record's modules and functions.
  const std::string fixture = std::string(LCRT_FIXTURE) + "/vmlinux";
  const CliResult lines = lcrt_cli("decode --force --vmlinux " + fixture + " --modules " +
                                   std::string(LCRT_FIXTURE) + "/modules " + rec);
  EXPECT_EQ(lines.status, 0) << lines.out;
  EXPECT_EQ(lines.out.find('\xff'), std::string::npos) << lines.out;
  EXPECT_EQ(lines.out.find('\xfe'), std::string::npos) << lines.out;
  EXPECT_EQ(lines.out.find('\x1b'), std::string::npos) << lines.out;
  EXPECT_TRUE(has(lines.out, "module mod\\xff\\x1b[2J: no .ko")) << lines.out;
  EXPECT_TRUE(has(lines.out, "no function caller\\xfe")) << lines.out;

  // collect's archive: the same object, valid JSON.
  const std::string dir = ::testing::TempDir() + "not-utf8-archive";
  std::filesystem::remove_all(dir);
  const CliResult col = lcrt_cli("collect --no-clear --dir " + dir + " --source " + rec);
  EXPECT_EQ(col.status, 0) << col.out;
  EXPECT_EQ(col.out.find('\xff'), std::string::npos) << col.out;
  int archived = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(body.find('\xff'), std::string::npos) << body;
    nlohmann::json a;
    ASSERT_NO_THROW(a = nlohmann::json::parse(body)) << body;
    EXPECT_EQ(a["comm"], "\\xff\\xfe\\xff");
    archived++;
  }
  EXPECT_EQ(archived, 1);
}

// kernel/panic.c's taint_flags[] (6.1 and 6.12: bits 0 to 18; 6.15 adds
// TAINT_FWCTL, bit 19, J): every bit set is shown, a newer one by number.
TEST(Taint, EveryBitIsNamed) {
  EXPECT_EQ(taint_letters(0), "");
  EXPECT_EQ(taint_letters(0x7ffff), "PFSRMBUDAWCIOELKXTN");
  EXPECT_EQ(taint_letters(1ULL << 18), "N");  // TAINT_TEST
  EXPECT_EQ(taint_letters(1ULL << 19), "J");  // TAINT_FWCTL
  EXPECT_EQ(taint_letters((1ULL << 20) | (1ULL << 63) | 1), "P+bit20+bit63");
}

}  // namespace
}  // namespace lcrt
