// Decoding LCRT records, following include/uapi/linux/lcrt.h.
#include "lcrt/record.hpp"

#include <linux/lcrt.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

// zlib (Debian's, not instrumented) reads what the CRCs cover: under
// AddressSanitizer those bytes are read here first, by instrumented code, so
// that an over-read is caught in the tool rather than missed in zlib.
#if defined(__SANITIZE_ADDRESS__)
#define LCRT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LCRT_ASAN 1
#endif
#endif

namespace lcrt {

std::uint64_t le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; i++) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

namespace {

uLong crc32_of(uLong crc, const std::uint8_t* p, std::size_t n) {
#ifdef LCRT_ASAN
  volatile std::uint8_t sink = 0;
  for (std::size_t i = 0; i < n; i++) sink = sink ^ p[i];
#endif
  return crc32(crc, p, static_cast<uInt>(n));
}

constexpr std::size_t kHeaderSize = sizeof(lcrt_record_header);
constexpr std::size_t kSectionSize = sizeof(lcrt_section);
constexpr std::size_t kRegionSize = sizeof(lcrt_region_header);
static_assert(kHeaderSize == 32, "the 1.0 header is 32 bytes");
static_assert(kRegionSize <= LCRT_REGION_HDR_SIZE, "a region header copy fits its room");
static_assert(LCRT_REGION_SLOTS >= 2 * LCRT_REGION_HDR_SIZE, "slots follow both copies");
static_assert(kSectionSize == 4, "a section header is 4 bytes");

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

// One frame of a chain (LCRT_SEC_FRAMES, LCRT_SEC_CPU); pc: the previous
// frame's, 0 before the first; which: the frame, as an error names it.
Frame read_frame(Reader& r, std::uint64_t& pc, std::uint8_t word_size, const std::string& which) {
  Frame f;
  pc += static_cast<std::uint64_t>(r.svarint());
  f.pc = word_size == 4 ? (pc & 0xffffffffULL) : pc;
  f.offset = r.varint();
  f.size = r.varint();
  const std::uint8_t n = r.u8();
  if (n > r.remaining()) r.fail("has the name of " + which + " running past its end");
  f.name = r.str(n);
  return f;
}

void read_frames(Reader& r, Record& rec) {
  rec.has_frames = true;
  rec.unwinder = r.u8();
  rec.stop = r.u8();
  rec.frames_dropped = r.varint();
  std::uint64_t pc = 0;
  while (!r.at_end())
    rec.frames.push_back(
        read_frame(r, pc, rec.word_size, "frame " + std::to_string(rec.frames.size())));
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

// The culprit: its rule (LCRT_CULPRIT_*, or one of a newer minor version,
// kept as it is) and its frame's index (checked against the frames once every
// section is read).
Culprit read_culprit(Reader& r, const Record& rec) {
  if (rec.culprit) r.fail("appears twice");
  Culprit c;
  c.rule = r.u8();
  c.frame = r.varint();
  return c;
}

Blocked read_blocked(Reader& r, const Record& rec) {
  if (rec.blocked) r.fail("appears twice");
  Blocked b;
  b.pid = r.varint();
  b.state = r.varint();
  b.waited_ms = r.varint();
  b.comm = r.str8();
  return b;
}

// Another CPU: its number, state (any: a newer one shows as "unknown"),
// flags and frames. Bytes after its frames are left for a newer minor version.
Cpu read_cpu(Reader& r, const Record& rec) {
  Cpu c;
  c.cpu = r.varint();
  c.state = r.u8();
  c.flags = r.u8();
  const std::uint8_t count = r.u8();
  const std::string of_cpu = " of CPU " + std::to_string(c.cpu);
  // A frame takes 4 bytes at least: its pc delta, offset, size and name length.
  if (count > r.remaining() / 4)
    r.fail("counts " + std::to_string(count) + (count == 1 ? " frame" : " frames") + of_cpu +
           ", more than it holds");
  std::uint64_t pc = 0;
  for (unsigned i = 0; i < count; i++)
    c.frames.push_back(read_frame(r, pc, rec.word_size, "frame " + std::to_string(i) + of_cpu));
  if (c.state == LCRT_CPU_STOPPED && !c.frames.empty()) c.frames[0].exact = true;
  return c;
}

// Pairs of a frame index (ascending) and how many more frames it stands
// for; applied to the frames once every section is read.
void read_repeats(Reader& r, std::vector<std::pair<std::uint64_t, std::uint64_t>>& repeats,
                  bool& seen) {
  if (seen) r.fail("appears twice");
  seen = true;
  const std::uint64_t count = r.varint();
  if (count > r.remaining() / 2) r.fail("counts more folded frames than it holds");
  for (std::uint64_t i = 0; i < count; i++) {
    const std::uint64_t index = r.varint();
    const std::uint64_t more = r.varint();
    if (!repeats.empty() && index <= repeats.back().first) r.fail("has frame indices out of order");
    // The frame and its repeats must be countable: N = more + 1.
    if (more == ~std::uint64_t{0})
      r.fail("folds more frames under frame " + std::to_string(index) + " than can be counted");
    repeats.emplace_back(index, more);
  }
}

// When and in which boot (minor 2). Bytes after the boot id are left for a
// newer minor version.
Boot read_boot(Reader& r, const Record& rec) {
  if (rec.boot) r.fail("appears twice");
  Boot b;
  b.time_ns = r.varint();
  const std::uint8_t n = r.u8();
  if (n != 0 && n != 16)
    r.fail("has a boot id of " + std::to_string(n) + (n == 1 ? " byte" : " bytes") +
           " (16, or none)");
  const auto* id = r.bytes(n);
  b.id.assign(id, id + n);
  return b;
}

// Where the code was loaded (minor 2): the KASLR offset, then the modules'
// text addresses (checked against the modules once every section is read).
Load read_load(Reader& r, const Record& rec) {
  if (rec.load) r.fail("appears twice");
  Load l;
  l.kaslr_offset = r.varint();
  const std::uint64_t count = r.varint();
  if (count > r.remaining()) r.fail("counts more module load addresses than it holds");
  l.modules.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; i++) l.modules.push_back(r.varint());
  return l;
}

// What decode() gathers across sections to check once all are read.
struct Pending {
  std::vector<std::uint64_t> exact;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> repeats;  // frame, more
  bool repeats_seen = false;
};

// Reads one section into rec; false when its type is unknown to this tool.
bool read_section(std::uint8_t type, Reader& r, Record& rec, Pending& pending) {
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
      read_exact(r, pending.exact);
      break;
    case LCRT_SEC_MODULES:
      read_modules(r, rec);
      break;
    case LCRT_SEC_CULPRIT:
      rec.culprit = read_culprit(r, rec);
      break;
    case LCRT_SEC_BLOCKED:
      rec.blocked = read_blocked(r, rec);
      break;
    case LCRT_SEC_CPU:
      rec.cpus.push_back(read_cpu(r, rec));
      break;
    case LCRT_SEC_REPEATS:
      read_repeats(r, pending.repeats, pending.repeats_seen);
      break;
    case LCRT_SEC_BOOT:
      rec.boot = read_boot(r, rec);
      break;
    case LCRT_SEC_LOAD:
      rec.load = read_load(r, rec);
      break;
    default:
      return false;
  }
  return true;
}

