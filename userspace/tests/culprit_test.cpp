// The culprit (LCRT_SEC_CULPRIT), the blocked task of a hung task
// (LCRT_SEC_BLOCKED), and what the tool makes of them: the culprit line,
// the title, the signature that starts at the culprit. The expected strings
// are written from the format (include/uapi/linux/lcrt.h) and the rules the
// README gives, not copied from the tool's output.
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "encoder.hpp"
#include "lcrt/collect.hpp"
#include "lcrt/record.hpp"
#include "lcrt/render.hpp"
#include "lcrt/signature.hpp"

namespace lcrt {
namespace {

using test::CliResult;
using test::crc_of;
using test::decode_error;
using test::has;
using test::lcrt_cli;
using test::make_record;
using test::make_region;
using test::RegionSpec;
using test::Spec;
using test::with_followup;
using test::write_temp;

// A BUG_ON in a list check, called by a module's remove function that the
// kernel blames (frame 2, rule "caller"), on arm64.
Spec blamed() {
  Spec s;
  s.arch = LCRT_ARCH_ARM64;
  s.word_size = 8;
  s.event.kind = LCRT_EV_BUG;
  s.reason = "Oops - BUG, err 0xf2000800";
  s.frames = {{0xffff800008500100, 0x54, 0xa0, "__list_del_entry_valid_or_report", true},
              {0xffff800008500200, 0x1c, 0x40, "list_del.constprop.0"},
              {0xffff800000a10044, 0x44, 0x120, "mydrv_remove.isra.0 [mydrv]"},
              {0xffff800008600010, 0x10, 0x30, "platform_remove"},
              {0xffff800008600110, 0x30, 0x90, "device_release_driver_internal"},
              {0xffff800008600210, 0x48, 0x70, "driver_detach"},
              {0xffff800008600310, 0x3c, 0x80, "bus_remove_driver"}};
  s.modules = {{"mydrv", {0xab, 0xcd}}};
  s.culprit = Culprit{LCRT_CULPRIT_CALLER, 2};
  return s;
}

TEST(Culprit, IsDecoded) {
  const Record r = decode(make_record(blamed()));
  ASSERT_TRUE(r.culprit);
  EXPECT_EQ(r.culprit->rule, LCRT_CULPRIT_CALLER);
  EXPECT_EQ(r.culprit->frame, 2U);
  EXPECT_FALSE(r.blocked);
  EXPECT_TRUE(r.unknown.empty());
  EXPECT_EQ(culprit_rule_name(LCRT_CULPRIT_FAULT), std::string("fault"));
  EXPECT_EQ(culprit_rule_name(LCRT_CULPRIT_BLOCKED), std::string("blocked"));
  EXPECT_EQ(culprit_rule_name(9), std::string("unknown"));
}

TEST(Culprit, TextNamesItsFrameWithItsModuleRightAfterTheEvent) {
  const std::string t = render_text(decode(make_record(blamed())));
  EXPECT_TRUE(has(t,
                  "event:   BUG\nculprit: mydrv_remove.isra.0+0x44/0x120 [mydrv] (caller)\n"
                  "task:    swapper (pid 42) on CPU 1\n"))
      << t;
  EXPECT_TRUE(has(t, "title:   kernel BUG in mydrv_remove\n")) << t;
  EXPECT_FALSE(has(t, "blocked:")) << t;
}

TEST(Culprit, JsonHasItsFrameNameAndRule) {
  const auto j = to_json(decode(make_record(blamed())));
  EXPECT_EQ(j["culprit"], nlohmann::ordered_json::parse(R"({"frame": 2,
      "function": "mydrv_remove.isra.0", "offset": 68, "size": 288, "module": "mydrv",
      "rule": "caller"})"));
  EXPECT_EQ(j["title"], "kernel BUG in mydrv_remove");
  EXPECT_TRUE(j["blocked"].is_null());
  EXPECT_EQ(j["schema"], 1);
}

TEST(Culprit, AFunctionOfTheKernelHasANullModule) {
  Spec s = blamed();
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 3};
  const auto rec = decode(make_record(s));
  EXPECT_EQ(to_json(rec)["culprit"],
            nlohmann::ordered_json::parse(R"({"frame": 3, "function": "platform_remove",
                "offset": 16, "size": 48, "module": null, "rule": "fault"})"));
  EXPECT_TRUE(has(render_text(rec), "culprit: platform_remove+0x10/0x30 (fault)\n"));
}

TEST(Culprit, AnUnnamedFrameIsItsPc) {
  Spec s = blamed();
  s.frames[2].name = "";
  const auto rec = decode(make_record(s));
  EXPECT_TRUE(has(render_text(rec), "culprit: [0xffff800000a10044] (caller)\n"));
  const auto j = to_json(rec)["culprit"];
  EXPECT_EQ(j["frame"], 2);
  EXPECT_TRUE(j["function"].is_null());
  EXPECT_EQ(j["rule"], "caller");
  EXPECT_EQ(title(rec), "kernel BUG");
  EXPECT_EQ(culprit_function(rec), "");  // never its address
}

TEST(Culprit, WithoutTheSectionNothingIsBlamed) {
  Spec s = blamed();
  s.culprit.reset();
  const auto rec = decode(make_record(s));
  EXPECT_FALSE(rec.culprit);
  const std::string t = render_text(rec);
  EXPECT_FALSE(has(t, "culprit:")) << t;
  EXPECT_TRUE(has(t, "title:   kernel BUG\n")) << t;
  const auto j = to_json(rec);
  EXPECT_TRUE(j["culprit"].is_null());
  EXPECT_EQ(j["title"], "kernel BUG");
}

// The signature starts at the culprit: its base name, then its callers.
TEST(Signature, StartsAtTheCulprit) {
  const auto rec = decode(make_record(blamed()));
  const Signature sig = signature(rec);
  const std::vector<std::string> want{"mydrv_remove", "platform_remove",
                                      "device_release_driver_internal", "driver_detach"};
  EXPECT_EQ(sig.functions, want);
  EXPECT_EQ(sig.id, crc_of(want));

  // Without the culprit, the chain from frame 0 as before: another one.
  Spec old = blamed();
  old.culprit.reset();
  const Signature before = signature(decode(make_record(old)));
  EXPECT_EQ(before.functions,
            (std::vector<std::string>{"__list_del_entry_valid_or_report", "list_del",
                                      "mydrv_remove", "platform_remove"}));
  EXPECT_EQ(before.id, crc_of(before.functions));
  EXPECT_NE(before.id, sig.id);
}

TEST(Signature, TextJsonCollectAndTheJournalAgree) {
  const Bytes raw = make_record(blamed());
  const auto rec = decode(raw);
  const std::string id = crc_of(
      {"mydrv_remove", "platform_remove", "device_release_driver_internal", "driver_detach"});
  EXPECT_TRUE(has(render_text(rec), "signature: " + id +
                                        " (mydrv_remove < platform_remove < "
                                        "device_release_driver_internal < driver_detach)\n"));
  EXPECT_EQ(to_json(rec)["signature"], id);
  EXPECT_EQ(culprit_function(rec), "mydrv_remove");

  const std::string dir = ::testing::TempDir() + "lcrt-culprit-archive";
  std::filesystem::remove_all(dir);
  std::ostringstream warn;
  Archive archive(dir, warn);
  const Found f = scan(raw).found.at(0);
  const std::string stem = archive.add(f, raw, to_json(f, std::nullopt).dump(), 0);
  EXPECT_TRUE(has(stem, "-seq7-" + id)) << stem;
  std::filesystem::remove_all(dir);
}

TEST(Signature, CallersThatAreMachineryAreLeftOut) {
  Spec s;
  s.frames = {{0xc0001000, 0, 0, "panic"},     {0xc0002000, 0, 0, "my_handler"},
              {0xc0003000, 0, 0, "__irq_svc"}, {0xc0004000, 0, 0, "my_loop.cold"},
              {0xc0005000, 0, 0, ""},          {0xc0006000, 0, 0, "kthread"}};
  s.culprit = Culprit{LCRT_CULPRIT_STUCK, 1};
  const Signature sig = signature(decode(make_record(s)));
  EXPECT_EQ(sig.functions, (std::vector<std::string>{"my_handler", "my_loop", "kthread"}));
  EXPECT_EQ(sig.id, crc_of(sig.functions));
}

// The kernel chose the culprit: a name the tool takes for machinery counts.
TEST(Signature, TheCulpritCountsEvenWhereItLooksLikeMachinery) {
  Spec s;
  s.frames = {{0xc0001000, 0x10, 0x40, "__hrtimer_run_queues"},
              {0xc0002000, 0x20, 0x40, "hrtimer_interrupt"},
              {0xc0003000, 0x30, 0x40, "my_timer_user"}};
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 0};
  EXPECT_EQ(signature(decode(make_record(s))).functions,
            (std::vector<std::string>{"__hrtimer_run_queues", "my_timer_user"}));
}

