// A test-side writer of LCRT records, written from the uapi header's text
// (not from the kernel encoder), to build inputs for the decoder tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lcrt/record.hpp"

namespace lcrt::test {

class Writer {
 public:
  Writer& u8(std::uint8_t v);
  Writer& le(std::uint64_t v, int bytes);
  Writer& varint(std::uint64_t v);
  Writer& svarint(std::int64_t v);
  Writer& str8(const std::string& s);
  Writer& raw(const std::string& s);
  const Bytes& bytes() const { return b_; }

 private:
  Bytes b_;
};

struct Spec {
  std::uint64_t seq = 7;
  std::uint16_t version = 1;
  std::uint16_t flags = 0;
  std::uint8_t arch = 1;
  std::uint8_t word_size = 4;
  std::uint32_t capture_ns = 12345;
  Event event{2, 2, 1, 42, 0x10001, 0x80, 1500000001, "swapper"};
  std::string reason = "Fatal exception in interrupt";
  std::string release = "6.1.0-lcrt";
  Bytes build_id{0xde, 0xad, 0xbe, 0xef};
  std::vector<Frame> frames{{0xc0100010, 0x10, 0x40, "bad_irq_handler"},
                            {0xc0000ff0, 0x30, 0x100, "handle_irq_event"},
                            {0xc0200000, 0, 0, ""}};
  std::uint8_t stop = 0;
  std::uint64_t dropped = 0;
  std::vector<std::uint64_t> regs;  // LCRT_SEC_REGS, when not empty
  std::vector<Window> windows;
  std::vector<Module> modules;  // LCRT_SEC_MODULES, when not empty
  // LCRT_SEC_EXACT is written when a frame is exact.
  std::vector<std::pair<std::uint8_t, Bytes>> extra;  // more sections
};

// A whole sealed, committed record.
Bytes make_record(const Spec& s);
// Recompute the CRC after a test edited the bytes.
void reseal(Bytes& rec);

// The command line tool (LCRT_BINARY), run as a user would: exit status and
// standard output and error together.
struct CliResult {
  int status;
  std::string out;
};
CliResult lcrt_cli(const std::string& args);

// A file of the test's temporary directory holding b; its path.
std::string write_temp(const std::string& name, const Bytes& b);

// Does text hold what?
inline bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace lcrt::test
