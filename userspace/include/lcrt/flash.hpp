// Records on NOR flash: a dump of the MTD partition LCRT keeps them in
// (or of the whole chip, with the partition's offset), made a region image.
#pragma once

#include <cstddef>
#include <optional>

#include "lcrt/record.hpp"

namespace lcrt {

// One block header of a flash partition (struct lcrt_flash_block).
struct FlashBlock {
  std::size_t offset = 0;  // in the dump
  std::uint32_t block_size = 0;
  std::uint32_t block = 0;
  std::uint32_t nblocks = 0;
  std::uint32_t slot_size = 0;
  std::uint32_t nslots = 0;
  std::uint64_t next_seq = 0;
  std::uint32_t erase_count = 0;
};

// The valid block header at byte at of dump (magic, major version, header
// size, CRC, a geometry whose slots fit the block), or nullopt.
std::optional<FlashBlock> flash_block(const Bytes& dump, std::size_t at);

// The region image of a flash dump, as the kernel keeps it in memory: a
// region header of the blocks' geometry (the highest floor of sequence
// numbers as its next_seq), then the slots of blocks 0, 1, ... in order; a
// block without a valid header (being erased, never formatted) holds empty
// slots. The partition starts at offset, or, without one, where the first
// valid block header (looked for on every 4 KiB boundary) says it does.
// nullopt when no valid block header is found there: not a flash dump.
std::optional<Bytes> flash_region(const Bytes& dump, std::optional<std::size_t> offset = {});

}  // namespace lcrt
