#include "lcrt/record.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "encoder.hpp"

namespace lcrt {
namespace {

using test::has;
using test::make_record;
using test::make_region;
using test::pending;
using test::RegionSpec;
using test::reseal;
using test::Spec;
using test::with_followup;

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
  EXPECT_EQ(r.version, LCRT_VERSION);
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

TEST(Decode, AnotherMajorVersionIsReported) {
  for (const std::uint16_t v : {0x0200, 0xff00}) {
    Spec s;
    s.version = v;
    try {
      decode(make_record(s));
      FAIL() << v;
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.code(), Error::kVersion);
      EXPECT_TRUE(has(e.what(), "format version " + std::to_string(v >> 8) +
                                    ".0 unknown to this tool, which reads 1.x"))
          << e.what();
    }
  }
}

TEST(Decode, ARecordOfTheFirstFormatIsRejected) {
  Spec s;
  s.version = 1;  // before major/minor: major 0
  try {
    decode(make_record(s));
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kVersion);
    EXPECT_TRUE(has(e.what(), "format version 0.1 unknown")) << e.what();
  }
}

TEST(Decode, ANewerMinorVersionIsRead) {
  Spec s;
  s.version = LCRT_VERSION + 7;
  s.extra = {{200, Bytes{1, 2}}};  // what it adds, readers skip
  const Record r = decode(make_record(s));
  EXPECT_EQ(r.version, LCRT_VERSION + 7);
  EXPECT_EQ(r.reason, s.reason);
}

TEST(Decode, APendingMagicIsTornWithItsSeqWhenTheHeaderIsSane) {
  Spec s;
  s.seq = 9;
  try {
    decode(test::pending(make_record(s)));
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kTorn);
    EXPECT_STREQ(e.what(), "torn: the write of record 9 did not finish");
  }
  // Cut before the header was written (an erased slot), or with sizes that
  // no record has: no seq to give.
  Bytes cut(1024, 0);
  const Bytes magic = test::pending(Bytes(4, 0));
  std::copy(magic.begin(), magic.end(), cut.begin());
  Bytes lying = test::pending(make_record(s));
  lying[12] = 0xff;  // total size past the record
  lying[13] = 0xff;
  lying[14] = 0x01;
  for (const Bytes& b : {cut, lying, Bytes(magic.begin(), magic.end())}) {
    try {
      decode(b);
      FAIL();
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.code(), Error::kTorn);
      EXPECT_STREQ(e.what(), "torn: the write of a record did not finish");
    }
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

// Types past the newest this tool knows (LCRT_SEC_LOAD) are listed as
// unknown; known ones, however empty, are not.
TEST(Decode, TypesPastLoadAreUnknown) {
  Spec s;
  s.extra = {{LCRT_SEC_LOAD + 1, Bytes{9}},
             {LCRT_SEC_EXACT, Bytes{0}},
             {99, Bytes{1, 2}},
             {LCRT_SEC_REPEATS, Bytes{0}},
             {LCRT_SEC_CPU, Bytes{1, LCRT_CPU_RUNNING, 0, 0}}};
  const Record r = decode(make_record(s));
  ASSERT_EQ(r.unknown.size(), 2U);
  EXPECT_EQ(r.unknown[0].type, LCRT_SEC_LOAD + 1);
  EXPECT_EQ(r.unknown[1].type, 99);
  EXPECT_EQ(r.unknown[1].size, 2U);
  EXPECT_EQ(r.cpus.size(), 1U);
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
  const Scan s = scan(image);
  EXPECT_FALSE(s.region);
  const auto& found = s.found;
  ASSERT_EQ(found.size(), 2U);
  EXPECT_FALSE(found[0].slot);
  const Found* n = newest(found);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->offset, 2048U);
  EXPECT_EQ(n->record->reason, "newer");
}

TEST(Scan, ReportsADamagedRecordAndKeepsTheOthers) {
  Bytes image(2048, 0);
  const Bytes ra = make_record(Spec{});
  Spec b;
  b.seq = 100;
  Bytes rb = make_record(b);
  rb[rb.size() - 3] ^= 0x40;  // the body differs from the CRC
  std::copy(ra.begin(), ra.end(), image.begin());
  std::copy(rb.begin(), rb.end(), image.begin() + 1024);
  const auto found = scan(image).found;
  ASSERT_EQ(found.size(), 2U);
  EXPECT_TRUE(found[0].record);
  ASSERT_TRUE(found[1].error);
  EXPECT_EQ(*found[1].error, Error::kCrc);
  EXPECT_EQ(newest(found), &found[0]);
}

