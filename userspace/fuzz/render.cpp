#include "render.hpp"

#include <linux/lcrt.h>
#include <zlib.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "lcrt/render.hpp"
#include "lcrt/symbols.hpp"

namespace lcrt::fuzz {
namespace {

const SymbolMap& symbols() {
  static const SymbolMap kMap = [] {
    std::istringstream in(
        "c0008000 T _stext\n"
        "c0100000 T bad_irq_handler\n"
        "c0100000 t bad_irq_alias\n"
        "c0200000 t lkdtm_do_action\n"
        "c0300000 T _etext\n"
        "ffff800008010000 T el1h_64_sync\n"
        "ffff800008020000 T panic\n"
        "ffffffff81000000 T asm_exc_invalid_op\n");
    return SymbolMap::parse(in, "fuzz.map");
  }();
  return kMap;
}

[[noreturn]] void fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "lcrt fuzz: %s:\n%s\n", what, text.c_str());
  std::abort();
}

// Text a terminal can take: strict UTF-8 (checked by nlohmann-json's own
// decoder, not by a copy of the renderer's), no C0 or C1 control character
// but '\n', no DEL.
bool clean_text(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); i++) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    // In valid UTF-8, C2 80..C2 9F are U+0080..U+009F.
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return false;
  }
  return true;
}

}  // namespace

void render(const Record& rec) {
  RenderOptions opt;
  opt.symbols = &symbols();
  const std::string text = render_text(rec, opt);
  if (!clean_text(text)) fail("render_text() gave bytes a terminal should not get", text);
  const auto j = to_json(rec, opt);
  const std::string dumped = j.dump(2);  // throws on invalid UTF-8
  if (nlohmann::ordered_json::parse(dumped) != j) fail("to_json() does not read back", dumped);
}

void render(const Found& f, const std::optional<Region>& region) {
  RenderOptions opt;
  opt.symbols = &symbols();
  if (f.record) {
    render(*f.record);
    if (f.followup) render(*f.followup);
    const std::string text = render_text(f, opt);
    if (!clean_text(text))
      fail("render_text() of a Found gave bytes a terminal should not get", text);
  }
  if (region) {
    const std::string line = region_line(*region);
    if (!clean_text(line)) fail("region_line() gave bytes a terminal should not get", line);
  }
  const auto j = to_json(f, region, opt);
  const std::string dumped = j.dump(2);
  if (nlohmann::ordered_json::parse(dumped) != j) fail("to_json() does not read back", dumped);
}

bool reseal_region(Bytes& b, std::size_t off) {
  if (b.size() < off + sizeof(lcrt_region_header)) return false;
  const auto le = [&](std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; i++) v |= static_cast<std::uint32_t>(b[off + at + i]) << (8 * i);
    return v;
  };
  const std::uint32_t size = le(offsetof(lcrt_region_header, header_size), 2);
  if (le(0, 4) != LCRT_REGION_MAGIC || size < sizeof(lcrt_region_header) ||
      size > LCRT_REGION_HDR_SIZE || b.size() < off + size)
    return false;
  const auto crc = static_cast<std::uint32_t>(
      crc32(0L, b.data() + off + LCRT_CRC_OFFSET, static_cast<uInt>(size - LCRT_CRC_OFFSET)));
  if (crc == le(4, 4)) return false;
  for (int i = 0; i < 4; i++) b[off + 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return true;
}

bool reseal(Bytes& b, std::size_t off) {
  const auto le = [&](std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; i++) v |= static_cast<std::uint32_t>(b[off + at + i]) << (8 * i);
    return v;
  };
  if (b.size() < off + sizeof(lcrt_record_header) || le(0, 4) != LCRT_MAGIC) return false;
  const std::uint32_t total = le(12, 4);
  if (total < sizeof(lcrt_record_header) || total > b.size() - off) return false;
  const std::uint32_t crc = record_crc(b.data() + off, total);
  if (crc == le(4, 4)) return false;
  for (int i = 0; i < 4; i++) b[off + 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return true;
}

}  // namespace lcrt::fuzz
