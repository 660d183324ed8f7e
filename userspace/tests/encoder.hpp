// A test-side writer of LCRT records, written from the uapi header's text
// (not from the kernel encoder), to build inputs for the decoder tests.
#pragma once

#include <linux/lcrt.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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
  std::uint16_t version = LCRT_VERSION;
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
  std::vector<Module> modules;     // LCRT_SEC_MODULES, when not empty
  std::optional<Culprit> culprit;  // LCRT_SEC_CULPRIT, after the frames
  std::optional<Blocked> blocked;  // LCRT_SEC_BLOCKED, after the kernel
  std::vector<Cpu> cpus;           // LCRT_SEC_CPU each, after the modules
  std::optional<Boot> boot;        // LCRT_SEC_BOOT, after the kernel
  // LCRT_SEC_LOAD, after the boot: before the modules it gives addresses
  // of, which the decoder checks once it has read them.
  std::optional<Load> load;
  // LCRT_SEC_EXACT is written when a frame is exact, LCRT_SEC_REPEATS when
  // one has repeats (after the exact one). A Cpu's frames' exact and
  // repeats are not written: the state says which is exact.
  std::vector<std::pair<std::uint8_t, Bytes>> extra;  // more sections
};

// A whole sealed, committed record.
Bytes make_record(const Spec& s);
// A record of the defaults but its seq.
Bytes record(std::uint64_t seq);
// (slot, seq) of every valid record scan() finds in a region image; the
// slot kNoSlot where the image has no region header to number slots.
inline constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
std::vector<std::pair<std::size_t, std::uint64_t>> slots_and_seqs(const Bytes& image);
// Recompute the CRC after a test edited the bytes.
void reseal(Bytes& rec);
// The record as a cut write leaves it: LCRT_MAGIC_PENDING for its magic.
Bytes pending(Bytes rec);
// A record and its follow-up at the first 8-byte boundary after it.
Bytes with_followup(Bytes first, const Bytes& followup);

// A struct lcrt_region_header copy.
struct RegionSpec {
  std::uint32_t magic = LCRT_REGION_MAGIC;
  std::uint16_t version = LCRT_REGION_VERSION;
  std::uint16_t header_size = sizeof(lcrt_region_header);
  std::uint32_t slot_size = 1024;
  std::uint32_t nslots = 3;
  std::uint8_t policy = 0;
  std::uint64_t generation = 1;
  std::uint64_t next_seq = 9;
  std::uint64_t boot_count = 5;
  std::uint64_t dropped = 2;
};
// One copy, LCRT_REGION_HDR_SIZE bytes, its CRC right.
Bytes region_header(const RegionSpec& r);
// A region image: the header twice (second: the copy at offset 64, when
// given), then r.nslots slots, slots[i] at the start of slot i (zeroes
// after it and in the slots not given).
Bytes make_region(const RegionSpec& r, const std::vector<Bytes>& slots,
                  const RegionSpec* second = nullptr);

// The command line tool (LCRT_BINARY), run as a user would: exit status and
// standard output and error together. env: "NAME=value ..." for its
// environment (the shell's words); DEBUGINFOD_URLS is never the tests'.
struct CliResult {
  int status;
  std::string out;
};
CliResult lcrt_cli(const std::string& args, const std::string& env = "");

// lcrt as a user runs it, its standard output and error apart.
struct CliOutput {
  int status = -1;
  std::string out;
  std::string err;
};
CliOutput lcrt_apart(const std::string& args);

// The words of each line of text.
std::vector<std::vector<std::string>> words_of_lines(const std::string& text);

// A file of the test's temporary directory holding b; its path.
std::string write_temp(const std::string& name, const Bytes& b);

// Does text hold what?
// The CRC-32 signature of these names, computed here as the README says.
std::string crc_of(const std::vector<std::string>& names);

// What decoding this record says (a sections error), or "" when it decodes.
std::string decode_error(const Bytes& b);

inline bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace lcrt::test