// "major.minor" of a version field.
std::string version_name(std::uint16_t v) {
  return std::to_string(LCRT_VERSION_MAJOR(v)) + "." + std::to_string(v & 0xff);
}

// The header fields of the record at data, read without any check.
struct RawHeader {
  std::uint64_t magic = 0;
  std::uint16_t version = 0;
  std::size_t header_size = 0;
  std::size_t total_size = 0;
  std::uint64_t seq = 0;
  std::uint16_t flags = 0;
};

std::optional<RawHeader> raw_header(const std::uint8_t* data, std::size_t len) {
  if (len < kHeaderSize) return std::nullopt;
  RawHeader h;
  h.magic = le(data, 4);
  h.version = static_cast<std::uint16_t>(le(data + offsetof(lcrt_record_header, version), 2));
  h.header_size = le(data + offsetof(lcrt_record_header, header_size), 2);
  h.total_size = le(data + offsetof(lcrt_record_header, total_size), 4);
  h.seq = le(data + offsetof(lcrt_record_header, seq), 8);
  h.flags = static_cast<std::uint16_t>(le(data + offsetof(lcrt_record_header, flags), 2));
  return h;
}

// Whether a header's version and sizes are ones a record of len bytes can have.
bool sane(const RawHeader& h, std::size_t len) {
  return LCRT_VERSION_MAJOR(h.version) == LCRT_VERSION_MAJOR(LCRT_VERSION) &&
         h.header_size >= kHeaderSize && h.total_size >= h.header_size &&
         h.total_size <= LCRT_MAX_RECORD_SIZE && h.total_size <= len;
}

}  // namespace

