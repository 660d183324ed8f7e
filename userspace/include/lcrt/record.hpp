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
  kTorn,       // LCRT_MAGIC_PENDING: the write began and never finished
  kMagic,      // a slot's first word is neither 0 nor a record's magic
  kOrphan,     // a follow-up record without the record it continues
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
  // More frames of the same return address right below it that it stands
  // for (LCRT_SEC_REPEATS: a folded recursion); 0 when it was not folded.
  std::uint64_t repeats = 0;
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

// The frame the kernel blames (LCRT_SEC_CULPRIT): the function whose code
// did the wrong thing, past the crash machinery, and why.
struct Culprit {
  std::uint8_t rule = 0;    // LCRT_CULPRIT_*; a newer one shows as "unknown"
  std::uint64_t frame = 0;  // index into Record::frames, within it
};

// The blocked task of a hung-task panic (LCRT_SEC_BLOCKED), whose call chain
// the record's frames then are (the event stays the panicking task's).
struct Blocked {
  std::uint64_t pid = 0;
  std::uint64_t state = 0;      // its __state
  std::uint64_t waited_ms = 0;  // since it last ran
  std::string comm;
};

// Another CPU at a panic (LCRT_SEC_CPU): its state and a short chain.
struct Cpu {
  std::uint64_t cpu = 0;
  std::uint8_t state = 0;     // LCRT_CPU_*; a newer one shows as "unknown"
  std::uint8_t flags = 0;     // LCRT_CPUF_*
  std::vector<Frame> frames;  // innermost first; the first exact when stopped
  // LCRT_CPUF_USER: it was in user space (its one frame a user pc, unnamed).
  bool user() const;
};

// When and in which boot the crash was captured (LCRT_SEC_BOOT, minor 2).
struct Boot {
  std::uint64_t time_ns = 0;  // CLOCK_REALTIME since the Unix epoch; 0: unknown
  Bytes id;                   // the boot id (16 bytes, the journal's _BOOT_ID); empty: unknown
};

// Where the code was loaded (LCRT_SEC_LOAD, minor 2): what turns a pc into
// a link-time address. Root-only, as the pcs are: never in a journal entry,
// the list or stats.
struct Load {
  std::uint64_t kaslr_offset = 0;  // of the kernel image; 0: none
  // The text load address of Record::modules[i], in that order (0:
  // unknown); at most as many as there are modules.
  std::vector<std::uint64_t> modules;
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

  std::optional<Culprit> culprit;  // absent: no frame blamed (or a 1.0 record)
  std::optional<Blocked> blocked;
  std::vector<Cpu> cpus;     // the other CPUs at a panic, in the record's order
  std::optional<Boot> boot;  // absent: a record before 1.2
  std::optional<Load> load;  // absent: a record before 1.2

  std::vector<Section> unknown;  // sections of types this tool does not know
};

// What a slot's first word says (include/uapi/linux/lcrt.h); flash: in a
// region on flash, where a program cut part-way reads as torn too.
enum class Magic {
  kEmpty,   // 0, or LCRT_MAGIC_BLANK (erased flash)
  kRecord,  // LCRT_MAGIC
  kTorn,    // a pending mark, or on flash a program a cut left part-way
  kOther,   // not written by LCRT
};
Magic magic_kind(std::uint32_t word, bool flash = false);

// The little-endian unsigned integer of the n (at most 8) bytes at p.
std::uint64_t le(const std::uint8_t* p, std::size_t n);

// The seq the record header at data names (a torn one's too, and one whose
// first word a clear set to 0) when its version and sizes are sane for len
// bytes, else nullopt: what the kernel's "clear N" would match.
std::optional<std::uint64_t> header_seq(const std::uint8_t* data, std::size_t len);

// Decode one record at the start of data. Throws DecodeError: kNoRecord
// when data does not start with a record's magic, kTorn when it starts with
// LCRT_MAGIC_PENDING (naming the seq when the header's sizes are sane),
// kSections when a section is malformed (a culprit, blocked task, CPU or
// repeats section cut short, a CPU's frame count or name past its section,
// a culprit, exact or repeats frame index past the frames, exact or repeats
// indices not ascending, a culprit, blocked, repeats, boot or load section
// twice, a boot or load section cut short, a boot id of neither 16 bytes
// nor none, more module load addresses than modules). A culprit rule or CPU
// state this tool does not know is not an error.
Record decode(const std::uint8_t* data, std::size_t len);
inline Record decode(const Bytes& b) { return decode(b.data(), b.size()); }

// The CRC-32 a record must carry (zlib's, over [LCRT_CRC_OFFSET, total)).
std::uint32_t record_crc(const std::uint8_t* data, std::size_t total);