// One row per title rule; the culprit is "mydrv_remove.isra.0 [mydrv]".
struct TitleCase {
  std::uint8_t event;
  const char* reason;
  const char* title;  // without the culprit
};

TEST(Title, EveryRule) {
  const std::vector<TitleCase> cases = {
      {LCRT_EV_BUG, "Oops - BUG, err 0xf2000800", "kernel BUG"},
      {LCRT_EV_WARN, "panic_on_warn set ...", "WARNING"},
      {LCRT_EV_WATCHDOG, "softlockup: hung tasks", "BUG: soft lockup"},
      {LCRT_EV_WATCHDOG, "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!", "BUG: soft lockup"},
      {LCRT_EV_WATCHDOG, "Hard LOCKUP", "BUG: hard lockup"},
      {LCRT_EV_WATCHDOG, "Watchdog detected hard LOCKUP on cpu 1", "BUG: hard lockup"},
      {LCRT_EV_WATCHDOG, "hardlockup: panic", "BUG: hard lockup"},
      {LCRT_EV_WATCHDOG, "hung_task: blocked tasks", "INFO: task hung"},
      {LCRT_EV_WATCHDOG, "RCU Stall", "INFO: rcu detected stall"},
      {LCRT_EV_WATCHDOG, "rcu_preempt detected stalls on CPUs/tasks", "INFO: rcu detected stall"},
      {LCRT_EV_PANIC, "kernel stack overflow", "kernel stack overflow"},
      {LCRT_EV_OOPS, "stack guard page, err 0x0", "kernel stack overflow"},
      {LCRT_EV_PANIC, "stack-protector: Kernel stack is corrupted in: mydrv_remove+0x44/0x120",
       "kernel panic: stack-protector"},
      {LCRT_EV_PANIC, "scheduling while atomic", "BUG: scheduling while atomic"},
      {LCRT_EV_OOPS, "Oops, err 0x81b", "Oops"},
      {LCRT_EV_OOPS, "general protection fault, probably for non-canonical address, err 0x0",
       "general protection fault"},
      {LCRT_EV_OOPS, "Oops - undefined instruction, err 0x0", "Oops - undefined instruction"},
      {LCRT_EV_OOPS, "", "Oops"},
      {LCRT_EV_PANIC, "Fatal exception", "kernel panic"},
      {LCRT_EV_PANIC, "VFS: Unable to mount root fs on unknown-block(0,0)", "kernel panic"},
      {LCRT_EV_WATCHDOG, "Watchdog timer expired", "kernel panic"},
      {0, "what happened", "kernel crash"},
      {77, "what happened", "kernel crash"},
  };
  for (const TitleCase& c : cases) {
    Spec s = blamed();
    s.event.kind = c.event;
    s.reason = c.reason;
    EXPECT_EQ(title(decode(make_record(s))), std::string(c.title) + " in mydrv_remove") << c.reason;
    s.culprit.reset();
    EXPECT_EQ(title(decode(make_record(s))), c.title) << c.reason;
  }
}

