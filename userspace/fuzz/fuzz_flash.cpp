// libFuzzer: a dump of LCRT's flash partition through lcrt::flash_region(),
// as `lcrt decode` reads one (found on a 4 KiB boundary, or at the offset
// the input's first byte names in 4 KiB steps), then the region image it
// makes through lcrt::scan() and the renderers.
#include <linux/lcrt.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "lcrt/flash.hpp"
#include "lcrt/record.hpp"
#include "render.hpp"

namespace {

[[noreturn]] void bad(const char* what) {
  std::fprintf(stderr, "lcrt fuzz: flash_region() gave %s\n", what);
  std::abort();
}

void check(const lcrt::Bytes& dump, std::optional<std::size_t> offset) {
  const auto image = lcrt::flash_region(dump, offset);
  if (!image) return;
  const auto region = lcrt::read_region(*image);
  if (!region) bad("an image without a valid region header");
  if (region->medium != LCRT_MEDIUM_FLASH) bad("a region not on flash");
  if (image->size() > LCRT_REGION_SLOTS + std::size_t{region->nslots} * region->slot_size)
    bad("an image bigger than its geometry");
  if (image->size() > LCRT_REGION_SLOTS + dump.size()) bad("an image bigger than the dump");
  const lcrt::Scan scan = lcrt::scan(*image);
  for (const auto& f : scan.found) {
    if (!f.slot || *f.slot >= region->nslots) bad("a record outside the slots");
    lcrt::fuzz::render(f, scan.region);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const lcrt::Bytes dump(data, data + size);
  check(dump, std::nullopt);
  if (size != 0) check(dump, std::size_t{data[0]} * 4096);
  return 0;
}
