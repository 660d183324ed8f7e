// libFuzzer: a region image through lcrt::scan(), as `lcrt decode --all`
// reads one (by its region header's geometry, or without one on every
// 8-byte boundary), and every entry found through the renderers.
//
// As in fuzz_decode.cpp, each image is scanned as it is and again with the
// CRC of every record in it made right.
#include <linux/lcrt.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "lcrt/record.hpp"
#include "render.hpp"

namespace {

[[noreturn]] void bad(const char* what, std::size_t offset) {
  std::fprintf(stderr, "lcrt fuzz: scan() gave %s at offset %zu\n", what, offset);
  std::abort();
}

void scan_and_render(const lcrt::Bytes& image) {
  const lcrt::Scan scan = lcrt::scan(image);
  std::size_t next = 0;  // slots are 8-byte aligned, in order, and do not overlap
  for (const auto& f : scan.found) {
    if (f.offset % 8 != 0 || f.offset < next || f.record.has_value() == f.error.has_value())
      bad("a bad slot", f.offset);
    if (f.slot.has_value() != scan.region.has_value())
      bad("a slot number without a region", f.offset);
    if (f.slot && f.offset != LCRT_REGION_SLOTS + *f.slot * std::size_t{scan.region->slot_size})
      bad("a slot not where the region puts it", f.offset);
    if (f.record && (f.record->flags & LCRT_F_FOLLOWUP) != 0) bad("a follow-up alone", f.offset);
    if (f.followup && (f.followup->seq != f.record->seq || f.followup_offset <= f.offset ||
                       f.followup_offset % 8 != 0))
      bad("a follow-up that does not continue its record", f.offset);
    if (f.offset + f.size() > image.size()) bad("a record past the image", f.offset);
    next = f.offset + std::max<std::size_t>(f.size(), 8);
    if (f.followup_error) next = std::max(next, f.followup_offset + 4);
    lcrt::fuzz::render(f, scan.region);
  }
  const lcrt::Found* best = lcrt::newest(scan.found);
  if (best != nullptr && !best->record) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lcrt::Bytes image(data, data + size);
  scan_and_render(image);
  // Last slot first: a record's CRC field lies before the bytes of any record
  // that starts later, so sealing one never breaks a later one's CRC. The
  // region header's copies cover only themselves.
  bool changed = false;
  for (std::size_t off = size & ~std::size_t{7}; off != 0;) {
    off -= 8;
    changed |= lcrt::fuzz::reseal(image, off);
  }
  for (const std::size_t off : {std::size_t{0}, std::size_t{LCRT_REGION_HDR_SIZE}})
    changed |= lcrt::fuzz::reseal_region(image, off);
  if (changed) scan_and_render(image);
  return 0;
}