TEST(Title, CloneSuffixesAndTheModuleAreDropped) {
  Spec s = blamed();
  s.event.kind = LCRT_EV_WARN;
  for (const char* name :
       {"mydrv_irq.cold [mydrv]", "mydrv_irq.constprop.0", "mydrv_irq.isra.0", "mydrv_irq"}) {
    s.frames[2].name = name;
    EXPECT_EQ(title(decode(make_record(s))), "WARNING in mydrv_irq") << name;
  }
}

// The oops's own reason names the crash, not the panic that followed it.
TEST(Title, AnOopsFollowedByAPanicIsTheOops) {
  Spec oops = blamed();
  oops.event.kind = LCRT_EV_OOPS;
  oops.reason = "general protection fault, probably for non-canonical address, err 0x0";
  Spec panic = oops;
  panic.flags = LCRT_F_FOLLOWUP;
  panic.event.kind = LCRT_EV_PANIC;
  panic.reason = "Fatal exception";
  panic.culprit.reset();
  const auto found =
      scan(make_region(RegionSpec{}, {with_followup(make_record(oops), make_record(panic))})).found;
  ASSERT_EQ(found.size(), 1U);
  ASSERT_TRUE(found[0].followup);
  const std::string t = render_text(found[0]);
  EXPECT_TRUE(has(t, "title:   general protection fault in mydrv_remove\n")) << t;
  EXPECT_TRUE(has(t, "reason:  Fatal exception (after general protection fault")) << t;
  const auto j = to_json(found[0], std::nullopt);
  EXPECT_EQ(j["title"], "general protection fault in mydrv_remove");
  EXPECT_EQ(j["culprit"]["frame"], 2);
  EXPECT_FALSE(j["followup"].contains("title"));
}