TEST(Scan, APendingMagicWithoutARegionHeaderIsTorn) {
  Bytes image(2048, 0);
  const Bytes ra = make_record(Spec{});
  Spec b;
  b.seq = 8;
  const Bytes rb = pending(make_record(b));
  std::copy(ra.begin(), ra.end(), image.begin());
  std::copy(rb.begin(), rb.end(), image.begin() + 1024);
  const auto found = scan(image).found;
  ASSERT_EQ(found.size(), 2U);
  ASSERT_TRUE(found[1].error);
  EXPECT_EQ(*found[1].error, Error::kTorn);
  EXPECT_EQ(found[1].message, "torn: the write of record 8 did not finish");
  EXPECT_EQ(newest(found), &found[0]);
  // A torn record alone is never "no record".
  const auto alone = scan(rb).found;
  ASSERT_EQ(alone.size(), 1U);
  EXPECT_EQ(alone[0].error, Error::kTorn);
}

TEST(Scan, NothingInAnErasedRegion) {
  EXPECT_TRUE(scan(Bytes(4096, 0)).found.empty());
  EXPECT_EQ(newest(scan(Bytes(4096, 0)).found), nullptr);
  const Scan s = scan(make_region(RegionSpec{}, {}));
  ASSERT_TRUE(s.region);
  EXPECT_TRUE(s.found.empty());
}

Spec seq_spec(std::uint64_t seq, const std::string& reason = "Fatal exception") {
  Spec s;
  s.seq = seq;
  s.reason = reason;
  return s;
}

// A follow-up of seq: a panic's event and reason, flagged.
Bytes followup(std::uint64_t seq, const std::string& reason = "Fatal exception") {
  Spec s = seq_spec(seq, reason);
  s.flags = LCRT_F_FOLLOWUP;
  s.event.kind = LCRT_EV_PANIC;
  s.frames.clear();
  return make_record(s);
}

TEST(Region, TheValidCopyWithTheHigherGenerationWins) {
  RegionSpec a;
  a.generation = 7;
  a.next_seq = 20;
  RegionSpec b = a;
  b.generation = 8;
  b.next_seq = 21;
  auto r = read_region(make_region(a, {}, &b));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->copy, 1);
  EXPECT_EQ(r->next_seq, 21U);
  r = read_region(make_region(b, {}, &a));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->copy, 0);
  EXPECT_EQ(r->generation, 8U);
  EXPECT_EQ(r->slot_size, 1024U);
  EXPECT_EQ(r->nslots, 3U);
  EXPECT_EQ(r->policy, LCRT_RING_KEEP);
  EXPECT_EQ(r->boot_count, 5U);
  EXPECT_EQ(r->dropped, 2U);
  EXPECT_EQ(r->version, LCRT_REGION_VERSION);
}

TEST(Region, ACopyThatIsNotValidLosesWhateverItsGeneration) {
  RegionSpec good;
  good.generation = 3;
  RegionSpec newer = good;
  newer.generation = 4;
  const Bytes img = make_region(good, {}, &newer);
  // The newer copy torn (its CRC no longer matches), or not one at all.
  for (const std::size_t at :
       {std::size_t{LCRT_REGION_HDR_SIZE + 30}, std::size_t{LCRT_REGION_HDR_SIZE}}) {
    Bytes bad = img;
    bad[at] ^= 0x01;
    const auto r = read_region(bad);
    ASSERT_TRUE(r) << at;
    EXPECT_EQ(r->copy, 0) << at;
    EXPECT_EQ(r->generation, 3U) << at;
  }
  Bytes first_bad = img;
  first_bad[40] ^= 0x80;
  ASSERT_TRUE(read_region(first_bad));
  EXPECT_EQ(read_region(first_bad)->copy, 1);
}

TEST(Region, MagicMajorVersionSizeAndCrcMakeACopyValid) {
  EXPECT_TRUE(read_region(make_region(RegionSpec{}, {})));
  RegionSpec minor;
  minor.version = LCRT_REGION_VERSION + 1;
  EXPECT_TRUE(read_region(make_region(minor, {})));
  const auto invalid = [](RegionSpec r) { return !read_region(make_region(r, {})); };
  RegionSpec r;
  r.version = 0x0200;
  EXPECT_TRUE(invalid(r));
  r = {};
  r.version = 1;
  EXPECT_TRUE(invalid(r));
  r = {};
  r.magic = LCRT_MAGIC;
  EXPECT_TRUE(invalid(r));
  r = {};
  r.header_size = sizeof(lcrt_region_header) - 8;
  EXPECT_TRUE(invalid(r));
  r = {};
  r.header_size = LCRT_REGION_HDR_SIZE + 8;
  EXPECT_TRUE(invalid(r));
  r = {};
  r.slot_size = 0;  // no geometry to walk
  r.nslots = 1000;
  EXPECT_TRUE(invalid(r));
  r = {};
  r.slot_size = 1020;  // slots off the 8-byte boundaries
  EXPECT_TRUE(invalid(r));
  EXPECT_FALSE(read_region(Bytes(100, 0)));
}

