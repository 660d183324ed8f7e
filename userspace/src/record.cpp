// Decoding LCRT records, following include/uapi/linux/lcrt.h.
#include "lcrt/record.hpp"

#include <linux/lcrt.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>

namespace lcrt {
namespace {

constexpr std::size_t kHeaderSize = sizeof(lcrt_record_header);
constexpr std::size_t kSectionSize = sizeof(lcrt_section);
static_assert(kHeaderSize == 32, "the v1 header is 32 bytes");
static_assert(kSectionSize == 4, "a section header is 4 bytes");

std::uint64_t le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; i++) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

// A bounded reader over one section's payload.
class Reader {
 public:
  Reader(const std::uint8_t* p, std::size_t len, std::uint8_t type)
      : p_(p), len_(len), type_(type) {}

  bool at_end() const { return pos_ == len_; }
  std::size_t remaining() const { return len_ - pos_; }

  const std::uint8_t* bytes(std::size_t n) {
    if (n > len_ - pos_) fail("ends early");
    const std::uint8_t* r = p_ + pos_;
    pos_ += n;
    return r;
  }
  std::uint8_t u8() { return *bytes(1); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int i = 0; i < LCRT_VARINT_MAX; i++) {
      const std::uint8_t b = u8();
      v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return v;
    }
    fail("has an over-long varint");
  }
  std::int64_t svarint() {
    const std::uint64_t v = varint();
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  }
  std::string str(std::size_t n) {
    const auto* b = bytes(n);
    return {reinterpret_cast<const char*>(b), n};
  }
  std::string str8() { return str(u8()); }

  [[noreturn]] void fail(const std::string& why) const {
    throw DecodeError(Error::kSections, "section type " + std::to_string(type_) + " " + why);
  }

 private:
  const std::uint8_t* p_;
  std::size_t len_;
  std::size_t pos_ = 0;
  std::uint8_t type_;
};

Event read_event(Reader& r) {
  Event e;
  e.kind = r.u8();
  e.context = r.u8();
  e.cpu = r.varint();
  e.pid = r.varint();
  e.preempt_count = r.varint();
  e.taint = r.varint();
  e.uptime_ns = r.varint();
  e.comm = r.str8();
  return e;
}

void read_frames(Reader& r, Record& rec) {
  rec.has_frames = true;
  rec.unwinder = r.u8();
  rec.stop = r.u8();
  rec.frames_dropped = r.varint();
  std::uint64_t pc = 0;
  while (!r.at_end()) {
    Frame f;
    pc += static_cast<std::uint64_t>(r.svarint());
    f.pc = rec.word_size == 4 ? (pc & 0xffffffffULL) : pc;
    f.offset = r.varint();
    f.size = r.varint();
    f.name = r.str8();
    rec.frames.push_back(std::move(f));
  }
}

// The rest of a section as whole words of the record's word size.
std::vector<std::uint64_t> read_words(Reader& r, const Record& rec) {
  if (rec.word_size != 4 && rec.word_size != 8) r.fail("needs a word size of 4 or 8");
  if (r.remaining() % rec.word_size != 0) r.fail("is not whole words");
  std::vector<std::uint64_t> words;
  while (!r.at_end()) words.push_back(le(r.bytes(rec.word_size), rec.word_size));
  return words;
}

// Frame indices, ascending; applied to the frames once every section is read.
void read_exact(Reader& r, std::vector<std::uint64_t>& exact) {
  const std::uint64_t count = r.varint();
  if (count > r.remaining()) r.fail("counts more frames than it holds");
  for (std::uint64_t i = 0; i < count; i++) {
    const std::uint64_t index = r.varint();
    if (!exact.empty() && index <= exact.back()) r.fail("has frame indices out of order");
    exact.push_back(index);
  }
}

void read_modules(Reader& r, Record& rec) {
  while (!r.at_end()) {
    Module m;
    m.name = r.str8();
    if (m.name.empty()) r.fail("has a module without a name");
    const std::uint8_t n = r.u8();
    const auto* id = r.bytes(n);
    m.build_id.assign(id, id + n);
    rec.modules.push_back(std::move(m));
  }
}

