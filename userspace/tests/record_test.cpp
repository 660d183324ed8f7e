#include "lcrt/record.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>

#include <fstream>
#include <iterator>
#include <string>

#include "encoder.hpp"

namespace lcrt {
namespace {

using test::make_record;
using test::reseal;
using test::Spec;

TEST(Crc, IsTheStandardCrc32) {
  // The CRC-32 check value of "123456789" (IEEE 802.3, as in zlib).
  Bytes b(LCRT_CRC_OFFSET, 0xaa);
  const std::string check = "123456789";
  b.insert(b.end(), check.begin(), check.end());
  EXPECT_EQ(record_crc(b.data(), b.size()), 0xCBF43926U);
}

TEST(Decode, RoundTripsEveryField) {
  const Spec s;
  const Record r = decode(make_record(s));
  EXPECT_EQ(r.seq, s.seq);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.capture_ns, s.capture_ns);
  EXPECT_EQ(r.arch, LCRT_ARCH_ARM);
  EXPECT_EQ(r.word_size, 4);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->kind, s.event.kind);
  EXPECT_EQ(r.event->context, s.event.context);
  EXPECT_EQ(r.event->cpu, s.event.cpu);
  EXPECT_EQ(r.event->pid, s.event.pid);
  EXPECT_EQ(r.event->preempt_count, s.event.preempt_count);
  EXPECT_EQ(r.event->taint, s.event.taint);
  EXPECT_EQ(r.event->uptime_ns, s.event.uptime_ns);
  EXPECT_EQ(r.event->comm, s.event.comm);
  EXPECT_EQ(r.reason, s.reason);
  EXPECT_EQ(r.release, s.release);
  EXPECT_EQ(r.build_id, s.build_id);
  ASSERT_EQ(r.frames.size(), s.frames.size());
  for (std::size_t i = 0; i < s.frames.size(); i++) {
    EXPECT_EQ(r.frames[i].pc, s.frames[i].pc) << i;
    EXPECT_EQ(r.frames[i].offset, s.frames[i].offset) << i;
    EXPECT_EQ(r.frames[i].size, s.frames[i].size) << i;
    EXPECT_EQ(r.frames[i].name, s.frames[i].name) << i;
  }
}

TEST(Decode, RegistersAndStackWindowsRoundTrip) {
  Spec s;
  for (std::uint64_t i = 0; i < LCRT_REGS_ARM; i++) s.regs.push_back(0xc0000000 + i);
  s.windows = {{0, 0xc07c7e90, {1, 2, 0xffffffff, 4}}, {2, 0xc07c7eb8, {5}}};
  const Record r = decode(make_record(s));
  EXPECT_EQ(r.regs, s.regs);
  ASSERT_EQ(r.windows.size(), 2U);
  EXPECT_EQ(r.windows[0].frame, 0U);
  EXPECT_EQ(r.windows[0].addr, 0xc07c7e90U);
  EXPECT_EQ(r.windows[0].words, s.windows[0].words);
  EXPECT_EQ(r.windows[1].frame, 2U);
  EXPECT_EQ(r.windows[1].words, s.windows[1].words);
}

TEST(Decode, RegistersThatAreNotWholeWordsAreRejected) {
  Spec s;
  s.extra = {{LCRT_SEC_REGS, Bytes{1, 2, 3}}};
  try {
    decode(make_record(s));
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kSections);
  }
}

TEST(Decode, SixtyFourBitAddressesGoBothWays) {
  Spec s;
  s.arch = LCRT_ARCH_ARM64;
  s.word_size = 8;
  s.frames = {{0xffff800008123456ULL, 4, 8, "a"},
              {0xffff800008000000ULL, 0, 0, "b"},
              {0xffffffffffffffffULL, 0, 0, ""},
              {0x10, 0, 0, ""}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.frames.size(), 4U);
  for (std::size_t i = 0; i < 4; i++) EXPECT_EQ(r.frames[i].pc, s.frames[i].pc) << i;
}

