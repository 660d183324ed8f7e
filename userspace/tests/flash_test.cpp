// Dumps of LCRT's NOR flash partition (struct lcrt_flash_block per erase
// block), written here from the uapi header's text.
#include "lcrt/flash.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <zlib.h>

#include <cstdint>
#include <string>

#include "encoder.hpp"
#include "lcrt/record.hpp"

namespace lcrt {
namespace {

constexpr std::size_t kBlock = 8192;
constexpr std::size_t kSlot = 1024;
constexpr std::size_t kSlots = 4;

void put(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Block b's header at its start, as the kernel programs it after an erase.
void format(Bytes& dump, std::size_t base, std::uint32_t b, std::uint32_t nblocks,
            std::uint64_t next_seq) {
  const std::size_t at = base + std::size_t{b} * kBlock;
  test::Writer w;
  w.le(LCRT_FLASH_MAGIC, 4).le(0, 4).le(LCRT_FLASH_VERSION, 2).le(sizeof(lcrt_flash_block), 2);
  w.le(kBlock, 4).le(b, 4).le(nblocks, 4).le(kSlot, 4).le(kSlots, 4).le(next_seq, 8).le(3, 4);
  w.le(0, 4);
  Bytes h = w.bytes();
  ASSERT_EQ(h.size(), sizeof(lcrt_flash_block));
  const auto crc = crc32(0L, h.data() + LCRT_CRC_OFFSET, h.size() - LCRT_CRC_OFFSET);
  put(h, 4, crc, 4);
  std::copy(h.begin(), h.end(), dump.begin() + static_cast<std::ptrdiff_t>(at));
}

// A record in slot s of block b.
void place(Bytes& dump, std::size_t base, std::uint32_t b, std::uint32_t s, const Bytes& rec) {
  const std::size_t at = base + std::size_t{b} * kBlock + LCRT_FLASH_BLOCK_HDR + s * kSlot;
  std::copy(rec.begin(), rec.end(), dump.begin() + static_cast<std::ptrdiff_t>(at));
}

Bytes erased(std::size_t n) {
  Bytes b(n, 0xff);  // not Bytes{n, 0xff}: two bytes
  return b;
}

using test::record;
using test::slots_and_seqs;

TEST(FlashRegion, EveryFormattedBlockGivesItsSlotsInOrder) {
  Bytes dump = erased(2 * kBlock);
  format(dump, 0, 0, 2, 1);
  format(dump, 0, 1, 2, 4);
  place(dump, 0, 0, 0, record(1));
  place(dump, 0, 1, 2, record(3));
  const auto image = flash_region(dump);
  ASSERT_TRUE(image);
  const auto region = read_region(*image);
  ASSERT_TRUE(region);
  EXPECT_EQ(region->slot_size, kSlot);
  EXPECT_EQ(region->nslots, 2 * kSlots);
  // The highest floor of the blocks is the region's next_seq.
  EXPECT_EQ(region->next_seq, 4U);
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{0, 1}, {kSlots + 2, 3}};
  EXPECT_EQ(slots_and_seqs(*image), want);
  // Erased slots (0xff) are empty, not corrupt.
  for (const auto& f : scan(*image).found) EXPECT_FALSE(f.error) << f.message;
}

TEST(FlashRegion, ABlockWithoutItsHeaderHoldsNoSlot) {
  Bytes dump = erased(2 * kBlock);
  format(dump, 0, 1, 2, 1);
  // Block 0 is being erased: its header is gone, old bytes are left.
  place(dump, 0, 0, 0, record(1));
  place(dump, 0, 1, 0, record(2));
  const auto image = flash_region(dump);
  ASSERT_TRUE(image);  // found from block 1's header
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{kSlots, 2}};
  EXPECT_EQ(slots_and_seqs(*image), want);
}

TEST(FlashRegion, AWholeChipDumpNeedsThePartitionsOffset) {
  constexpr std::size_t base = std::size_t{3} * 4096;
  Bytes dump = erased(base + 2 * kBlock);
  std::fill(dump.begin(), dump.begin() + base, 0x5a);
  format(dump, base, 0, 2, 1);
  format(dump, base, 1, 2, 1);
  place(dump, base, 0, 1, record(5));
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{1, 5}};
  ASSERT_TRUE(flash_region(dump, base));
  EXPECT_EQ(slots_and_seqs(*flash_region(dump, base)), want);
  // Found without the offset too (on a 4 KiB boundary), but not at
  // another offset: block 0 would lie before it.
  ASSERT_TRUE(flash_region(dump));
  EXPECT_EQ(slots_and_seqs(*flash_region(dump)), want);
  EXPECT_FALSE(flash_region(dump, base - 4096));
  EXPECT_FALSE(flash_region(dump, base + 4096));
}

TEST(FlashRegion, NotAFlashDump) {
  Bytes dump = erased(2 * kBlock);
  EXPECT_FALSE(flash_region(dump));
  format(dump, 0, 0, 2, 1);
  dump[20] ^= 1;  // a flipped bit in the header: its CRC fails
  EXPECT_FALSE(flash_region(dump));
  // A geometry whose slots do not fit the block.
  Bytes big = erased(2 * kBlock);
  format(big, 0, 0, 2, 1);
  put(big, offsetof(lcrt_flash_block, nslots), 9, 4);
  const auto crc =
      crc32(0L, big.data() + LCRT_CRC_OFFSET, sizeof(lcrt_flash_block) - LCRT_CRC_OFFSET);
  put(big, 4, crc, 4);
  EXPECT_FALSE(flash_block(big, 0));
  EXPECT_FALSE(flash_region(Bytes(100, 0xff)));
}