std::optional<std::uint64_t> header_seq(const std::uint8_t* data, std::size_t len) {
  const auto h = raw_header(data, len);
  if (!h) return std::nullopt;
  // A pending mark on flash leaves the total size erased until the body.
  const bool erased_size = h->total_size == 0xffffffffU &&
                           LCRT_VERSION_MAJOR(h->version) == LCRT_VERSION_MAJOR(LCRT_VERSION) &&
                           h->header_size >= kHeaderSize;
  if (!sane(*h, len) && !erased_size) return std::nullopt;
  return h->seq;
}

namespace {

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

}  // namespace

Magic magic_kind(std::uint32_t word, bool flash) {
  if (word == 0 || word == LCRT_MAGIC_BLANK) return Magic::kEmpty;
  if (word == LCRT_MAGIC) return Magic::kRecord;
  if (word == LCRT_MAGIC_PENDING || word == LCRT_MAGIC_NOR_PENDING) return Magic::kTorn;
  if (!flash) return Magic::kOther;
  // A commit cut on flash: LCRT_MAGIC's bits and some of the pending mark's.
  const bool commit_cut =
      (word & LCRT_MAGIC) == LCRT_MAGIC && (word & ~LCRT_MAGIC_NOR_PENDING) == 0;
  // A mark cut on flash: the pending mark's bits and more still erased.
  const bool mark_cut = (word & LCRT_MAGIC_NOR_PENDING) == LCRT_MAGIC_NOR_PENDING;
  if (word == LCRT_MAGIC_PENDING || commit_cut || mark_cut) return Magic::kTorn;
  return Magic::kOther;
}

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
    case Error::kTorn:
      return "torn";
    case Error::kMagic:
      return "not an LCRT record";
    case Error::kOrphan:
      return "orphan follow-up";
  }
  return "unknown error";
}

std::uint32_t record_crc(const std::uint8_t* data, std::size_t total) {
  return static_cast<std::uint32_t>(crc32_of(0L, data + LCRT_CRC_OFFSET, total - LCRT_CRC_OFFSET));
}

namespace {

// CRC-32s of ranges of one image that begin on a 4-byte boundary, each from
// two prefix CRCs and zlib's crc32_combine(): the image is read once, however
// many candidate records claim to cover the same bytes.
class CrcIndex {
 public:
  CrcIndex(const std::uint8_t* p, std::size_t n) : p_(p), prefix_(n / 4 + 1) {
    for (std::size_t i = 0; i < n / 4; i++) prefix_[i + 1] = crc32_of(prefix_[i], p + 4 * i, 4);
  }
  // The CRC-32 of [begin, end): begin on a 4-byte boundary, end in the image.
  std::uint32_t of(std::size_t begin, std::size_t end) const {
    const std::size_t whole = end & ~std::size_t{3};  // the last 4-byte boundary
    uLong crc = 0;
    if (whole > begin) {
      // crc(A B) = crc32_combine(crc(A), 0, |B|) ^ crc(B), so crc(B) is:
      crc = prefix_[whole / 4] ^
            crc32_combine(prefix_[begin / 4], 0, static_cast<z_off_t>(whole - begin));
      begin = whole;
    }
    return static_cast<std::uint32_t>(crc32_of(crc, p_ + begin, end - begin));
  }

