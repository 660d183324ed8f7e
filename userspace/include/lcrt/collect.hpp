// Archiving records off the region (lcrt collect), and when it may clear.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lcrt/fd.hpp"
#include "lcrt/record.hpp"

namespace lcrt {

// What makes a record the same record again: the kernel's build-id, the
// sequence number and the header's CRC.
std::string record_key(const Record& rec);
// The same for a record found in a region, with its follow-up's CRC: an oops
// record archived before the panic that followed it wrote its follow-up is
// a new record once the follow-up is there.
std::string record_key(const Found& f);

// The base name of the function the record blames (LCRT_SEC_CULPRIT); for a
// record that blames none, the innermost meaningful function of the chain
// (the signature's first); "" when that has no name. Never an address: the
// journal entry and lcrt list carry it out of the root-only files.
std::string culprit_function(const Record& rec);

// The record of an archived .rec file (joined to its follow-up), as collect
// and list read it back, no further than a record and its follow-up can be
// long. Throws IoError naming the file when it cannot be read, DecodeError
// when it holds no record that decodes.
Found read_archived(const std::string& path);

// A directory of archived records, two files each, named by the archive
// time (UTC), the sequence number and the signature:
// 20261126T101500Z-seq7-1a2b3c4d.json (lcrt show --json's object for it)
// and .rec (its raw bytes, its follow-up included). The .rec is written
// last: the records archived are those of the .rec files, so nothing else
// (no index) can go stale. Each file is written whole or not at all
// (write_file_atomic).
class Archive {
 public:
  // Opens dir (creating it, mode 0700, when missing), locks it against
  // another collect, and reads the keys of its .rec files; one that does not
  // decode is a warning. What a collect that was killed half-way left (a
  // .json whose .rec was never written, a hidden .tmp file) is removed, with
  // a warning: its record was not archived, so it was not cleared either.
  // Throws std::system_error naming the path.
  Archive(std::string dir, std::ostream& warn);

  bool has(const Found& f) const { return keys_.count(record_key(f)) != 0; }
  const std::set<std::string>& keys() const { return keys_; }
  // The highest sequence number archived, now or before; nullopt when none.
  std::optional<std::uint64_t> newest_seq() const { return newest_seq_; }

  // Writes <stem>.json then <stem>.rec (write_file_atomic: each fsync'd,
  // then the directory). Returns dir/stem. Throws IoError naming the file.
  std::string add(const Found& f, const Bytes& raw, const std::string& json, std::time_t now);

 private:
  void count(const Found& f);  // one more record archived

  std::string dir_;
  Fd fd_;
  std::set<std::string> keys_;
  std::optional<std::uint64_t> newest_seq_;
};

// The live LCRT device: its region file (/sys/kernel/lcrt/nvram) and its
// control file. Tests make one of a directory of their own (sysfs_only
// false) and may stand in for the kernel by overriding read() and clear().
class Device {
 public:
  Device(std::string region, std::string control, bool sysfs_only = true)
      : region_(std::move(region)), control_(std::move(control)), sysfs_only_(sysfs_only) {}
  Device(const Device&) = default;
  Device& operator=(const Device&) = default;
  Device(Device&&) = default;
  Device& operator=(Device&&) = default;
  virtual ~Device() = default;

  const std::string& region() const { return region_; }
  const std::string& control() const { return control_; }
  // Whether path is this device's region file (the same file, however named).
  bool is(const std::string& path) const;
  // The region, whole. Throws IoError.
  virtual Bytes read();
  // Erases the record (valid or torn) of this seq and what follows it in its
  // slot: "clear <seq>", the only word of the kernel that names one record
  // (drivers/misc/lcrt/iface.c); it cannot name a CRC. Throws ControlError.
  virtual void clear(std::uint64_t seq);

 private:
  std::string region_;
  std::string control_;
  bool sysfs_only_;
};

// Which records collect may erase: those it read from the live device and
// found archived (this run or before), each by its seq, and only when
// reading the device again just before clearing finds the very record
// (build-id, seq, CRC, its follow-up's CRC) still in its place and nothing
// else of that seq. read is the scan collect archived from, now the one
// just before clearing. A record whose follow-up is torn or corrupt is kept
// (the word would erase the follow-up), and so is every corrupt or torn
// record (no word names it). kept: why each record read is kept, one line each.
struct ClearPlan {
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> kept;
};
ClearPlan plan_clear(const Scan& read, const Scan& now, const std::set<std::string>& archived);

// What lcrt collect does: archive every valid record of source not archived
// yet (reporting corrupt and torn ones to err), then, when clear and source
// is the device's region (never for an image or "-"), erase what plan_clear()
// allows, one "clear <seq>" each, after everything archived is fsync'd and
// out flushed. Says what it did on out. Throws IoError, std::system_error
// (the archive) and ControlError (the control file).
struct CollectOptions {
  std::string dir;
  std::string source;
  bool clear = true;
  // Run with /bin/sh -c once the archive is on disk and before anything is
  // cleared (an upload, say); nothing is cleared unless it exits 0.
  std::string before_clear;
};
struct CollectResult {
  int archived = 0;
  int before = 0;   // archived by an earlier run
  int corrupt = 0;  // corrupt or torn records, left where they are
  std::vector<std::uint64_t> cleared;
};
CollectResult collect(const CollectOptions& o, Device& device, std::ostream& out,
                      std::ostream& err);

// The MESSAGE_ID of collect's journal entries (systemd/lcrt.catalog).
inline constexpr const char* kJournalMessageId = "3c21b6267e694bedbc0abe47ca3da29c";

// A record's text made fit to leave the root-only files: printable(), and
// every hex number of 8 digits or more that stands alone as a word ("0x"
// before it or not) replaced by "ADDR", as syzbot writes an address in a
// title ("... non-canonical address ADDR"). Names keep their hex: "gdeadbeef0"
// and "fn_deadbeef00" are not words of their own.
std::string without_addresses(const std::string& s);

// The fields of the journal entry of an archived record (f, with its
// follow-up; path: its archive stem), "KEY=value" each, in this order:
// MESSAGE_ID (kJournalMessageId), MESSAGE ("kernel crash recorded: CULPRIT
// (SIGNATURE)"), PRIORITY=3, SYSLOG_IDENTIFIER=lcrt, LCRT_SIGNATURE,
// LCRT_TITLE, LCRT_CULPRIT (culprit_function(), "?" when the culprit has no
// name), LCRT_REASON (joined_reason(), when there is one), LCRT_RELEASE
// (when the record has it), LCRT_BUILD_ID, LCRT_CRASH_BOOT_ID (32 hex
// digits, as the journal's _BOOT_ID; when known), LCRT_CRASH_TIME
// (microseconds since the epoch, as __REALTIME_TIMESTAMP; when known),
// LCRT_SEQ, LCRT_EVENT and LCRT_ARCHIVE (the .json). Names, offsets and ids
// only: no pc, KASLR offset or load address (the title and reason
// without_addresses()).
std::vector<std::string> journal_fields(const Found& f, const std::string& path);

// Whether this build sends journal entries (libsystemd).
bool journal_built();
// Sends journal_fields() as one entry (sd_journal_sendv); false when none
// was sent (no libsystemd, no journald): not an error.
bool journal_record(const Found& f, const std::string& path);

}  // namespace lcrt
