#include "lcrt/flash.hpp"

#include <linux/lcrt.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace lcrt {

namespace {

template <typename T>
T field(const Bytes& b, std::size_t at, std::size_t off) {
  return static_cast<T>(le(b.data() + at + off, sizeof(T)));
}

constexpr std::size_t kStep = 4096;  // the smallest erase block looked for

void put_le(Bytes& b, std::size_t at, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; i++) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

std::optional<FlashBlock> flash_block(const Bytes& dump, std::size_t at) {
  constexpr std::size_t size = sizeof(lcrt_flash_block);
  if (at > dump.size() || dump.size() - at < size) return std::nullopt;
  if (field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, magic)) != LCRT_FLASH_MAGIC)
    return std::nullopt;
  const auto version = field<std::uint16_t>(dump, at, offsetof(lcrt_flash_block, version));
  const auto hsize = field<std::uint16_t>(dump, at, offsetof(lcrt_flash_block, header_size));
  if (LCRT_VERSION_MAJOR(version) != LCRT_VERSION_MAJOR(LCRT_FLASH_VERSION) || hsize < size ||
      hsize > LCRT_FLASH_BLOCK_HDR)
    return std::nullopt;
  if (dump.size() - at < hsize ||
      record_crc(dump.data() + at, hsize) !=
          field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, crc32)))
    return std::nullopt;
  FlashBlock b;
  b.offset = at;
  b.block_size = field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, block_size));
  b.block = field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, block));
  b.nblocks = field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, nblocks));
  b.slot_size = field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, slot_size));
  b.nslots = field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, nslots));
  b.next_seq = field<std::uint64_t>(dump, at, offsetof(lcrt_flash_block, next_seq));
  b.erase_count = field<std::uint32_t>(dump, at, offsetof(lcrt_flash_block, erase_count));
  const bool fits = b.slot_size >= LCRT_MIN_RECORD_SIZE && b.slot_size <= LCRT_MAX_RECORD_SIZE &&
                    b.slot_size % 8 == 0 && b.nslots != 0 && b.nblocks != 0 &&
                    b.block < b.nblocks && b.block_size % 8 == 0 &&
                    std::uint64_t{b.nslots} * b.slot_size + LCRT_FLASH_BLOCK_HDR <= b.block_size &&
                    std::uint64_t{b.nblocks} * b.nslots <= 0xffff;
  if (!fits) return std::nullopt;
  return b;
}

std::optional<Bytes> flash_region(const Bytes& dump, std::optional<std::size_t> offset) {
  // The first valid block header says the geometry and where block 0 is.
  std::optional<FlashBlock> first;
  const std::size_t from = offset.value_or(0);
  for (std::size_t at = from; at < dump.size(); at += kStep) {
    const auto b = flash_block(dump, at);
    if (!b) continue;
    // Where the block lies in its partition: the partition starts at or
    // after from (at offset exactly, when one is given).
    const std::uint64_t into = std::uint64_t{b->block} * b->block_size;
    if (into > at - from || (offset && into != at - from)) continue;
    first = b;
    break;
  }
  if (!first) return std::nullopt;
  const std::size_t base = first->offset - std::size_t{first->block} * first->block_size;
  const std::size_t slots = std::size_t{first->nblocks} * first->nslots;
  const std::size_t len = std::size_t{first->nslots} * first->slot_size;  // a block's slots
  // The image holds what the dump holds: a truncated dump gives fewer slots
  // than the header says (scan() says where the image ends), and a header
  // never makes the image bigger than the dump.
  Bytes image(LCRT_REGION_SLOTS, 0);
  std::uint64_t next_seq = 1;
  for (std::uint32_t i = 0; i < first->nblocks; i++) {
    const std::uint64_t at = base + std::uint64_t{i} * first->block_size;
    if (at + LCRT_FLASH_BLOCK_HDR >= dump.size()) break;
    const auto src = static_cast<std::size_t>(at) + LCRT_FLASH_BLOCK_HDR;
    const std::size_t have = std::min(len, dump.size() - src);
    image.resize(LCRT_REGION_SLOTS + i * len + have, 0xff);
    const auto b = flash_block(dump, static_cast<std::size_t>(at));
    if (!b || b->block != i || b->block_size != first->block_size ||
        b->slot_size != first->slot_size || b->nslots != first->nslots)
      continue;  // being erased, never formatted: no slot
    next_seq = std::max(next_seq, b->next_seq);
    const auto* from = dump.data() + src;
    std::copy_n(from, have,
                image.begin() + static_cast<std::ptrdiff_t>(LCRT_REGION_SLOTS + i * len));
    // A cleared slot (first word 0) keeps its header: its seq is not reused.
    for (std::size_t k = 0; k + sizeof(lcrt_record_header) <= have; k += first->slot_size) {
      const std::uint8_t* slot = from + k;
      const auto seq = le(slot, 4) == 0
                           ? header_seq(slot, std::min<std::size_t>(first->slot_size, have - k))
                           : std::nullopt;
      if (seq && *seq < UINT64_MAX / 2) next_seq = std::max(next_seq, *seq + 1);
    }
  }
  // The region header the kernel keeps in memory: copy 0, generation 1.
  put_le(image, offsetof(lcrt_region_header, magic), LCRT_REGION_MAGIC, 4);
  put_le(image, offsetof(lcrt_region_header, version), LCRT_REGION_VERSION, 2);
  put_le(image, offsetof(lcrt_region_header, header_size), sizeof(lcrt_region_header), 2);
  put_le(image, offsetof(lcrt_region_header, slot_size), first->slot_size, 4);
  put_le(image, offsetof(lcrt_region_header, nslots), slots, 4);
  image[offsetof(lcrt_region_header, medium)] = LCRT_MEDIUM_FLASH;
  put_le(image, offsetof(lcrt_region_header, generation), 1, 8);
  put_le(image, offsetof(lcrt_region_header, next_seq), next_seq, 8);
  put_le(image, offsetof(lcrt_region_header, crc32),
         record_crc(image.data(), sizeof(lcrt_region_header)), 4);
  return image;
}

}  // namespace lcrt