 private:
  const std::uint8_t* p_;
  std::vector<uLong> prefix_;  // prefix_[i]: the CRC-32 of the first 4 * i bytes
};

// How decode() checks a CRC, and what it reads (Scan::bytes_read): a scan
// of an image without a region header checks every candidate's CRC through
// the image's index (base: where data is in it); anything else reads it.
struct Reading {
  const CrcIndex* index = nullptr;
  std::size_t base = 0;
  std::size_t bytes = 0;
  bool flash = false;  // a region on flash: its program cuts read as torn
};

Record decode_at(const std::uint8_t* data, std::size_t len, Reading& rd);

}  // namespace

Record decode(const std::uint8_t* data, std::size_t len) {
  Reading rd;
  return decode_at(data, len, rd);
}

namespace {

Record decode_at(const std::uint8_t* data, std::size_t len, Reading& rd) {
  rd.bytes += kHeaderSize;
  const std::uint64_t magic = len < 4 ? 0 : le(data, 4);
  if (magic_kind(static_cast<std::uint32_t>(magic), rd.flash) == Magic::kTorn) {
    const auto seq = header_seq(data, len);
    throw DecodeError(Error::kTorn, "torn: the write of " +
                                        (seq ? "record " + std::to_string(*seq) : "a record") +
                                        " did not finish");
  }
  if (magic != LCRT_MAGIC) throw DecodeError(Error::kNoRecord, "no LCRT record (no magic)");
  if (len < kHeaderSize)
    throw DecodeError(Error::kTruncated, "record header truncated: " + std::to_string(len) +
                                             " of " + std::to_string(kHeaderSize) + " bytes");
  Record rec;
  const auto* h = data;
  rec.version = static_cast<std::uint16_t>(le(h + offsetof(lcrt_record_header, version), 2));
  if (LCRT_VERSION_MAJOR(rec.version) != LCRT_VERSION_MAJOR(LCRT_VERSION))
    throw DecodeError(Error::kVersion, "format version " + version_name(rec.version) +
                                           " unknown to this tool, which reads " +
                                           std::to_string(LCRT_VERSION_MAJOR(LCRT_VERSION)) + ".x");
  const auto hsize = le(h + offsetof(lcrt_record_header, header_size), 2);
  rec.total_size = static_cast<std::uint32_t>(le(h + offsetof(lcrt_record_header, total_size), 4));
  if (hsize < kHeaderSize || rec.total_size < hsize || rec.total_size > LCRT_MAX_RECORD_SIZE)
    throw DecodeError(Error::kSize, "header size " + std::to_string(hsize) + " or total size " +
                                        std::to_string(rec.total_size) + " out of bounds");
  if (rec.total_size > len)
    throw DecodeError(Error::kTruncated, "record truncated: " + std::to_string(len) + " of " +
                                             std::to_string(rec.total_size) + " bytes");
  rec.crc = static_cast<std::uint32_t>(le(h + offsetof(lcrt_record_header, crc32), 4));
  const std::uint32_t crc = rd.index != nullptr
                                ? rd.index->of(rd.base + LCRT_CRC_OFFSET, rd.base + rec.total_size)
                                : record_crc(data, rec.total_size);
  if (rd.index == nullptr) rd.bytes += rec.total_size;
  if (crc != rec.crc) throw DecodeError(Error::kCrc, "CRC mismatch: the record is damaged");

  rec.seq = le(h + offsetof(lcrt_record_header, seq), 8);
  rec.capture_ns = static_cast<std::uint32_t>(le(h + offsetof(lcrt_record_header, capture_ns), 4));
  rec.arch = h[offsetof(lcrt_record_header, arch)];
  rec.word_size = h[offsetof(lcrt_record_header, word_size)];
  rec.flags = static_cast<std::uint16_t>(le(h + offsetof(lcrt_record_header, flags), 2));

  rd.bytes += rec.total_size;  // the sections, read once the CRC matched
  Pending pending;
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
    if (!read_section(type, r, rec, pending)) rec.unknown.push_back({type, size});
    off += kSectionSize + size;
  }
  const auto past_frames = [&rec](int type, std::uint64_t i) {
    return DecodeError(Error::kSections, "section type " + std::to_string(type) + " names frame " +
                                             std::to_string(i) + " of " +
                                             std::to_string(rec.frames.size()));
  };
  for (const std::uint64_t i : pending.exact) {
    if (i >= rec.frames.size()) throw past_frames(LCRT_SEC_EXACT, i);
    rec.frames[i].exact = true;
  }
  for (const auto& [i, more] : pending.repeats) {
    if (i >= rec.frames.size()) throw past_frames(LCRT_SEC_REPEATS, i);
    rec.frames[i].repeats = more;
  }
  if (rec.culprit && rec.culprit->frame >= rec.frames.size())
    throw DecodeError(Error::kSections, "section type " + std::to_string(LCRT_SEC_CULPRIT) +
                                            " names frame " + std::to_string(rec.culprit->frame) +
                                            " of " + std::to_string(rec.frames.size()) +
                                            " as the culprit");
  if (rec.load && rec.load->modules.size() > rec.modules.size()) {
    const std::size_t n = rec.load->modules.size();
    throw DecodeError(Error::kSections,
                      "section type " + std::to_string(LCRT_SEC_LOAD) + " gives " +
                          std::to_string(n) +
                          (n == 1 ? " module load address" : " module load addresses") + " for " +
                          std::to_string(rec.modules.size()) +
                          (rec.modules.size() == 1 ? " module" : " modules"));
  }
  return rec;
}

}  // namespace