// A copy whose header_size (up to LCRT_REGION_HDR_SIZE) claims more bytes
// than the image holds is not valid, and the bytes past the image are never
// read: here they are left in the vector's spare capacity, so that a CRC
// over them would match (and ASan's container checks would catch the read).
TEST(Region, AHeaderSizePastTheImageIsNotValidAndNotReadPast) {
  RegionSpec r;
  r.header_size = LCRT_REGION_HDR_SIZE;
  Bytes full = test::region_header(r);
  full.resize(LCRT_REGION_HDR_SIZE, 0);
  const auto crc = record_crc(full.data(), full.size());
  for (int i = 0; i < 4; i++) full[4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));  // crc32
  ASSERT_TRUE(read_region(full)) << "the whole copy is valid";
  for (const std::size_t cut :
       {sizeof(lcrt_region_header), std::size_t{LCRT_REGION_HDR_SIZE - 1}}) {
    Bytes img;
    img.reserve(2 * LCRT_REGION_HDR_SIZE);
    img = full;
    img.resize(cut);  // the rest stays in the capacity, past the end
    EXPECT_FALSE(read_region(img)) << cut;
    EXPECT_FALSE(scan(img).region) << cut;
  }
}

TEST(Region, WithoutAValidCopyTheImageIsScannedByAlignment) {
  RegionSpec r;
  r.magic = 0;
  Bytes img = make_region(r, {make_record(seq_spec(4)), {}, make_record(seq_spec(6))});
  const Scan s = scan(img);
  EXPECT_FALSE(s.region);
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_EQ(s.found[0].offset, std::size_t{LCRT_REGION_SLOTS});
  EXPECT_FALSE(s.found[0].slot);
  EXPECT_EQ(newest(s.found)->record->seq, 6U);
}

TEST(Scan, TheRegionsSlotsAreWalkedAndEachOneClassified) {
  RegionSpec r;
  r.slot_size = 512;
  r.nslots = 7;
  Bytes damaged = make_record(seq_spec(5));
  damaged[60] ^= 1;
  Bytes junk(16, 0x5a);
  Bytes oversize = make_record(seq_spec(6, std::string(600, 'x')));
  const std::vector<Bytes> slots{
      make_record(seq_spec(3)), {}, pending(make_record(seq_spec(4))), junk, damaged, oversize,
      make_record(seq_spec(7))};
  const Bytes img = make_region(r, slots);
  const Scan s = scan(img);
  ASSERT_TRUE(s.region);
  EXPECT_EQ(s.slots_missing, 0U);
  ASSERT_EQ(s.found.size(), 6U);  // slot 1 is empty
  const auto slot_at = [](std::size_t i) { return LCRT_REGION_SLOTS + i * 512; };
  const std::vector<std::pair<std::size_t, std::optional<Error>>> want = {
      {0, std::nullopt}, {2, Error::kTorn},      {3, Error::kMagic},
      {4, Error::kCrc},  {5, Error::kTruncated}, {6, std::nullopt}};
  for (std::size_t i = 0; i < want.size(); i++) {
    const Found& f = s.found[i];
    EXPECT_EQ(f.slot, want[i].first) << i;
    EXPECT_EQ(f.offset, slot_at(want[i].first)) << i;
    EXPECT_EQ(f.error, want[i].second) << i << " " << f.message;
    EXPECT_EQ(f.record.has_value(), !want[i].second) << i;
  }
  EXPECT_EQ(s.found[1].message, "torn: the write of record 4 did not finish");
  EXPECT_EQ(s.found[2].message, "not an LCRT record (first word 0x5a5a5a5a)");
  EXPECT_EQ(newest(s.found)->record->seq, 7U);
}

