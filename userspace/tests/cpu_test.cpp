// The other CPUs at a panic (LCRT_SEC_CPU) and folded recursions
// (LCRT_SEC_REPEATS): how the tool decodes and shows them. The expected
// strings are written from the format (include/uapi/linux/lcrt.h) and the
// shape the kernel's /proc/lcrt gives them, not copied from the tool's output.
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "encoder.hpp"
#include "lcrt/record.hpp"
#include "lcrt/render.hpp"
#include "lcrt/signature.hpp"
#include "lcrt/symbols.hpp"

namespace lcrt {
namespace {

using test::CliResult;
using test::crc_of;
using test::decode_error;
using test::has;
using test::lcrt_cli;
using test::make_record;
using test::Spec;
using test::write_temp;

using Json = nlohmann::ordered_json;

// A panic on CPU 0 of an arm board while CPU 1 spun on a lock a module took
// and CPU 3 did not stop (its interrupts off).
Spec two_cpus() {
  Spec s;
  s.event.kind = LCRT_EV_PANIC;
  s.event.cpu = 0;
  s.reason = "lcrt_crash: take two";
  s.cpus = {Cpu{1,
                LCRT_CPU_STOPPED,
                0,
                {{0xc0393af8, 0x2c, 0x40, "_raw_spin_lock"},
                 {0xbf0001a0, 0x20, 0x44, "lcrt_crash_take_two [lcrt_crash]"}}},
            Cpu{3, LCRT_CPU_RUNNING, 0, {}}};
  return s;
}

// A stack overflow in a recursion the kernel folded: frame 1 stands for
// itself and 4 more frames of its return address.
Spec recursion() {
  Spec s;
  s.event.kind = LCRT_EV_OOPS;
  s.reason = "kernel stack overflow";
  s.frames = {{0xc0401234, 0x24, 0x98, "recursive_loop", true},
              {0xc0401268, 0x58, 0x98, "recursive_loop"},
              {0xc0402000, 0x30, 0x80, "lkdtm_EXHAUST_STACK"},
              {0xc0403000, 0x20, 0x60, "direct_entry"}};
  s.frames[1].repeats = 4;
  return s;
}

// The text from the call chain's header to the end.
std::string from_chain(const std::string& t) {
  const auto at = t.find("call chain");
  return at == std::string::npos ? "" : t.substr(at);
}

TEST(Cpus, AreDecoded) {
  const Record r = decode(make_record(two_cpus()));
  ASSERT_EQ(r.cpus.size(), 2U);
  EXPECT_TRUE(r.unknown.empty());
  const Cpu& one = r.cpus[0];
  EXPECT_EQ(one.cpu, 1U);
  EXPECT_EQ(one.state, LCRT_CPU_STOPPED);
  EXPECT_FALSE(one.user());
  ASSERT_EQ(one.frames.size(), 2U);
  EXPECT_EQ(one.frames[0].pc, 0xc0393af8U);
  EXPECT_EQ(one.frames[0].offset, 0x2cU);
  EXPECT_EQ(one.frames[0].size, 0x40U);
  EXPECT_EQ(one.frames[0].name, "_raw_spin_lock");
  EXPECT_TRUE(one.frames[0].exact);  // stopped: where it was
  EXPECT_EQ(one.frames[1].pc, 0xbf0001a0U);
  EXPECT_EQ(one.frames[1].name, "lcrt_crash_take_two [lcrt_crash]");
  EXPECT_FALSE(one.frames[1].exact);
  EXPECT_EQ(r.cpus[1].cpu, 3U);
  EXPECT_EQ(r.cpus[1].state, LCRT_CPU_RUNNING);
  EXPECT_TRUE(r.cpus[1].frames.empty());
  // The crashing CPU's chain is its own.
  EXPECT_EQ(r.frames.size(), 3U);
  EXPECT_EQ(r.event->cpu, 0U);
}

TEST(Cpus, TextFollowsTheCallChainAsTheKernelShowsThem) {
  const std::string t = render_text(decode(make_record(two_cpus())));
  EXPECT_EQ(from_chain(t),
            "call chain (innermost first, kernel unwinder, ended at outermost frame):\n"
            "  #0  bad_irq_handler+0x10/0x40 [0xc0100010]\n"
            "  #1  handle_irq_event+0x30/0x100 [0xc0000ff0]\n"
            "  #2  [0xc0200000]\n"
            "cpu 1:   stopped\n"
            "  #0  _raw_spin_lock+0x2c/0x40 [0xc0393af8] (exact)\n"
            "  #1  lcrt_crash_take_two+0x20/0x44 [lcrt_crash] [0xbf0001a0]\n"
            "cpu 3:   did not stop (interrupts off)\n")
      << t;
  // The task line still names the crashing CPU.
  EXPECT_TRUE(has(t, "task:    swapper (pid 42) on CPU 0\n")) << t;
}

TEST(Cpus, ComeBeforeTheStackWindows) {
  Spec s = two_cpus();
  s.windows = {{0, 0xc07c7ea0, {0x1, 0x2}}};
  const std::string t = render_text(decode(make_record(s)));
  EXPECT_TRUE(has(t,
                  "cpu 3:   did not stop (interrupts off)\n"
                  "stack windows (per frame, lowest address first):\n"
                  "  #0  c07c7ea0: 00000001 00000002\n"))
      << t;
}

TEST(Cpus, JsonListsThemWithTheFrameKeysOfTheChain) {
  const Json j = to_json(decode(make_record(two_cpus())));
  EXPECT_EQ(j["cpus"], Json::parse(R"json([
      {"cpu": 1, "state": "stopped", "user": false, "frames": [
        {"pc": "0xc0393af8", "exact": true, "repeat": 1, "function": "_raw_spin_lock",
         "offset": 44, "size": 64},
        {"pc": "0xbf0001a0", "exact": false, "repeat": 1, "function": "lcrt_crash_take_two",
         "module": "lcrt_crash", "offset": 32, "size": 68}]},
      {"cpu": 3, "state": "did not stop (interrupts off)", "user": false, "frames": []}])json"))
      << j["cpus"].dump(2);

  // A module's frame of the main chain has the same keys, in the same order.
  Spec s = two_cpus();
  s.frames[1].name = "lcrt_crash_take_one [lcrt_crash]";
  const Json main = to_json(decode(make_record(s)))["frames"][1];
  std::vector<std::string> keys;
  std::vector<std::string> cpu_keys;
  for (const auto& [k, v] : main.items()) keys.push_back(k);
  for (const auto& [k, v] : j["cpus"][0]["frames"][1].items()) cpu_keys.push_back(k);
  EXPECT_EQ(keys, cpu_keys);
}

TEST(Cpus, AUserSpaceCpuHasOneUnnamedFrameThatNoMapNames) {
  Spec s = two_cpus();
  s.cpus = {Cpu{2, LCRT_CPU_STOPPED, LCRT_CPUF_USER, {{0x76f2a1c4, 0, 0, ""}}}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.cpus.size(), 1U);
  EXPECT_TRUE(r.cpus[0].user());

  // A System.map that would name the address if it were the kernel's.
  std::istringstream in("76f2a000 T not_a_user_function\n80000000 T _etext\n");
  const SymbolMap map = SymbolMap::parse(in, "user.map");
  ASSERT_TRUE(map.lookup(0x76f2a1c4));
  RenderOptions opt;
  opt.symbols = &map;
  const std::string t = render_text(r, opt);
  EXPECT_TRUE(has(t, "cpu 2:   stopped, in user space\n  #0  [0x76f2a1c4] (exact)\n")) << t;
  EXPECT_FALSE(has(t, "not_a_user_function")) << t;
  EXPECT_EQ(to_json(r, opt)["cpus"], Json::parse(R"([{"cpu": 2, "state": "stopped",
      "user": true, "frames": [{"pc": "0x76f2a1c4", "exact": true, "repeat": 1}]}])"));
}

TEST(Cpus, AKernelCpuIsNamedByTheMapWhenTheRecordHasNoNames) {
  Spec s = two_cpus();
  s.cpus = {Cpu{1, LCRT_CPU_STOPPED, 0, {{0xc0100010, 0, 0, ""}}}};
  std::istringstream in("c0100000 T bad_irq_handler\nc0100040 T _etext\n");
  const SymbolMap map = SymbolMap::parse(in, "kernel.map");
  RenderOptions opt;
  opt.symbols = &map;
  const std::string t = render_text(decode(make_record(s)), opt);
  EXPECT_TRUE(has(t, "cpu 1:   stopped\n  #0  bad_irq_handler+0x10/0x40 [0xc0100010] (exact)\n"))
      << t;
}

TEST(Cpus, OnlyAStoppedCpusFirstFrameIsExactAndUnknownStatesAreShown) {
  Spec s = two_cpus();
  const Frame lock{0xc0393af8, 0x2c, 0x40, "_raw_spin_lock"};
  s.cpus = {Cpu{1, LCRT_CPU_STOPPED_NO_REGS, 0, {lock}}, Cpu{2, LCRT_CPU_RUNNING, 0, {lock}},
            Cpu{5, 0, 0, {}}, Cpu{6, 9, 0x80, {lock}}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.cpus.size(), 4U);
  for (const Cpu& c : r.cpus) {
    EXPECT_FALSE(c.user()) << c.cpu;
    for (const Frame& f : c.frames) EXPECT_FALSE(f.exact) << c.cpu;
  }
  EXPECT_EQ(from_chain(render_text(r)),
            "call chain (innermost first, kernel unwinder, ended at outermost frame):\n"
            "  #0  bad_irq_handler+0x10/0x40 [0xc0100010]\n"
            "  #1  handle_irq_event+0x30/0x100 [0xc0000ff0]\n"
            "  #2  [0xc0200000]\n"
            "cpu 1:   stopped (where unknown)\n"
            "  #0  _raw_spin_lock+0x2c/0x40 [0xc0393af8]\n"
            "cpu 2:   did not stop (interrupts off)\n"
            "  #0  _raw_spin_lock+0x2c/0x40 [0xc0393af8]\n"
            "cpu 5:   unknown\n"
            "cpu 6:   unknown\n"
            "  #0  _raw_spin_lock+0x2c/0x40 [0xc0393af8]\n");
  const Json j = to_json(r);
  EXPECT_EQ(j["cpus"][0]["state"], "stopped (where unknown)");
  EXPECT_EQ(j["cpus"][2]["state"], "unknown");
  EXPECT_EQ(j["cpus"][3]["state"], "unknown");
  EXPECT_EQ(j["cpus"][3]["user"], false);
}

TEST(Cpus, AnArmPcIsThirtyTwoBits) {
  Spec s = two_cpus();
  // A pc delta that would leave 32 bits without the mask.
  s.cpus = {Cpu{1, LCRT_CPU_STOPPED, 0, {{0xffffffffc0393af8, 0x2c, 0x40, "_raw_spin_lock"}}}};
  const Record r = decode(make_record(s));
  EXPECT_EQ(r.cpus[0].frames[0].pc, 0xc0393af8U);
}

TEST(Cpus, TheSignatureAndTitleAreTheCrashingCpus) {
  const Record with = decode(make_record(two_cpus()));
  Spec none = two_cpus();
  none.cpus.clear();
  const Record without = decode(make_record(none));
  EXPECT_EQ(signature(with).id, signature(without).id);
  EXPECT_EQ(signature(with).functions,
            (std::vector<std::string>{"bad_irq_handler", "handle_irq_event"}));
  EXPECT_EQ(title(with), title(without));
}

TEST(Repeats, AFoldedFrameSaysHowManyItStandsFor) {
  const Record r = decode(make_record(recursion()));
  ASSERT_EQ(r.frames.size(), 4U);
  EXPECT_EQ(r.frames[0].repeats, 0U);
  EXPECT_EQ(r.frames[1].repeats, 4U);
  EXPECT_EQ(r.frames[2].repeats, 0U);
  EXPECT_TRUE(r.unknown.empty());
  const std::string t = render_text(r);
  EXPECT_TRUE(has(t,
                  "  #0  recursive_loop+0x24/0x98 [0xc0401234] (exact)\n"
                  "  #1  recursive_loop+0x58/0x98 [0xc0401268] (x5)\n"
                  "  #2  lkdtm_EXHAUST_STACK+0x30/0x80 [0xc0402000]\n"
                  "  #3  direct_entry+0x20/0x60 [0xc0403000]\n"))
      << t;
  const Json j = to_json(r);
  EXPECT_EQ(j["frames"][0]["repeat"], 1);
  EXPECT_EQ(j["frames"][1]["repeat"], 5);
  EXPECT_EQ(j["frames"][2]["repeat"], 1);
  EXPECT_EQ(j["frames"][3]["repeat"], 1);
  EXPECT_EQ(j["frames"][1], Json::parse(R"({"pc": "0xc0401268", "exact": false, "repeat": 5,
      "function": "recursive_loop", "offset": 88, "size": 152})"));
}

TEST(Repeats, SeveralFoldsAndARepeatOfZero) {
  Spec s = recursion();
  s.frames[0].repeats = 1;
  s.frames[3].repeats = 99;
  const Record r = decode(make_record(s));
  const std::string t = render_text(r);
  EXPECT_TRUE(has(t, "[0xc0401234] (exact) (x2)\n")) << t;
  EXPECT_TRUE(has(t, "[0xc0403000] (x100)\n")) << t;

  // A pair that folds nothing, written by hand: an unfolded frame.
  Spec zero = recursion();
  zero.frames[1].repeats = 0;
  zero.extra = {{LCRT_SEC_REPEATS, Bytes{1, 2, 0}}};
  const Record z = decode(make_record(zero));
  EXPECT_EQ(z.frames[2].repeats, 0U);
  EXPECT_FALSE(has(render_text(z), "(x")) << render_text(z);
  EXPECT_EQ(to_json(z)["frames"][2]["repeat"], 1);
}

// The signature counts a folded frame once: the same with or without the fold.
TEST(Repeats, AFoldedFrameCountsOnceInTheSignature) {
  const Record folded = decode(make_record(recursion()));
  Spec plain = recursion();
  plain.frames[1].repeats = 0;
  const Signature want = signature(decode(make_record(plain)));
  const Signature got = signature(folded);
  EXPECT_EQ(got.functions, (std::vector<std::string>{"recursive_loop", "recursive_loop",
                                                     "lkdtm_EXHAUST_STACK", "direct_entry"}));
  EXPECT_EQ(got.id, crc_of(got.functions));
  EXPECT_EQ(got.id, want.id);
}

TEST(Malformed, ACpuSectionCutShort) {
  const std::vector<Bytes> cut = {
      {},                                                               // no cpu
      {0x81},                                                           // cpu varint cut
      {1},                                                              // no state
      {1, LCRT_CPU_STOPPED},                                            // no flags
      {1, LCRT_CPU_STOPPED, 0},                                         // no frame count
      {1, LCRT_CPU_STOPPED, 0, 1, 0x80, 1, 2, 3},                       // 4 bytes, no name length
      {1, LCRT_CPU_STOPPED, 0, 2, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80},  // second frame cut
  };
  for (const Bytes& payload : cut) {
    Spec s = two_cpus();
    s.cpus.clear();
    s.extra = {{LCRT_SEC_CPU, payload}};
    EXPECT_EQ(decode_error(make_record(s)), "section type 11 ends early") << payload.size();
  }
}

TEST(Malformed, ACpuFrameCountOrNamePastItsSection) {
  const std::vector<std::pair<Bytes, std::string>> bad = {
      {{1, LCRT_CPU_STOPPED, 0, 1}, "section type 11 counts 1 frame of CPU 1, more than it holds"},
      {{1, LCRT_CPU_STOPPED, 0, 2, 0, 0, 0, 0},
       "section type 11 counts 2 frames of CPU 1, more than it holds"},
      {{7, LCRT_CPU_RUNNING, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0},
       "section type 11 counts 255 frames of CPU 7, more than it holds"},
      {{1, LCRT_CPU_STOPPED, 0, 1, 0, 0, 0, 5, 'a', 'b'},
       "section type 11 has the name of frame 0 of CPU 1 running past its end"},
      {{2, LCRT_CPU_STOPPED, 0, 2, 0, 0, 0, 1, 'a', 2, 0, 0, 9, 'b'},
       "section type 11 has the name of frame 1 of CPU 2 running past its end"},
  };
  for (const auto& [payload, why] : bad) {
    Spec s = two_cpus();
    s.cpus.clear();
    s.extra = {{LCRT_SEC_CPU, payload}};
    EXPECT_EQ(decode_error(make_record(s)), why) << payload.size();
  }
  // Bytes after the frames are a newer minor version's: skipped.
  Spec s = two_cpus();
  s.cpus.clear();
  s.extra = {{LCRT_SEC_CPU, Bytes{1, LCRT_CPU_STOPPED, 0, 1, 0, 0, 0, 1, 'a', 0xee, 0xee}}};
  EXPECT_EQ(decode_error(make_record(s)), "");
}

TEST(Malformed, RepeatsPastTheFramesOutOfOrderOrCut) {
  const std::vector<std::pair<Bytes, std::string>> bad = {
      {{1, 4, 3}, "section type 12 names frame 4 of 4"},  // 4 frames: 0..3
      {{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 3},
       "section type 12 names frame 18446744073709551615 of 4"},
      {{2, 2, 4, 1, 4}, "section type 12 has frame indices out of order"},
      {{2, 1, 4, 1, 4}, "section type 12 has frame indices out of order"},
      {{3, 1, 4}, "section type 12 counts more folded frames than it holds"},
      {{2, 1, 4, 2}, "section type 12 counts more folded frames than it holds"},
      {{}, "section type 12 ends early"},
      {{1, 1}, "section type 12 counts more folded frames than it holds"},
      {{1, 1, 0x80}, "section type 12 ends early"},
      {{1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
       "section type 12 folds more frames under frame 1 than can be counted"},
  };
  for (const auto& [payload, why] : bad) {
    Spec s = recursion();
    s.frames[1].repeats = 0;
    s.extra = {{LCRT_SEC_REPEATS, payload}};
    EXPECT_EQ(decode_error(make_record(s)), why) << payload.size();
  }
  Spec twice = recursion();  // writes its own repeats section
  twice.extra = {{LCRT_SEC_REPEATS, Bytes{1, 2, 1}}};
  EXPECT_EQ(decode_error(make_record(twice)), "section type 12 appears twice");
  Spec no_frames = recursion();
  no_frames.frames.clear();
  no_frames.extra = {{LCRT_SEC_REPEATS, Bytes{1, 0, 1}}};
  EXPECT_EQ(decode_error(make_record(no_frames)), "section type 12 names frame 0 of 0");
}

TEST(Malformed, TheToolSaysWhyAndExits3) {
  Spec s = two_cpus();
  s.cpus.clear();
  s.extra = {{LCRT_SEC_CPU, Bytes{1, LCRT_CPU_STOPPED, 0, 3, 0, 0, 0, 0}}};
  const CliResult run = lcrt_cli("decode " + write_temp("cpu-overrun.rec", make_record(s)));
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "section type 11 counts 3 frames of CPU 1, more than it holds"))
      << run.out;
  Spec r = recursion();
  r.extra = {{LCRT_SEC_REPEATS, Bytes{1, 9, 1}}};
  r.frames[1].repeats = 0;
  const CliResult past = lcrt_cli("decode " + write_temp("repeats-past.rec", make_record(r)));
  EXPECT_EQ(past.status, 3) << past.out;
  EXPECT_TRUE(has(past.out, "section type 12 names frame 9 of 4")) << past.out;
}