std::size_t Found::size() const {
  if (!record) return 0;
  return followup ? followup_offset - offset + followup->total_size : record->total_size;
}

namespace {

// One copy of the region header, when it is valid.
std::optional<Region> region_copy(const Bytes& image, int copy) {
  const std::size_t off = copy == 0 ? 0 : LCRT_REGION_HDR_SIZE;
  if (image.size() < off + kRegionSize) return std::nullopt;
  const std::uint8_t* h = image.data() + off;
  const auto field = [h](std::size_t at, std::size_t n) { return le(h + at, n); };
  Region r;
  r.copy = copy;
  r.version = static_cast<std::uint16_t>(field(offsetof(lcrt_region_header, version), 2));
  const std::size_t hsize = field(offsetof(lcrt_region_header, header_size), 2);
  // The CRC covers header_size bytes, which may be more than the struct
  // this tool knows (up to the copy's room): all of them must be there.
  if (field(0, 4) != LCRT_REGION_MAGIC ||
      LCRT_VERSION_MAJOR(r.version) != LCRT_VERSION_MAJOR(LCRT_REGION_VERSION) ||
      hsize < kRegionSize || hsize > LCRT_REGION_HDR_SIZE || hsize > image.size() - off)
    return std::nullopt;
  const auto crc = crc32_of(0L, h + LCRT_CRC_OFFSET, hsize - LCRT_CRC_OFFSET);
  if (crc != field(offsetof(lcrt_region_header, crc32), 4)) return std::nullopt;
  r.slot_size = static_cast<std::uint32_t>(field(offsetof(lcrt_region_header, slot_size), 4));
  r.nslots = static_cast<std::uint32_t>(field(offsetof(lcrt_region_header, nslots), 4));
  r.policy = h[offsetof(lcrt_region_header, policy)];
  r.medium = h[offsetof(lcrt_region_header, medium)];
  r.generation = field(offsetof(lcrt_region_header, generation), 8);
  r.next_seq = field(offsetof(lcrt_region_header, next_seq), 8);
  r.boot_count = field(offsetof(lcrt_region_header, boot_count), 8);
  r.dropped = field(offsetof(lcrt_region_header, dropped), 8);
  // Slots on 8-byte boundaries that hold a record header at least.
  if (r.slot_size < kHeaderSize || r.slot_size % 8 != 0) return std::nullopt;
  return r;
}

// What lies at the first 8-byte boundary after f's record (base: where the
// record starts, len: the bytes from there that may hold its follow-up: the
// rest of its slot, else the rest of the image). In a slot (strict) all of
// it belongs to the record; elsewhere only a record that says it is this
// one's follow-up does. Returns whether something there was taken.
bool take_followup(Found& f, const std::uint8_t* base, std::size_t len, bool strict, Reading& rd) {
  const std::size_t at = align8(f.record->total_size);
  if (at >= len || len - at < 4) return false;
  const std::uint8_t* p = base + at;
  const auto word = static_cast<std::uint32_t>(le(p, 4));
  const Magic kind = magic_kind(word, rd.flash);
  if (kind == Magic::kEmpty) return false;
  const bool magic = kind == Magic::kRecord || kind == Magic::kTorn;
  if (!strict) {
    const auto h = raw_header(p, len - at);
    if (!magic || !h || (h->flags & LCRT_F_FOLLOWUP) == 0 || h->seq != f.record->seq) return false;
  }
  f.followup_offset = f.offset + at;
  if (!magic) {
    f.followup_error = Error::kMagic;
    f.followup_message = "not an LCRT record";
    return true;
  }
  Reading there{rd.index, rd.base + at, 0, rd.flash};
  try {
    Record r = decode_at(p, len - at, there);
    if ((r.flags & LCRT_F_FOLLOWUP) == 0 || r.seq != f.record->seq) {
      f.followup_error = Error::kMagic;
      f.followup_message = "record " + std::to_string(r.seq) + " there does not continue it";
    } else {
      f.followup = std::move(r);
    }
  } catch (const DecodeError& e) {
    f.followup_error = e.code();
    f.followup_message = e.what();
  }
  rd.bytes += there.bytes;
  return true;
}

// The record at data (len bytes that may hold it and its follow-up), or why
// there is none; a follow-up there is an orphan.
Found read_record(std::size_t offset, const std::uint8_t* data, std::size_t len, bool strict,
                  Reading& rd) {
  Found f;
  f.offset = offset;
  f.header_seq = header_seq(data, len);
  try {
    f.record = decode_at(data, len, rd);
    if ((f.record->flags & LCRT_F_FOLLOWUP) != 0) {
      f.error = Error::kOrphan;
      f.message = "orphan follow-up of record " + std::to_string(f.record->seq) +
                  ": the record it continues is not there";
      f.record.reset();
      return f;
    }
    take_followup(f, data, len, strict, rd);
  } catch (const DecodeError& e) {
    f.error = e.code();
    f.message = e.what();
  }
  return f;
}

// The slots of a region image, by its header's geometry.
void scan_slots(const Bytes& image, Scan& s) {
  const Region& r = *s.region;
  const bool flash = r.medium == LCRT_MEDIUM_FLASH;
  for (std::uint64_t i = 0; i < r.nslots; i++) {
    const std::uint64_t start = LCRT_REGION_SLOTS + i * r.slot_size;
    if (start >= image.size()) {
      s.slots_missing = static_cast<std::size_t>(r.nslots - i);
      break;
    }
    const auto at = static_cast<std::size_t>(start);
    const std::size_t len = std::min<std::size_t>(r.slot_size, image.size() - at);
    const std::uint8_t* p = image.data() + at;
    Found f;
    if (len < 4) {
      f.offset = at;
      f.error = Error::kTruncated;
      f.message = "slot truncated: " + std::to_string(len) + " of " + std::to_string(r.slot_size) +
                  " bytes";
    } else if (const auto word = static_cast<std::uint32_t>(le(p, 4));
               magic_kind(word, flash) == Magic::kEmpty) {
      continue;  // empty
    } else if (magic_kind(word, flash) != Magic::kOther) {
      Reading rd;
      rd.flash = flash;
      f = read_record(at, p, len, true, rd);
      s.bytes_read += rd.bytes;
    } else {
      f.offset = at;
      f.error = Error::kMagic;
      char first[24];
      std::snprintf(first, sizeof(first), "%08llx", static_cast<unsigned long long>(word));
      f.message = std::string("not an LCRT record (first word 0x") + first + ")";
    }
    f.slot = static_cast<std::size_t>(i);
    s.found.push_back(std::move(f));
  }
}

// A single record, or an image without a region header: every 8-byte
// boundary that holds a record's magic (or the pending one).
//
// Linear in the image size: every candidate's CRC comes from one index of
// the image, and the bytes a matching CRC vouches for (a record, its
// follow-up, an orphan, a record whose sections are malformed) are skipped,
// so no byte's sections are read twice.
void scan_aligned(const Bytes& image, Scan& s) {
  std::optional<CrcIndex> index;
  const auto total_at = [&image](std::size_t at) {
    return raw_header(image.data() + at, image.size() - at)->total_size;
  };
  for (std::size_t off = 0; off + 4 <= image.size(); off += 8) {
    s.bytes_read += 4;
    const std::uint64_t word = le(image.data() + off, 4);
    if (word != LCRT_MAGIC && word != LCRT_MAGIC_PENDING && word != LCRT_MAGIC_NOR_PENDING)
      continue;
    if (!index) {
      index.emplace(image.data(), image.size());
      s.bytes_read += image.size();
    }
    Reading rd{&*index, off, 0};
    Found f = read_record(off, image.data() + off, image.size() - off, false, rd);
    s.bytes_read += rd.bytes;
    std::size_t past = 0;  // the bytes from off that are taken
    if (f.record) {
      past = f.size();
      // A follow-up that could not be read is skipped over as far as its
      // magic (what comes after it is looked at as before), unless its CRC
      // matched (its sections are malformed): then it is a whole record.
      if (f.followup_error == Error::kSections)
        past = f.followup_offset - off + total_at(f.followup_offset);
      else if (f.followup_error)
        past = f.followup_offset - off + 4;
    } else if (f.error == Error::kOrphan || f.error == Error::kSections) {
      past = total_at(off);
    }
    if (past > 8) off += align8(past) - 8;
    s.found.push_back(std::move(f));
  }
}

}  // namespace