void read_section(std::uint8_t type, Reader& r, Record& rec, std::vector<std::uint64_t>& exact) {
  switch (type) {
    case LCRT_SEC_EVENT:
      rec.event = read_event(r);
      break;
    case LCRT_SEC_REASON:
      rec.reason = r.str(r.remaining());
      break;
    case LCRT_SEC_KERNEL: {
      rec.release = r.str8();
      const std::uint8_t n = r.u8();
      const auto* id = r.bytes(n);
      rec.build_id.assign(id, id + n);
      break;
    }
    case LCRT_SEC_FRAMES:
      read_frames(r, rec);
      break;
    case LCRT_SEC_REGS:
      rec.regs = read_words(r, rec);
      break;
    case LCRT_SEC_STACK: {
      Window w;
      w.frame = r.varint();
      w.addr = r.varint();
      w.words = read_words(r, rec);
      rec.windows.push_back(std::move(w));
      break;
    }
    case LCRT_SEC_EXACT:
      read_exact(r, exact);
      break;
    case LCRT_SEC_MODULES:
      read_modules(r, rec);
      break;
    default:
      break;
  }
}

}  // namespace

const char* to_string(Error e) {
  switch (e) {
    case Error::kNoRecord:
      return "no record";
    case Error::kTruncated:
      return "truncated";
    case Error::kVersion:
      return "unknown format version";
    case Error::kSize:
      return "sizes out of bounds";
    case Error::kCrc:
      return "CRC mismatch";
    case Error::kSections:
      return "malformed sections";
  }
  return "unknown error";
}

std::uint32_t record_crc(const std::uint8_t* data, std::size_t total) {
  return static_cast<std::uint32_t>(
      crc32(0L, data + LCRT_CRC_OFFSET, static_cast<uInt>(total - LCRT_CRC_OFFSET)));
}

Record decode(const std::uint8_t* data, std::size_t len) {
  if (len < 4 || le(data, 4) != LCRT_MAGIC)
    throw DecodeError(Error::kNoRecord, "no LCRT record (no magic)");
  if (len < kHeaderSize)
    throw DecodeError(Error::kTruncated, "record header truncated: " + std::to_string(len) +
                                             " of " + std::to_string(kHeaderSize) + " bytes");
  Record rec;
  const auto* h = data;
  rec.version = static_cast<std::uint16_t>(le(h + offsetof(lcrt_record_header, version), 2));
  if (rec.version != LCRT_VERSION)
    throw DecodeError(Error::kVersion, "format version " + std::to_string(rec.version) +
                                           ", this tool reads version " +
                                           std::to_string(LCRT_VERSION));
  const auto hsize = le(h + offsetof(lcrt_record_header, header_size), 2);
  rec.total_size = static_cast<std::uint32_t>(le(h + offsetof(lcrt_record_header, total_size), 4));
  if (hsize < kHeaderSize || rec.total_size < hsize || rec.total_size > LCRT_MAX_RECORD_SIZE)
    throw DecodeError(Error::kSize, "header size " + std::to_string(hsize) + " or total size " +
                                        std::to_string(rec.total_size) + " out of bounds");
  if (rec.total_size > len)
    throw DecodeError(Error::kTruncated, "record truncated: " + std::to_string(len) + " of " +
                                             std::to_string(rec.total_size) + " bytes");
  rec.crc = static_cast<std::uint32_t>(le(h + offsetof(lcrt_record_header, crc32), 4));
  if (record_crc(data, rec.total_size) != rec.crc)
    throw DecodeError(Error::kCrc, "CRC mismatch: the record is torn or damaged");

  rec.seq = le(h + offsetof(lcrt_record_header, seq), 8);
  rec.capture_ns = static_cast<std::uint32_t>(le(h + offsetof(lcrt_record_header, capture_ns), 4));
  rec.arch = h[offsetof(lcrt_record_header, arch)];
  rec.word_size = h[offsetof(lcrt_record_header, word_size)];
  rec.flags = static_cast<std::uint16_t>(le(h + offsetof(lcrt_record_header, flags), 2));

  std::vector<std::uint64_t> exact;
  std::size_t off = hsize;
  while (off < rec.total_size) {
    if (rec.total_size - off < kSectionSize)
      throw DecodeError(Error::kSections, "a section header runs past the record");
    const std::uint8_t type = data[off];
    const std::size_t size = le(data + off + 2, 2);
    if (size > rec.total_size - off - kSectionSize)
      throw DecodeError(Error::kSections,
                        "section type " + std::to_string(type) + " runs past the record");
    Reader r(data + off + kSectionSize, size, type);
    read_section(type, r, rec, exact);
    if (type > LCRT_SEC_MODULES) rec.unknown.push_back({type, size});
    off += kSectionSize + size;
  }
  for (const std::uint64_t i : exact) {
    if (i >= rec.frames.size())
      throw DecodeError(Error::kSections, "section type " + std::to_string(LCRT_SEC_EXACT) +
                                              " names frame " + std::to_string(i) + " of " +
                                              std::to_string(rec.frames.size()));
    rec.frames[i].exact = true;
  }
  return rec;
}