TEST(Scan, ASlotCutByTheEndOfTheImageIsReadAsFarAsItGoes) {
  RegionSpec r;
  r.nslots = 4;
  const Bytes full = make_region(r, {make_record(seq_spec(1)), make_record(seq_spec(2))});
  // The image ends in slot 1's record: truncated; slots 2 and 3 missing.
  const std::size_t cut = LCRT_REGION_SLOTS + 1024 + 100;
  Scan s = scan(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
  ASSERT_TRUE(s.region);
  EXPECT_EQ(s.slots_missing, 2U);
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_TRUE(s.found[0].record);
  EXPECT_EQ(s.found[1].slot, 1U);
  EXPECT_EQ(s.found[1].error, Error::kTruncated);
  EXPECT_TRUE(has(s.found[1].message, "record truncated: 100 of ")) << s.found[1].message;
  // Cut after its record: the record is whole.
  const std::size_t after = LCRT_REGION_SLOTS + 1024 + 512;
  s = scan(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(after)));
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_TRUE(s.found[1].record);
  // Cut within the first word of a slot.
  s = scan(Bytes(full.begin(), full.begin() + LCRT_REGION_SLOTS + 1024 + 2));
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_EQ(s.found[1].error, Error::kTruncated);
  EXPECT_EQ(s.found[1].message, "slot truncated: 2 of 1024 bytes");
}

TEST(Scan, AFollowUpIsJoinedToTheRecordItContinues) {
  const Bytes slot = with_followup(make_record(seq_spec(5, "Oops, err 0x81b")), followup(5));
  for (const Bytes& img : {make_region(RegionSpec{}, {slot}), slot}) {
    const Scan s = scan(img);
    ASSERT_EQ(s.found.size(), 1U);
    const Found& f = s.found[0];
    ASSERT_TRUE(f.record);
    ASSERT_TRUE(f.followup);
    EXPECT_FALSE(f.followup_error);
    EXPECT_EQ(f.record->reason, "Oops, err 0x81b");
    EXPECT_EQ(f.followup->reason, "Fatal exception");
    EXPECT_EQ(f.followup_offset - f.offset, (f.record->total_size + 7) & ~7U);
    EXPECT_EQ(f.size(), slot.size());
    EXPECT_EQ(joined_reason(f), "Fatal exception (after Oops, err 0x81b)");
    EXPECT_EQ(newest(s.found), &f);
  }
}

TEST(Scan, ATornFollowUpLeavesTheRecordAsItWasWithANote) {
  Bytes torn_followup = pending(followup(5));
  const Bytes slot = with_followup(make_record(seq_spec(5, "Oops")), torn_followup);
  for (const Bytes& img : {make_region(RegionSpec{}, {slot}), slot}) {
    const Scan s = scan(img);
    ASSERT_EQ(s.found.size(), 1U);
    const Found& f = s.found[0];
    ASSERT_TRUE(f.record);
    EXPECT_FALSE(f.followup);
    EXPECT_EQ(f.followup_error, Error::kTorn);
    EXPECT_EQ(f.followup_message, "torn: the write of record 5 did not finish");
    EXPECT_EQ(joined_reason(f), "Oops");
  }
  // In a slot, whatever follows the record is its follow-up's: a damaged one
  // is a note too, and so is a follow-up of another seq.
  Bytes damaged = followup(5);
  damaged[50] ^= 1;
  for (const Bytes& after : {damaged, followup(6)}) {
    const Scan s =
        scan(make_region(RegionSpec{}, {with_followup(make_record(seq_spec(5)), after)}));
    ASSERT_EQ(s.found.size(), 1U);
    EXPECT_TRUE(s.found[0].record);
    EXPECT_FALSE(s.found[0].followup);
    EXPECT_TRUE(s.found[0].followup_error);
  }
}

TEST(Scan, AFollowUpAloneIsAnOrphanNeverARecord) {
  const Bytes img = make_region(RegionSpec{}, {make_record(seq_spec(3)), followup(9)});
  const Scan s = scan(img);
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_FALSE(s.found[1].record);
  EXPECT_EQ(s.found[1].error, Error::kOrphan);
  EXPECT_EQ(s.found[1].message,
            "orphan follow-up of record 9: the record it continues is not there");
  // Never the newest, though its seq is higher.
  EXPECT_EQ(newest(s.found)->record->seq, 3U);
  // Without a region header too, and one after a record of another seq.
  const Scan raw = scan(with_followup(make_record(seq_spec(3)), followup(9)));
  ASSERT_EQ(raw.found.size(), 2U);
  EXPECT_TRUE(raw.found[0].record);
  EXPECT_FALSE(raw.found[0].followup);
  EXPECT_EQ(raw.found[1].error, Error::kOrphan);
  EXPECT_EQ(newest(raw.found)->record->seq, 3U);
  EXPECT_EQ(newest(scan(followup(4)).found), nullptr);
}