// A hung task: the chain is the blocked task's, its name not UTF-8.
Spec hung() {
  Spec s;
  s.arch = LCRT_ARCH_X86_64;
  s.word_size = 8;
  s.event.kind = LCRT_EV_WATCHDOG;
  s.event.comm = "khungtaskd";
  s.event.pid = 31;
  s.reason = "hung_task: blocked tasks";
  s.frames = {{0xffffffff81a00010, 0x10, 0x800, "__schedule"},
              {0xffffffff81a01020, 0x20, 0x90, "schedule"},
              {0xffffffffc0200030, 0x30, 0x60, "mydrv_wait [mydrv]"},
              {0xffffffffc0200140, 0x40, 0x100, "mydrv_ioctl [mydrv]"}};
  s.culprit = Culprit{LCRT_CULPRIT_BLOCKED, 2};
  s.blocked = Blocked{77, 2, 122880, "kwork\xff\x1b[2J"};
  return s;
}

TEST(Blocked, IsDecodedShownAndEscaped) {
  const auto rec = decode(make_record(hung()));
  ASSERT_TRUE(rec.blocked);
  EXPECT_EQ(rec.blocked->pid, 77U);
  EXPECT_EQ(rec.blocked->state, 2U);
  EXPECT_EQ(rec.blocked->waited_ms, 122880U);
  EXPECT_EQ(rec.blocked->comm, "kwork\xff\x1b[2J");
  const std::string t = render_text(rec);
  EXPECT_TRUE(has(t,
                  "task:    khungtaskd (pid 31) on CPU 1\n"
                  "blocked: kwork\\xff\\x1b[2J (pid 77), state 0x2, waited 122.880 s; "
                  "the call chain is this task's\n"))
      << t;
  EXPECT_FALSE(has(t, "\x1b")) << t;
  EXPECT_TRUE(has(t, "title:   INFO: task hung in mydrv_wait\n")) << t;
  EXPECT_TRUE(has(t, "culprit: mydrv_wait+0x30/0x60 [mydrv] (blocked)\n")) << t;

  const auto j = to_json(rec);
  std::string dumped;
  ASSERT_NO_THROW(dumped = j.dump());
  EXPECT_EQ(j["blocked"], nlohmann::ordered_json::parse(
                              R"({"pid": 77, "comm": "kwork\\xff\u001b[2J", "state": 2,
                                  "waited_ms": 122880})"));
  EXPECT_EQ(j["comm"], "khungtaskd");
}

TEST(Blocked, MillisecondsAreThreeDigits) {
  Spec s = hung();
  s.blocked = Blocked{5, 0x402, 5, "t"};
  EXPECT_TRUE(has(render_text(decode(make_record(s))),
                  "blocked: t (pid 5), state 0x402, waited 0.005 s; "));
}

TEST(Malformed, ACulpritPastTheFramesIsADecodeError) {
  Spec s = blamed();
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 7};  // 7 frames: 0..6
  EXPECT_EQ(decode_error(make_record(s)), "section type 9 names frame 7 of 7 as the culprit");
  s.culprit->frame = ~0ULL;
  EXPECT_TRUE(has(decode_error(make_record(s)), "section type 9 names frame 18446744073709551615"));
  s.frames.clear();
  s.culprit->frame = 0;
  EXPECT_EQ(decode_error(make_record(s)), "section type 9 names frame 0 of 0 as the culprit");
  s = blamed();
  s.culprit->frame = 6;
  EXPECT_EQ(decode_error(make_record(s)), "");
}

TEST(Malformed, ACulpritSectionCutShort) {
  const std::vector<std::pair<Bytes, std::string>> bad = {
      {{}, "section type 9 ends early"},                          // no rule
      {{LCRT_CULPRIT_FAULT}, "section type 9 ends early"},        // no index
      {{LCRT_CULPRIT_FAULT, 0x80}, "section type 9 ends early"},  // varint cut
      {{LCRT_CULPRIT_FAULT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0},
       "section type 9 has an over-long varint"},
      {{LCRT_CULPRIT_BLOCKED + 1}, "section type 9 ends early"},  // a newer rule, no index
  };
  for (const auto& [payload, why] : bad) {
    Spec s = blamed();
    s.culprit.reset();
    s.extra = {{LCRT_SEC_CULPRIT, payload}};
    EXPECT_EQ(decode_error(make_record(s)), why) << payload.size();
  }
  Spec twice = blamed();
  twice.extra = {{LCRT_SEC_CULPRIT, Bytes{LCRT_CULPRIT_FAULT, 0}}};
  EXPECT_EQ(decode_error(make_record(twice)), "section type 9 appears twice");
}