std::vector<Found> scan(const Bytes& image) {
  std::vector<Found> out;
  for (std::size_t off = 0; off + 4 <= image.size(); off += 8) {
    if (le(image.data() + off, 4) != LCRT_MAGIC) continue;
    Found f;
    f.offset = off;
    try {
      f.record = decode(image.data() + off, image.size() - off);
      off += ((f.record->total_size + 7) & ~std::size_t{7}) - 8;
    } catch (const DecodeError& e) {
      f.error = e.code();
      f.message = e.what();
    }
    out.push_back(std::move(f));
  }
  return out;
}

const Found* newest(const std::vector<Found>& found) {
  const Found* best = nullptr;
  for (const auto& f : found)
    if (f.record && (best == nullptr || f.record->seq > best->record->seq)) best = &f;
  return best;
}

namespace {

template <std::size_t N>
const char* name_in(const char* const (&table)[N], std::uint8_t i) {
  return i < N ? table[i] : "unknown";
}

constexpr const char* kEvents[] = LCRT_EV_NAMES;
constexpr const char* kContexts[] = LCRT_CTX_NAMES;
constexpr const char* kStops[] = LCRT_STOP_NAMES;
constexpr const char* kUnwinders[] = LCRT_UNW_NAMES;
constexpr const char* kRegsArm[] = LCRT_REGS_ARM_NAMES;
constexpr const char* kRegsArm64[] = LCRT_REGS_ARM64_NAMES;
constexpr const char* kRegsX86_64[] = LCRT_REGS_X86_64_NAMES;
static_assert(std::size(kRegsArm) == LCRT_REGS_ARM);
static_assert(std::size(kRegsArm64) == LCRT_REGS_ARM64);
static_assert(std::size(kRegsX86_64) == LCRT_REGS_X86_64);

}  // namespace

std::string hex_bytes(const Bytes& b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 0xf];
  }
  return s;
}

const char* event_name(std::uint8_t kind) { return name_in(kEvents, kind); }
const char* context_name(std::uint8_t ctx) { return name_in(kContexts, ctx); }
const char* stop_name(std::uint8_t stop) { return name_in(kStops, stop); }
const char* unwinder_name(std::uint8_t unwinder) { return name_in(kUnwinders, unwinder); }

std::vector<std::string> register_names(std::uint8_t arch) {
  switch (arch) {
    case LCRT_ARCH_ARM:
      return {std::begin(kRegsArm), std::end(kRegsArm)};
    case LCRT_ARCH_ARM64:
      return {std::begin(kRegsArm64), std::end(kRegsArm64)};
    case LCRT_ARCH_X86_64:
      return {std::begin(kRegsX86_64), std::end(kRegsX86_64)};
    default:
      return {};
  }
}

const char* arch_name(std::uint8_t arch) {
  switch (arch) {
    case LCRT_ARCH_ARM:
      return "arm";
    case LCRT_ARCH_ARM64:
      return "arm64";
    case LCRT_ARCH_X86_64:
      return "x86_64";
    default:
      return "unknown";
  }
}

}  // namespace lcrt