std::optional<Region> read_region(const Bytes& image) {
  auto a = region_copy(image, 0);
  auto b = region_copy(image, 1);
  if (a && b) return b->generation > a->generation ? b : a;
  return a ? a : b;
}

Scan scan(const Bytes& image) {
  Scan s;
  s.region = read_region(image);
  if (s.region)
    scan_slots(image, s);
  else
    scan_aligned(image, s);
  return s;
}

const Found* newest(const std::vector<Found>& found) {
  const Found* best = nullptr;
  for (const auto& f : found)
    if (f.record && (best == nullptr || f.record->seq > best->record->seq)) best = &f;
  return best;
}

std::string joined_reason(const Found& f) {
  if (!f.record) return "";
  const auto reason_of = [](const Record& r) -> std::string {
    if (r.reason) return *r.reason;
    return r.event ? event_name(r.event->kind) : "unknown";
  };
  if (!f.followup) return f.record->reason.value_or("");
  return reason_of(*f.followup) + " (after " + reason_of(*f.record) + ")";
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
constexpr const char* kCulpritRules[] = LCRT_CULPRIT_NAMES;
static_assert(std::size(kCulpritRules) == LCRT_CULPRIT_BLOCKED + 1);
constexpr const char* kCpuStates[] = LCRT_CPU_NAMES;
static_assert(std::size(kCpuStates) == LCRT_CPU_RUNNING + 1);
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

std::string boot_id_string(const Bytes& id) {
  if (id.size() != 16) return "";
  std::string s = hex_bytes(id);
  for (const std::size_t at : {20, 16, 12, 8}) s.insert(at, 1, '-');
  return s;
}

std::string utc_time(std::uint64_t ns) {
  const auto secs = static_cast<std::time_t>(ns / 1000000000ULL);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char when[48];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof(out), "%s.%09lluZ", when,
                static_cast<unsigned long long>(ns % 1000000000ULL));
  return out;
}

std::uint64_t link_address(const Record& rec, std::uint64_t pc) {
  if (!rec.load) return pc;
  const std::uint64_t a = pc - rec.load->kaslr_offset;
  return rec.word_size == 4 ? (a & 0xffffffffULL) : a;
}

const char* event_name(std::uint8_t kind) { return name_in(kEvents, kind); }
const char* context_name(std::uint8_t ctx) { return name_in(kContexts, ctx); }
const char* stop_name(std::uint8_t stop) { return name_in(kStops, stop); }
const char* unwinder_name(std::uint8_t unwinder) { return name_in(kUnwinders, unwinder); }
const char* culprit_rule_name(std::uint8_t rule) { return name_in(kCulpritRules, rule); }
const char* cpu_state_name(std::uint8_t state) { return name_in(kCpuStates, state); }

bool Cpu::user() const { return (flags & LCRT_CPUF_USER) != 0; }

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