TEST(Decode, EveryFlippedBitIsCaught) {
  const Bytes good = make_record(Spec{});
  for (std::size_t bit = 0; bit < good.size() * 8; bit++) {
    Bytes bad = good;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    EXPECT_THROW(decode(bad), DecodeError) << "bit " << bit;
  }
}

TEST(Decode, TruncatedInputIsRejected) {
  const Bytes good = make_record(Spec{});
  for (std::size_t n = 0; n < good.size(); n++) {
    Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    try {
      decode(cut);
      FAIL() << "decoded " << n << " of " << good.size() << " bytes";
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.code(), n < 4 ? Error::kNoRecord : Error::kTruncated) << n;
    }
  }
}

TEST(Decode, TrailingBytesAfterTheRecordAreIgnored) {
  Bytes b = make_record(Spec{});
  const auto total = b.size();
  b.resize(total + 100, 0x5a);
  EXPECT_EQ(decode(b).total_size, total);
}

TEST(Decode, VersionMismatchIsReported) {
  Spec s;
  s.version = 2;
  try {
    decode(make_record(s));
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kVersion);
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos);
  }
}

TEST(Decode, EmptySlotIsNoRecord) {
  const Bytes zero(1024, 0);
  try {
    decode(zero);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kNoRecord);
  }
}

TEST(Decode, SectionRunningPastTheRecordIsRejected) {
  Bytes b = make_record(Spec{});
  b[32 + 2] = 0xff;  // first section's size
  b[32 + 3] = 0x7f;
  reseal(b);
  try {
    decode(b);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kSections);
  }
}

TEST(Decode, UnknownSectionsAreSkippedAndListed) {
  Spec s;
  s.extra = {{200, Bytes{1, 2, 3}}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.unknown.size(), 1U);
  EXPECT_EQ(r.unknown[0].type, 200);
  EXPECT_EQ(r.unknown[0].size, 3U);
  EXPECT_EQ(r.frames.size(), s.frames.size());
}

TEST(Decode, ExactFramesAndModules) {
  Spec s;
  s.frames[0].exact = true;
  s.frames[2].exact = true;
  s.modules = {{"lcrt_crash", {0x12, 0x34, 0xab}}, {"nobid", {}}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.frames.size(), 3U);
  EXPECT_TRUE(r.frames[0].exact);
  EXPECT_FALSE(r.frames[1].exact);
  EXPECT_TRUE(r.frames[2].exact);
  ASSERT_EQ(r.modules.size(), 2U);
  EXPECT_EQ(r.modules[0].name, "lcrt_crash");
  EXPECT_EQ(r.modules[0].build_id, (Bytes{0x12, 0x34, 0xab}));
  EXPECT_EQ(r.modules[1].name, "nobid");
  EXPECT_TRUE(r.modules[1].build_id.empty());
  EXPECT_TRUE(r.unknown.empty());
}

TEST(Decode, NoExactSectionMeansNoFrameIsExact) {
  const Record r = decode(make_record(Spec{}));
  for (const Frame& f : r.frames) EXPECT_FALSE(f.exact);
  EXPECT_TRUE(r.modules.empty());
}