TEST(FlashRegion, AHeaderNeverMakesTheImageBiggerThanTheDump) {
  // One valid header that claims 0xffff slots of 64 KiB: the image holds
  // what the dump holds, not gigabytes.
  Bytes dump = erased(kBlock);
  format(dump, 0, 0, 1, 1);
  put(dump, offsetof(lcrt_flash_block, nblocks), 0x3fff, 4);
  put(dump, offsetof(lcrt_flash_block, block_size), 0x40000000, 4);
  put(dump, offsetof(lcrt_flash_block, slot_size), LCRT_MAX_RECORD_SIZE, 4);
  put(dump, offsetof(lcrt_flash_block, nslots), 4, 4);
  const auto crc =
      crc32(0L, dump.data() + LCRT_CRC_OFFSET, sizeof(lcrt_flash_block) - LCRT_CRC_OFFSET);
  put(dump, 4, crc, 4);
  const auto image = flash_region(dump);
  ASSERT_TRUE(image);
  EXPECT_LE(image->size(), LCRT_REGION_SLOTS + dump.size());
  EXPECT_EQ(read_region(*image)->nslots, 0x3fffU * 4);
}

TEST(FlashRegion, ATruncatedDumpSaysWhereItEnds) {
  Bytes dump = erased(2 * kBlock);
  format(dump, 0, 0, 2, 1);
  format(dump, 0, 1, 2, 1);
  place(dump, 0, 0, 1, record(3));
  dump.resize(kBlock + LCRT_FLASH_BLOCK_HDR + kSlot + 10);  // in block 1's second slot
  const auto image = flash_region(dump);
  ASSERT_TRUE(image);
  const Scan s = scan(*image);
  EXPECT_EQ(s.slots_missing, kSlots - 2);
  const std::vector<std::pair<std::size_t, std::uint64_t>> want{{1, 3}};
  EXPECT_EQ(slots_and_seqs(*image), want);
}

TEST(FlashRegion, AClearedSlotKeepsItsNumberUsed) {
  // A clear programs the first word to 0 and keeps the header: record 9's
  // number is never given again, whatever the blocks' floor says.
  Bytes dump = erased(2 * kBlock);
  format(dump, 0, 0, 2, 2);
  format(dump, 0, 1, 2, 2);
  Bytes gone = record(9);
  put(gone, 0, 0, 4);
  place(dump, 0, 1, 3, gone);
  const auto region = read_region(*flash_region(dump));
  EXPECT_EQ(region->next_seq, 10U);
  EXPECT_EQ(region->medium, LCRT_MEDIUM_FLASH);
}

TEST(FlashMagic, ACutProgramReadsTornNeverAsAnotherRecord) {
  EXPECT_EQ(magic_kind(0), Magic::kEmpty);
  EXPECT_EQ(magic_kind(LCRT_MAGIC_BLANK), Magic::kEmpty);
  EXPECT_EQ(magic_kind(LCRT_MAGIC), Magic::kRecord);
  EXPECT_EQ(magic_kind(LCRT_MAGIC_PENDING), Magic::kTorn);
  EXPECT_EQ(magic_kind(LCRT_MAGIC_NOR_PENDING), Magic::kTorn);
  // The commit programs LCRT_MAGIC over the mark: a cut after one byte.
  const std::uint32_t commit_cut = (LCRT_MAGIC_NOR_PENDING & 0xffffff00U) | (LCRT_MAGIC & 0xffU);
  EXPECT_EQ(magic_kind(commit_cut, true), Magic::kTorn);
  // The mark programmed over the erased word: a cut after two bytes.
  const std::uint32_t mark_cut = 0xffff0000U | (LCRT_MAGIC_NOR_PENDING & 0xffffU);
  EXPECT_EQ(magic_kind(mark_cut, true), Magic::kTorn);
  // In NVRAM the same words are garbage, not torn records.
  EXPECT_EQ(magic_kind(commit_cut), Magic::kOther);
  EXPECT_EQ(magic_kind(mark_cut), Magic::kOther);
  EXPECT_EQ(magic_kind(0x12345678U), Magic::kOther);
  EXPECT_EQ(magic_kind(LCRT_MAGIC & ~4U), Magic::kOther);  // a bit of the magic lost
}

TEST(FlashMagic, AMarkOnFlashSaysItsSeq) {
  // The mark programs the magic, version, header size and seq only.
  Bytes slot = erased(kSlot);
  put(slot, 0, LCRT_MAGIC_NOR_PENDING, 4);
  put(slot, offsetof(lcrt_record_header, version), LCRT_VERSION, 2);
  put(slot, offsetof(lcrt_record_header, header_size), sizeof(lcrt_record_header), 2);
  put(slot, offsetof(lcrt_record_header, seq), 6, 8);
  try {
    decode(slot);
    FAIL() << "a mark decoded";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kTorn);
    EXPECT_NE(std::string(e.what()).find("record 6"), std::string::npos) << e.what();
  }
  // In a region: torn, in its slot, and no follow-up read in the erased rest.
  Bytes dump = erased(2 * kBlock);
  format(dump, 0, 0, 2, 1);
  format(dump, 0, 1, 2, 1);
  place(dump, 0, 0, 0, record(5));
  place(dump, 0, 0, 1, slot);
  const auto found = scan(*flash_region(dump)).found;
  ASSERT_EQ(found.size(), 2U);
  EXPECT_TRUE(found[0].record);
  EXPECT_FALSE(found[0].followup_error);
  EXPECT_EQ(found[1].error, Error::kTorn);
  EXPECT_EQ(found[1].header_seq, 6U);
}

}  // namespace
}  // namespace lcrt