TEST(Scan, RecordsBackToBackWithoutARegionHeaderAreNotFollowUps) {
  const Bytes img = with_followup(make_record(seq_spec(3)), make_record(seq_spec(4)));
  const Scan s = scan(img);
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_FALSE(s.found[0].followup);
  EXPECT_FALSE(s.found[0].followup_error);
  EXPECT_EQ(s.found[1].record->seq, 4U);
}

// A record the arm kernel really wrote (LKDTM EXCEPTION under QEMU), kept
// as captured from /sys/kernel/lcrt/record, but for its version field: it
// was written as version 1 and moved to 1.0 (0x0100) with its CRC made
// right again, nothing else changed:
//   python3 -c "import struct,zlib;p='arm-exception.rec';b=bytearray(open(p,'rb').read());
//   struct.pack_into('<H',b,8,0x0100);t=struct.unpack_from('<I',b,12)[0];
//   struct.pack_into('<I',b,4,zlib.crc32(bytes(b[8:t])));open(p,'wb').write(b)"
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
  EXPECT_EQ(r.version, 0x0100);
}

// Linearity: images made to have a scan read the same bytes again and again.
// The bound is on the bytes read (Scan::bytes_read), not on time; the time
// is printed, as a benchmark.
constexpr std::size_t kMiB = std::size_t{1} << 20;

// A record header at at claiming LCRT_MAX_RECORD_SIZE bytes and a wrong CRC.
void claim(Bytes& img, std::size_t at, std::uint64_t seq = 0, std::uint16_t flags = 0) {
  test::Writer w;
  w.le(LCRT_MAGIC, 4).le(0, 4).le(LCRT_VERSION, 2).le(32, 2).le(LCRT_MAX_RECORD_SIZE, 4);
  w.le(seq, 8).le(0, 4).u8(1).u8(4).le(flags, 2);
  std::copy(w.bytes().begin(), w.bytes().end(), img.begin() + static_cast<std::ptrdiff_t>(at));
}

Scan timed_scan(const Bytes& img, const char* what) {
  const auto t0 = std::chrono::steady_clock::now();
  Scan s = scan(img);
  const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - t0;
  std::printf("[ bench    ] scan of %zu KiB (%s): %.1f ms, %zu bytes read\n", img.size() >> 10,
              what, ms.count(), s.bytes_read);
  return s;
}

TEST(ScanIsLinear, ClaimsOfTheLargestRecordWithAWrongCrcOnEveryBoundary) {
  Bytes img(kMiB, 0);
  for (std::size_t at = 0; at + 32 <= img.size(); at += 32) claim(img, at);
  const Scan s = timed_scan(img, "a record header every 32 bytes");
  EXPECT_EQ(s.found.size(), img.size() / 32);
  for (const Found& f : s.found) ASSERT_TRUE(f.error) << f.offset;
  EXPECT_LE(s.bytes_read, 4 * img.size());
}

TEST(ScanIsLinear, RecordsEachFollowedByAFollowUpWithAWrongCrc) {
  Bytes img(kMiB, 0);
  std::size_t at = 0;
  std::uint64_t seq = 1;
  for (;; seq++) {
    const Bytes rec = make_record(seq_spec(seq));
    const std::size_t next = at + ((rec.size() + 7) & ~std::size_t{7});
    if (next + 32 + 32 > img.size()) break;
    std::copy(rec.begin(), rec.end(), img.begin() + static_cast<std::ptrdiff_t>(at));
    claim(img, next, seq, LCRT_F_FOLLOWUP);  // it runs over the records after it
    at = next + 32;
  }
  const Scan s = timed_scan(img, "records with a torn follow-up each");
  ASSERT_EQ(s.found.size(), seq - 1);
  for (const Found& f : s.found) {
    ASSERT_TRUE(f.record) << f.offset;
    ASSERT_TRUE(f.followup_error == Error::kCrc || f.followup_error == Error::kTruncated)
        << f.offset;
  }
  EXPECT_LE(s.bytes_read, 4 * img.size());
}

TEST(ScanIsLinear, NothingButZeroesOrNoise) {
  Bytes img(kMiB, 0);
  EXPECT_TRUE(timed_scan(img, "zeroes").found.empty());
  EXPECT_LE(scan(img).bytes_read, img.size());
  std::uint32_t x = 1;
  for (auto& b : img) b = static_cast<std::uint8_t>((x = x * 1103515245 + 12345) >> 16);
  EXPECT_LE(timed_scan(img, "noise").bytes_read, 4 * img.size());
}

}  // namespace
}  // namespace lcrt
