// libFuzzer: one record through lcrt::decode(), then the renderers. Only a
// DecodeError is an answer; anything else escaping is a bug to report.
//
// A mutated record almost never keeps its CRC, so each input is decoded as it
// is (the CRC check) and again with its CRC made right (everything past it).
#include <cstddef>
#include <cstdint>

#include "lcrt/record.hpp"
#include "render.hpp"

namespace {

void decode_and_render(const std::uint8_t* data, std::size_t size) {
  lcrt::Record rec;
  try {
    rec = lcrt::decode(data, size);
  } catch (const lcrt::DecodeError&) {
    return;
  }
  lcrt::fuzz::render(rec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  decode_and_render(data, size);
  lcrt::Bytes sealed(data, data + size);
  if (lcrt::fuzz::reseal(sealed, 0)) decode_and_render(sealed.data(), sealed.size());
  return 0;
}
