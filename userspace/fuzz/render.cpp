#include "render.hpp"

#include <linux/lcrt.h>

#include <cstdio>
#include <cstdlib>
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

// The length of the strict UTF-8 (RFC 3629) sequence at s[i], or 0: no
// overlong form, surrogate or code point past U+10FFFF, and no C1 control.
std::size_t sequence(const std::string& s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    lo = c == 0xc2 ? 0xa0 : lo;  // U+0080..U+009F: C1 controls
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    lo = c == 0xe0 ? 0xa0 : lo;
    hi = c == 0xed ? 0x9f : hi;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    lo = c == 0xf0 ? 0x90 : lo;
    hi = c == 0xf4 ? 0x8f : hi;
  }
  if (n == 0 || i + n > s.size()) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if (c1 < lo || c1 > hi) return 0;
  for (std::size_t k = 2; k < n; k++)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  return n;
}

// Text a terminal can take: strict UTF-8, no control character but '\n'.
bool clean_text(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = sequence(s, i);
      if (n == 0) return false;
      i += n;
    } else {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
      i++;
    }
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