TEST(Cli, ShowsCpusAndFoldsInTextAndJson) {
  Spec s = recursion();
  s.event.kind = LCRT_EV_PANIC;
  s.cpus = two_cpus().cpus;
  const std::string path = write_temp("cpus-repeats.rec", make_record(s));
  const CliResult text = lcrt_cli("decode " + path);
  EXPECT_EQ(text.status, 0) << text.out;
  EXPECT_TRUE(has(text.out,
                  "  #3  direct_entry+0x20/0x60 [0xc0403000]\n"
                  "cpu 1:   stopped\n"
                  "  #0  _raw_spin_lock+0x2c/0x40 [0xc0393af8] (exact)\n"))
      << text.out;
  EXPECT_TRUE(has(text.out, "[0xc0401268] (x5)\n")) << text.out;
  const CliResult json = lcrt_cli("decode --json " + path);
  EXPECT_EQ(json.status, 0) << json.out;
  const Json j = Json::parse(json.out);
  EXPECT_EQ(j[0]["frames"][1]["repeat"], 5);
  EXPECT_EQ(j[0]["cpus"][0]["frames"][1]["module"], "lcrt_crash");
  EXPECT_EQ(j[0]["cpus"][1]["state"], "did not stop (interrupts off)");
}

// A 1.0 record from a real kernel: no other CPUs and no folds, shown as
// before (no "cpu N:" line, no "(xN)"); JSON's "cpus" empty, every frame 1.
TEST(OldRecord, HasNoCpusAndNoFolds) {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/arm64-6.12-exception.rec", std::ios::binary);
  const Bytes raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto found = scan(raw).found;
  ASSERT_EQ(found.size(), 1U);
  const Record& r = *found[0].record;
  EXPECT_TRUE(r.cpus.empty());
  EXPECT_TRUE(r.unknown.empty());
  ASSERT_FALSE(r.frames.empty());
  for (const Frame& f : r.frames) EXPECT_EQ(f.repeats, 0U);
  const std::string t = render_text(found[0]);
  EXPECT_FALSE(has(t, "\ncpu ")) << t;
  EXPECT_FALSE(has(t, "(x")) << t;
  const Json j = to_json(found[0], std::nullopt);
  EXPECT_EQ(j["cpus"], Json::array());
  for (const auto& f : j["frames"]) EXPECT_EQ(f["repeat"], 1);
}

}  // namespace
}  // namespace lcrt