// A newer minor version may add rules: one this tool does not know (0 is
// none of them) decodes, and shows as "unknown"; its frame is still checked.
TEST(Culprit, ARuleOfANewerVersionIsUnknown) {
  for (const std::uint8_t rule :
       {std::uint8_t{0}, std::uint8_t{LCRT_CULPRIT_BLOCKED + 1}, std::uint8_t{255}}) {
    Spec s = blamed();
    s.culprit = Culprit{rule, 2};
    Record rec;
    ASSERT_NO_THROW(rec = decode(make_record(s))) << int{rule};
    ASSERT_TRUE(rec.culprit);
    EXPECT_EQ(rec.culprit->rule, rule);
    EXPECT_EQ(rec.culprit->frame, 2U);
    const std::string t = render_text(rec);
    EXPECT_TRUE(has(t, "\nculprit: mydrv_remove.isra.0+0x44/0x120 [mydrv] (unknown)\n")) << t;
    EXPECT_TRUE(has(t, "title:   kernel BUG in mydrv_remove\n")) << t;
    EXPECT_EQ(to_json(rec)["culprit"],
              nlohmann::ordered_json::parse(R"({"frame": 2, "function": "mydrv_remove.isra.0",
                  "offset": 68, "size": 288, "module": "mydrv", "rule": "unknown"})"));
    s.culprit->frame = 7;  // 7 frames: 0..6
    EXPECT_EQ(decode_error(make_record(s)), "section type 9 names frame 7 of 7 as the culprit")
        << int{rule};
  }
}

TEST(Malformed, ABlockedSectionCutShort) {
  for (const Bytes& payload : {Bytes{}, Bytes{77}, Bytes{77, 2}, Bytes{77, 2, 0x80},
                               Bytes{77, 2, 5}, Bytes{77, 2, 5, 4, 'k', 'w'}}) {
    Spec s = hung();
    s.blocked.reset();
    s.extra = {{LCRT_SEC_BLOCKED, payload}};
    EXPECT_EQ(decode_error(make_record(s)), "section type 10 ends early") << payload.size();
  }
  Spec twice = hung();
  twice.extra = {{LCRT_SEC_BLOCKED, Bytes{1, 0, 0, 0}}};
  EXPECT_EQ(decode_error(make_record(twice)), "section type 10 appears twice");
}

TEST(Malformed, TheToolSaysWhyAndExits3) {
  Spec s = blamed();
  s.culprit = Culprit{LCRT_CULPRIT_CALLER, 9};
  const CliResult run = lcrt_cli("decode " + write_temp("culprit-past.rec", make_record(s)));
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "section type 9 names frame 9 of 7 as the culprit")) << run.out;
}

// A 1.0 record from a real kernel (no culprit, no blocked task): as before,
// with a title of its event and reason only.
TEST(OldRecord, DecodesAsBeforeWithATitleOfNoCulprit) {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/x86_64-6.1-exception.rec", std::ios::binary);
  const Bytes raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto found = scan(raw).found;
  ASSERT_EQ(found.size(), 1U);
  const Record& r = *found[0].record;
  EXPECT_EQ(r.version, 0x0100);
  EXPECT_FALSE(r.culprit);
  EXPECT_FALSE(r.blocked);
  EXPECT_TRUE(r.unknown.empty());
  const std::string t = render_text(found[0]);
  EXPECT_FALSE(has(t, "culprit:")) << t;
  EXPECT_FALSE(has(t, "blocked:")) << t;
  EXPECT_TRUE(has(t, "title:   Oops\nevent:   oops\ntask:    sh (pid 33) on CPU 0\n")) << t;
  // The signature of the chain from frame 0, as the old rule has it.
  std::vector<std::string> names;
  for (const Frame& f : r.frames) names.push_back(f.name);
  EXPECT_EQ(signature(r).id, signature(names).id);
  EXPECT_EQ(signature(r).functions, (std::vector<std::string>{"lkdtm_EXCEPTION", "direct_entry",
                                                              "full_proxy_write", "vfs_write"}));
  EXPECT_EQ(culprit_function(r), "lkdtm_EXCEPTION");
  const auto j = to_json(found[0], std::nullopt);
  EXPECT_TRUE(j["culprit"].is_null());
  EXPECT_TRUE(j["blocked"].is_null());
  EXPECT_EQ(j["title"], "Oops");
}

}  // namespace
}  // namespace lcrt
