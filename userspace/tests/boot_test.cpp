// When and where a crash happened (format 1.2): LCRT_SEC_BOOT (the wall
// clock and the boot id) and LCRT_SEC_LOAD (the KASLR offset and the
// modules' load addresses). The expected strings are written from the
// format (include/uapi/linux/lcrt.h) and from the values put in: the UTC time
// of 1795688098 s is 2026-11-26T10:14:58 (Python's calendar.timegm), the
// boot id is the bytes in /proc/sys/kernel/random/boot_id's layout (8-4-4-4-12).
#include <gtest/gtest.h>
#include <linux/lcrt.h>

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
#include "lcrt/symbols.hpp"

namespace lcrt {
namespace {

using test::CliResult;
using test::decode_error;
using test::has;
using test::lcrt_cli;
using test::make_record;
using test::Spec;
using test::write_temp;
using test::Writer;

using Json = nlohmann::ordered_json;

constexpr std::uint64_t kTimeNs = 1795688098123456789ULL;  // 2026-11-26T10:14:58.123456789Z
const Bytes kBootId{0x6f, 0x0b, 0x2c, 0x3e, 0x1d, 0x5a, 0x4c, 0x2b,
                    0x9e, 0x8f, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};

// An oops in a module of an arm board, with its time, boot and load addresses.
Spec located() {
  Spec s;
  s.frames = {{0xbf000110, 0x10, 0x40, "mydrv_irq [mydrv]"},
              {0xc0000ff0, 0x30, 0x100, "handle_irq_event"}};
  s.modules = {{"mydrv", {0x11, 0x22}}, {"other", {}}};
  s.boot = Boot{kTimeNs, kBootId};
  s.load = Load{0x2a00000, {0xbf000000, 0}};
  return s;
}

Bytes payload(const Writer& w) { return w.bytes(); }

TEST(Boot, TimeBootIdAndLoadAddressesAreDecoded) {
  const Record r = decode(make_record(located()));
  EXPECT_EQ(r.version, 0x0102);
  ASSERT_TRUE(r.boot);
  EXPECT_EQ(r.boot->time_ns, kTimeNs);
  EXPECT_EQ(r.boot->id, kBootId);
  ASSERT_TRUE(r.load);
  EXPECT_EQ(r.load->kaslr_offset, 0x2a00000U);
  EXPECT_EQ(r.load->modules, (std::vector<std::uint64_t>{0xbf000000, 0}));
  EXPECT_TRUE(r.unknown.empty());
}

TEST(Boot, ARecordWithoutThemHasNeither) {
  const Record r = decode(make_record(Spec{}));
  EXPECT_FALSE(r.boot);
  EXPECT_FALSE(r.load);
  // A 1.0 record of a real kernel: shown as before, no time, boot or load.
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/x86_64-6.12-exception.rec", std::ios::binary);
  const Bytes raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto found = scan(raw).found;
  ASSERT_EQ(found.size(), 1U);
  EXPECT_FALSE(found[0].record->boot);
  const std::string t = render_text(found[0]);
  EXPECT_FALSE(has(t, "\ntime:")) << t;
  EXPECT_FALSE(has(t, "\nboot:")) << t;
  EXPECT_FALSE(has(t, "\nload:")) << t;
  const Json j = to_json(found[0], std::nullopt);
  EXPECT_FALSE(j.contains("crash_time"));
  EXPECT_FALSE(j.contains("boot_id"));
  EXPECT_FALSE(j.contains("kaslr_offset"));
}

TEST(Boot, Formats) {
  EXPECT_EQ(utc_time(kTimeNs), "2026-11-26T10:14:58.123456789Z");
  EXPECT_EQ(utc_time(1), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(utc_time(1799193599ULL * 1000000000ULL), "2027-01-05T23:59:59.000000000Z");
  EXPECT_EQ(boot_id_string(kBootId), "6f0b2c3e-1d5a-4c2b-9e8f-0a1b2c3d4e5f");
  EXPECT_EQ(hex_bytes(kBootId), "6f0b2c3e1d5a4c2b9e8f0a1b2c3d4e5f");  // the journal's _BOOT_ID
  EXPECT_EQ(boot_id_string({}), "");
  EXPECT_EQ(boot_id_string({1, 2, 3}), "");
}

TEST(Boot, TextSaysWhenWhichBootAndWhereTheCodeWas) {
  const std::string t = render_text(decode(make_record(located())));
  EXPECT_TRUE(has(t,
                  "uptime:  1.500000001 s\n"
                  "time:    2026-11-26T10:14:58.123456789Z\n"
                  "boot:    6f0b2c3e-1d5a-4c2b-9e8f-0a1b2c3d4e5f\n"))
      << t;
  EXPECT_TRUE(has(t,
                  "module:  other build-id unknown\n"
                  "load:    kernel KASLR offset 0x2a00000\n"
                  "load:    mydrv text at 0xbf000000\n"
                  "load:    other text at unknown\n"))
      << t;
}

TEST(Boot, UnknownTimeAndBootIdAreSaidSo) {
  Spec s = located();
  s.boot = Boot{0, {}};
  s.load = Load{0, {}};
  const Record r = decode(make_record(s));
  const std::string t = render_text(r);
  EXPECT_TRUE(has(t, "time:    unknown\nboot:    unknown\n")) << t;
  EXPECT_TRUE(has(t, "load:    kernel KASLR offset 0 (none)\n")) << t;
  EXPECT_FALSE(has(t, "text at")) << t;  // no module address given
  const Json j = to_json(r);
  EXPECT_TRUE(j.at("crash_time").is_null());
  EXPECT_TRUE(j.at("crash_time_ns").is_null());
  EXPECT_TRUE(j.at("boot_id").is_null());
  EXPECT_EQ(j.at("kaslr_offset"), "0x0");
  EXPECT_TRUE(j["modules"][0].at("load_address").is_null());
}

TEST(Boot, JsonCarriesThem) {
  const Json j = to_json(decode(make_record(located())));
  EXPECT_EQ(j["crash_time"], "2026-11-26T10:14:58.123456789Z");
  EXPECT_EQ(j["crash_time_ns"], kTimeNs);
  EXPECT_EQ(j["boot_id"], "6f0b2c3e-1d5a-4c2b-9e8f-0a1b2c3d4e5f");
  EXPECT_EQ(j["kaslr_offset"], "0x2a00000");
  ASSERT_EQ(j["modules"].size(), 2U);
  EXPECT_EQ(j["modules"][0]["name"], "mydrv");
  EXPECT_EQ(j["modules"][0]["load_address"], "0xbf000000");
  EXPECT_TRUE(j["modules"][1]["load_address"].is_null());
  // Without LCRT_SEC_LOAD the modules have no load_address at all.
  Spec s = located();
  s.load.reset();
  const Json old = to_json(decode(make_record(s)));
  EXPECT_FALSE(old["modules"][0].contains("load_address"));
  EXPECT_FALSE(old.contains("kaslr_offset"));
}

TEST(Boot, FewerAddressesThanModulesLeaveTheRestUnknown) {
  Spec s = located();
  s.load = Load{0x1000, {0xbf000000}};
  const Record r = decode(make_record(s));
  EXPECT_EQ(r.load->modules.size(), 1U);
  const std::string t = render_text(r);
  EXPECT_TRUE(has(t, "load:    mydrv text at 0xbf000000\n")) << t;
  EXPECT_FALSE(has(t, "other text at")) << t;
  EXPECT_TRUE(to_json(r)["modules"][1]["load_address"].is_null());
}

TEST(Malformed, ABootSectionCutShortOrWithAnotherIdLength) {
  const std::vector<std::pair<Bytes, std::string>> bad = {
      {{}, "section type 13 ends early"},
      {{0x80}, "section type 13 ends early"},  // the time's varint cut
      {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0},
       "section type 13 has an over-long varint"},
      {{1}, "section type 13 ends early"},  // no boot id length
      {{1, 16, 1, 2, 3, 4}, "section type 13 ends early"},
      {{1, 1, 0xaa}, "section type 13 has a boot id of 1 byte (16, or none)"},
      {{1, 8, 1, 2, 3, 4, 5, 6, 7, 8}, "section type 13 has a boot id of 8 bytes (16, or none)"},
      {{1, 255}, "section type 13 has a boot id of 255 bytes (16, or none)"},
  };
  for (const auto& [p, why] : bad) {
    Spec s;
    s.extra = {{LCRT_SEC_BOOT, p}};
    EXPECT_EQ(decode_error(make_record(s)), why) << p.size();
  }
  Spec twice = located();
  twice.extra = {{LCRT_SEC_BOOT, Bytes{0, 0}}};
  EXPECT_EQ(decode_error(make_record(twice)), "section type 13 appears twice");
  // Bytes after the boot id are a newer minor version's: skipped.
  Spec newer;
  newer.extra = {{LCRT_SEC_BOOT, Bytes{5, 0, 0xee, 0xee}}};
  EXPECT_EQ(decode_error(make_record(newer)), "");
}

TEST(Malformed, ALoadSectionCutShortOrWithMoreAddressesThanModules) {
  const std::vector<std::pair<Bytes, std::string>> bad = {
      {{}, "section type 14 ends early"},
      {{0x80}, "section type 14 ends early"},  // the offset's varint cut
      {{0}, "section type 14 ends early"},     // no count
      {{0, 3, 1}, "section type 14 counts more module load addresses than it holds"},
      {payload(Writer().varint(0).varint(~0ULL)),
       "section type 14 counts more module load addresses than it holds"},
      {{0, 2, 1, 0x80}, "section type 14 ends early"},
      // located() has two modules.
      {{0, 3, 1, 2, 3}, "section type 14 gives 3 module load addresses for 2 modules"},
  };
  for (const auto& [p, why] : bad) {
    Spec s = located();
    s.load.reset();
    s.extra = {{LCRT_SEC_LOAD, p}};
    EXPECT_EQ(decode_error(make_record(s)), why) << p.size();
  }
  Spec one = located();
  one.modules.resize(1);
  one.load->modules = {1, 2};
  EXPECT_EQ(decode_error(make_record(one)),
            "section type 14 gives 2 module load addresses for 1 module");
  Spec none;  // no modules section at all
  none.extra = {{LCRT_SEC_LOAD, Bytes{0, 1, 5}}};
  EXPECT_EQ(decode_error(make_record(none)),
            "section type 14 gives 1 module load address for 0 modules");
  Spec twice = located();
  twice.extra = {{LCRT_SEC_LOAD, Bytes{0, 0}}};
  EXPECT_EQ(decode_error(make_record(twice)), "section type 14 appears twice");
  // The modules' section may come after it (the encoder writes it before).
  Spec after = located();
  after.load.reset();
  after.extra = {{LCRT_SEC_LOAD, Bytes{0, 2, 1, 2, 0xee}}};  // a newer version's byte after
  EXPECT_EQ(decode_error(make_record(after)), "");
}

TEST(Malformed, TheToolSaysWhyAndExits3) {
  Spec s = located();
  s.boot.reset();
  s.extra = {{LCRT_SEC_BOOT, Bytes{1, 4, 1, 2, 3, 4}}};
  const CliResult run = lcrt_cli("decode " + write_temp("boot-id-4.rec", make_record(s)));
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(has(run.out, "section type 13 has a boot id of 4 bytes (16, or none)")) << run.out;
}

// A kernel without kallsyms, loaded 42 MiB above its link address: the
// System.map names its pcs once the record's KASLR offset is taken off.
Spec randomised() {
  Spec s;
  s.flags = LCRT_F_NO_KALLSYMS;
  s.frames = {{0xc2b00010, 0, 0, ""}, {0xc2a00ff0, 0, 0, ""}};
  s.load = Load{0x2a00000, {}};
  return s;
}

const std::string kLinkedMap =
    "c0000000 T _stext\nc0000f00 T handle_irq_event\n"
    "c0100000 T bad_irq_handler\nc0100040 T after\nc0200000 T _etext\n";

TEST(SystemMap, TheKaslrOffsetIsTakenOffThePc) {
  std::istringstream in(kLinkedMap);
  const SymbolMap map = SymbolMap::parse(in, "linked.map");
  RenderOptions opt;
  opt.symbols = &map;
  const Record r = decode(make_record(randomised()));
  EXPECT_EQ(link_address(r, 0xc2b00010), 0xc0100010U);
  const std::string t = render_text(r, opt);
  EXPECT_TRUE(has(t, "#0  bad_irq_handler+0x10/0x40 [0xc2b00010]")) << t;
  EXPECT_TRUE(has(t, "#1  handle_irq_event+0xf0/0xff100 [0xc2a00ff0]")) << t;
  const Json j = to_json(r, opt);
  EXPECT_EQ(j["frames"][0]["function"], "bad_irq_handler");
  EXPECT_EQ(j["frames"][0]["offset"], 0x10);
  EXPECT_EQ(j["frames"][0]["pc"], "0xc2b00010");  // the pc stays the record's
  // A 64-bit kernel, and a 32-bit one whose subtraction wraps.
  Spec wide = randomised();
  wide.arch = LCRT_ARCH_ARM64;
  wide.word_size = 8;
  wide.load->kaslr_offset = 0x37e00000;
  EXPECT_EQ(link_address(decode(make_record(wide)), 0xffffffffb8f4f414ULL), 0xffffffff8114f414ULL);
  Spec wraps = randomised();
  wraps.load->kaslr_offset = 0x20;
  EXPECT_EQ(link_address(decode(make_record(wraps)), 0x10), 0xfffffff0U);
  EXPECT_EQ(link_address(decode(make_record(Spec{})), 0xc2b00010), 0xc2b00010U);  // no LOAD
}

TEST(SystemMap, TheToolAppliesTheRecordsOffset) {
  const std::string map =
      write_temp("linked-kaslr.map", Bytes(kLinkedMap.begin(), kLinkedMap.end()));
  CliResult run = lcrt_cli("decode --system-map " + map + " " +
                           write_temp("randomised.rec", make_record(randomised())));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_FALSE(has(run.out, "warning")) << run.out;
  EXPECT_TRUE(has(run.out, "#0  bad_irq_handler+0x10/0x40 [0xc2b00010]")) << run.out;
  EXPECT_TRUE(has(run.out, "load:    kernel KASLR offset 0x2a00000\n")) << run.out;
  // The same pcs with an offset of 0: the map is not this kernel's; the
  // record gave its offset, so KASLR is not what the warning blames.
  Spec none = randomised();
  none.load->kaslr_offset = 0;
  run = lcrt_cli("decode --system-map " + map + " " +
                 write_temp("not-randomised.rec", make_record(none)));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "2 of 2 unnamed addresses lie outside its kernel text")) << run.out;
  EXPECT_TRUE(has(run.out, "another kernel's System.map")) << run.out;
  EXPECT_FALSE(has(run.out, "KASLR on")) << run.out;
  EXPECT_FALSE(has(run.out, "bad_irq_handler")) << run.out;
}

}  // namespace
}  // namespace lcrt
