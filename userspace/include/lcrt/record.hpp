// The LCRT crash record, decoded. The format is include/uapi/linux/lcrt.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lcrt {

using Bytes = std::vector<std::uint8_t>;

// Why a record could not be decoded. Each maps to one clear message.
enum class Error {
  kNoRecord,   // no magic: an empty or erased slot
  kTruncated,  // the input ends before the record does
  kVersion,    // a format version this tool does not know
  kSize,       // header or total size out of bounds
  kCrc,        // the CRC does not match: torn or damaged
  kSections,   // the sections do not tile the record
};

const char* to_string(Error e);

class DecodeError : public std::runtime_error {
 public:
  DecodeError(Error code, const std::string& what) : std::runtime_error(what), code_(code) {}
  Error code() const { return code_; }

 private:
  Error code_;
};

struct Frame {
  std::uint64_t pc = 0;
  std::uint64_t offset = 0;  // of pc in its function
  std::uint64_t size = 0;    // of the function; 0 when unknown
  std::string name;          // empty when the kernel had no symbols
  bool exact = false;        // pc is where the CPU was, not a return address
};

struct Event {
  std::uint8_t kind = 0;     // LCRT_EV_*
  std::uint8_t context = 0;  // LCRT_CTX_*
  std::uint64_t cpu = 0;
  std::uint64_t pid = 0;
  std::uint64_t preempt_count = 0;
  std::uint64_t taint = 0;
  std::uint64_t uptime_ns = 0;
  std::string comm;
};

// A window of one frame's own stack words, lowest address first.
struct Window {
  std::uint64_t frame = 0;  // index into Record::frames
  std::uint64_t addr = 0;
  std::vector<std::uint64_t> words;
};

// A module that holds functions of the frames (LCRT_SEC_MODULES).
struct Module {
  std::string name;  // as in "func [name]"
  Bytes build_id;    // empty when the kernel did not know it
};

struct Section {
  std::uint8_t type = 0;
  std::size_t size = 0;
};

struct Record {
  std::uint16_t version = 0;
  std::uint32_t total_size = 0;
  std::uint32_t crc = 0;  // the header's CRC-32, as checked
  std::uint64_t seq = 0;
  std::uint32_t capture_ns = 0;
  std::uint8_t arch = 0;
  std::uint8_t word_size = 0;
  std::uint16_t flags = 0;

  std::optional<Event> event;
  std::optional<std::string> reason;
  std::optional<std::string> release;
  Bytes build_id;

  bool has_frames = false;
  std::uint8_t unwinder = 0;
  std::uint8_t stop = 0;
  std::uint64_t frames_dropped = 0;
  std::vector<Frame> frames;

  std::vector<std::uint64_t> regs;  // in the uapi order of the arch
  std::vector<Window> windows;
  std::vector<Module> modules;

  std::vector<Section> unknown;  // sections of types this tool does not know
};

// Decode one record at the start of data. Throws DecodeError.
Record decode(const std::uint8_t* data, std::size_t len);
inline Record decode(const Bytes& b) { return decode(b.data(), b.size()); }

// The CRC-32 a record must carry (zlib's, over [LCRT_CRC_OFFSET, total)).
std::uint32_t record_crc(const std::uint8_t* data, std::size_t total);

// A slot of a region image: a record, or why the bytes there are not one.
struct Found {
  std::size_t offset = 0;
  std::optional<Record> record;
  std::optional<Error> error;
  std::string message;
};

// Every record in a region image (or a single record). Records start on
// 8-byte boundaries, the slot alignment the kernel guarantees. Corrupt
// records (magic present, checks failed) are returned with their error.
std::vector<Found> scan(const Bytes& image);

// The newest valid record of a scan (highest sequence number), or nullptr.
const Found* newest(const std::vector<Found>& found);

// Lowercase hex digits of bytes (a build-id).
std::string hex_bytes(const Bytes& b);

const char* event_name(std::uint8_t kind);
const char* context_name(std::uint8_t ctx);
const char* stop_name(std::uint8_t stop);
const char* unwinder_name(std::uint8_t unwinder);
const char* arch_name(std::uint8_t arch);
// The names of the registers of arch, in LCRT_SEC_REGS order (empty if unknown).
std::vector<std::string> register_names(std::uint8_t arch);

}  // namespace lcrt