// The region header (struct lcrt_region_header), from the valid copy with
// the higher generation.
struct Region {
  int copy = 0;  // which copy it is: 0 (offset 0) or 1 (LCRT_REGION_HDR_SIZE)
  std::uint16_t version = 0;
  std::uint32_t slot_size = 0;
  std::uint32_t nslots = 0;
  std::uint8_t policy = 0;  // LCRT_RING_*
  std::uint8_t medium = 0;  // LCRT_MEDIUM_*
  std::uint64_t generation = 0;
  std::uint64_t next_seq = 0;
  std::uint64_t boot_count = 0;
  std::uint64_t dropped = 0;
};

// The region header of an image, or nullopt when neither copy is valid
// (magic, major version 1, header size, CRC; a slot size that is a multiple
// of 8 and holds a record header at least).
std::optional<Region> read_region(const Bytes& image);

// What one position of an image holds: a record (with what followed it in
// its slot), or why the bytes there are not one.
struct Found {
  std::size_t offset = 0;
  std::optional<std::size_t> slot;  // the slot, when a region header gives the geometry
  std::optional<Record> record;
  std::optional<Error> error;
  std::string message;
  // The seq its header names when the header's sizes are sane: a torn or
  // corrupt record's too (what the kernel's "clear N" would match).
  std::optional<std::uint64_t> header_seq;

  // The LCRT_F_FOLLOWUP record of the same seq that continues record, at
  // the first 8-byte boundary after it: shown joined to it, never alone.
  std::optional<Record> followup;
  std::size_t followup_offset = 0;
  // Why what lies there is not a follow-up that could be read (torn,
  // corrupt): record is shown as it is, with a note. Unset when nothing is.
  std::optional<Error> followup_error;
  std::string followup_message;

  // The bytes of the record and its follow-up, from offset (0 for an error).
  std::size_t size() const;
};

// What scan() found in an image.
struct Scan {
  std::optional<Region> region;   // when the image starts with a region header
  std::size_t slots_missing = 0;  // slots of the header the image ends before
  std::vector<Found> found;       // in offset order
  // The bytes the scan read, each counted as often as it was read (first
  // words, headers, CRCs, sections): at most a few times the image size,
  // whatever the image holds (the tests hold it to that).
  std::size_t bytes_read = 0;
};

// Every record in a region image (or a single record). With a region header
// the slots are walked by its geometry, and each one that is not empty
// (first word 0) is a record, torn (LCRT_MAGIC_PENDING) or corrupt (any
// other word, or a record that fails its checks); a slot the image cuts is
// read as far as it goes. Without one, records are looked for on every
// 8-byte boundary (the slot alignment the kernel guarantees); a pending
// magic there is a torn record. A follow-up is joined to the record it
// continues; one found alone is an orphan (kOrphan), never a record.
// Linear in the image size (bytes_read).
Scan scan(const Bytes& image);

// The newest valid record of a scan (highest sequence number), or nullptr.
const Found* newest(const std::vector<Found>& found);

// The follow-up's reason after the first's: "<followup> (after <first>)";
// the record's own reason (or its event name) when nothing followed it.
std::string joined_reason(const Found& f);

// Lowercase hex digits of bytes (a build-id).
std::string hex_bytes(const Bytes& b);

// A boot id as /proc/sys/kernel/random/boot_id gives it, lowercase with
// dashes ("6f0b2c3e-1d5a-4c2b-9e8f-0a1b2c3d4e5f"); its plain hex digits
// (hex_bytes) are the journal's _BOOT_ID. "" for one that is not 16 bytes.
std::string boot_id_string(const Bytes& id);

// Nanoseconds since the Unix epoch as UTC ISO 8601 with every digit:
// "2026-11-26T10:14:58.123456789Z".
std::string utc_time(std::uint64_t ns);

// Where pc of the kernel image is in its System.map: pc less the record's
// KASLR offset (LCRT_SEC_LOAD), in the record's word size; pc itself for a
// record without one.
std::uint64_t link_address(const Record& rec, std::uint64_t pc);

const char* event_name(std::uint8_t kind);
const char* context_name(std::uint8_t ctx);
const char* stop_name(std::uint8_t stop);
const char* unwinder_name(std::uint8_t unwinder);
const char* arch_name(std::uint8_t arch);
// "fault", "caller", ... (LCRT_CULPRIT_NAMES); "unknown" for any other rule.
const char* culprit_rule_name(std::uint8_t rule);
// "stopped", ... (LCRT_CPU_NAMES); "unknown" for any other state.
const char* cpu_state_name(std::uint8_t state);
// The names of the registers of arch, in LCRT_SEC_REGS order (empty if unknown).
std::vector<std::string> register_names(std::uint8_t arch);

}  // namespace lcrt
