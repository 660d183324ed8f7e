// libFuzzer: a region image through lcrt::scan(), as `lcrt decode --all`
// reads one, and every record found through the renderers.
//
// As in fuzz_decode.cpp, each image is scanned as it is and again with the
// CRC of every record in it made right.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "lcrt/record.hpp"
#include "render.hpp"

namespace {

void scan_and_render(const lcrt::Bytes& image) {
  const auto found = lcrt::scan(image);
  std::size_t next = 0;  // slots are 8-byte aligned, in order, and do not overlap
  for (const auto& f : found) {
    if (f.offset % 8 != 0 || f.offset < next || f.record.has_value() == f.error.has_value()) {
      std::fprintf(stderr, "lcrt fuzz: scan() gave a bad slot at offset %zu\n", f.offset);
      std::abort();
    }
    next = f.offset + (f.record ? f.record->total_size : 8);
    if (f.record) {
      lcrt::fuzz::render(*f.record);
    } else {
      const nlohmann::ordered_json j{{"offset", f.offset}, {"error", f.message}};
      (void)j.dump();
    }
  }
  const lcrt::Found* best = lcrt::newest(found);
  if (best != nullptr && !best->record) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lcrt::Bytes image(data, data + size);
  scan_and_render(image);
  // Last slot first: a record's CRC field lies before the bytes of any record
  // that starts later, so sealing one never breaks a later one's CRC.
  bool changed = false;
  for (std::size_t off = size & ~std::size_t{7}; off != 0;) {
    off -= 8;
    changed |= lcrt::fuzz::reseal(image, off);
  }
  if (changed) scan_and_render(image);
  return 0;
}