TEST(Decode, MalformedExactAndModulesAreRejected) {
  const std::vector<std::pair<std::uint8_t, Bytes>> bad = {
      {LCRT_SEC_EXACT, {}},         // no count
      {LCRT_SEC_EXACT, {2, 0}},     // count 2, one index
      {LCRT_SEC_EXACT, {1, 3}},     // frame 3 of 3
      {LCRT_SEC_EXACT, {2, 1, 0}},  // not ascending
      {LCRT_SEC_EXACT, {2, 1, 1}},  // twice
      {LCRT_SEC_EXACT, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
      {LCRT_SEC_MODULES, {3, 'a', 'b'}},      // name cut short
      {LCRT_SEC_MODULES, {1, 'a'}},           // no build-id length
      {LCRT_SEC_MODULES, {1, 'a', 4, 1, 2}},  // build-id cut short
      {LCRT_SEC_MODULES, {0, 0}},             // no name
  };
  for (const auto& [type, payload] : bad) {
    Spec s;
    s.extra = {{type, payload}};
    try {
      decode(make_record(s));
      ADD_FAILURE() << "decoded section " << int{type} << " of " << payload.size() << " bytes";
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.code(), Error::kSections) << e.what();
      EXPECT_NE(std::string(e.what()).find("section type " + std::to_string(type)),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(Decode, TypesPastModulesAreUnknown) {
  Spec s;
  s.extra = {{LCRT_SEC_MODULES + 1, Bytes{9}}, {LCRT_SEC_EXACT, Bytes{0}}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.unknown.size(), 1U);
  EXPECT_EQ(r.unknown[0].type, LCRT_SEC_MODULES + 1);
}

TEST(Scan, FindsEverySlotAndTheNewest) {
  Bytes image(4096, 0);
  Spec a;
  a.seq = 5;
  Spec b;
  b.seq = 9;
  b.reason = "newer";
  const Bytes ra = make_record(a);
  const Bytes rb = make_record(b);
  std::copy(ra.begin(), ra.end(), image.begin());
  std::copy(rb.begin(), rb.end(), image.begin() + 2048);
  const auto found = scan(image);
  ASSERT_EQ(found.size(), 2U);
  const Found* n = newest(found);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->offset, 2048U);
  EXPECT_EQ(n->record->reason, "newer");
}

TEST(Scan, ReportsATornRecordAndKeepsTheOthers) {
  Bytes image(2048, 0);
  const Bytes ra = make_record(Spec{});
  Spec b;
  b.seq = 100;
  Bytes rb = make_record(b);
  rb[rb.size() - 3] ^= 0x40;  // a cut mid-write: body differs from the CRC
  std::copy(ra.begin(), ra.end(), image.begin());
  std::copy(rb.begin(), rb.end(), image.begin() + 1024);
  const auto found = scan(image);
  ASSERT_EQ(found.size(), 2U);
  EXPECT_TRUE(found[0].record);
  ASSERT_TRUE(found[1].error);
  EXPECT_EQ(*found[1].error, Error::kCrc);
  EXPECT_EQ(newest(found), &found[0]);
}

TEST(Scan, NothingInAnErasedRegion) {
  EXPECT_TRUE(scan(Bytes(4096, 0)).empty());
  EXPECT_EQ(newest(scan(Bytes(4096, 0))), nullptr);
}

// A record the arm kernel really wrote (LKDTM EXCEPTION under QEMU), kept
// as captured from /sys/kernel/lcrt/record.
TEST(Golden, RealArmRecordDecodes) {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/arm-exception.rec", std::ios::binary);
  ASSERT_TRUE(in);
  const Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const Record r = decode(b);
  EXPECT_EQ(r.arch, LCRT_ARCH_ARM);
  EXPECT_EQ(r.word_size, 4);
  EXPECT_LE(r.total_size, 1024U);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->kind, LCRT_EV_OOPS);
  ASSERT_FALSE(r.frames.empty());
  EXPECT_EQ(r.frames[0].name, "lkdtm_EXCEPTION");
  EXPECT_LT(r.frames[0].offset, r.frames[0].size);
  ASSERT_TRUE(r.reason);
  EXPECT_NE(r.reason->find("Fatal exception"), std::string::npos);
  // The registers at the fault: pc is the innermost frame, sp is where the
  // innermost window starts.
  ASSERT_EQ(r.regs.size(), static_cast<std::size_t>(LCRT_REGS_ARM));
  EXPECT_EQ(r.regs[15], r.frames[0].pc);
  ASSERT_FALSE(r.windows.empty());
  EXPECT_EQ(r.windows[0].frame, 0U);
  EXPECT_EQ(r.windows[0].addr, r.regs[13]);
  EXPECT_EQ(r.unwinder, LCRT_UNW_FRAME_POINTER);
}

}  // namespace
}  // namespace lcrt
