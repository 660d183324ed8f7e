// Archiving records off the region (lcrt collect), and when it may clear.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <ostream>
#include <set>
#include <string>

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

// The base name of the function the record blames (LCRT_SEC_CULPRIT; its
// pc in hex when unnamed); for a record that blames none, the innermost
// meaningful function of the chain (the signature's first), else the
// innermost pc in hex, else "unknown".
std::string culprit(const Record& rec);

// A directory of archived records, two files each, named by the archive
// time (UTC), the sequence number and the signature:
// 20261126T101500Z-seq7-1a2b3c4d.json (lcrt show --json's object for it)
// and .rec (its raw bytes, its follow-up included). The .rec is written
// last: the records archived are those of the .rec files, so nothing else
// (no index) can go stale.
class Archive {
 public:
  // Opens dir (creating it, mode 0700, when missing), locks it against
  // another collect, and reads the keys of its .rec files; one that does not
  // decode is a warning. Throws std::system_error naming the path.
  Archive(std::string dir, std::ostream& warn);

  bool has(const Found& f) const { return keys_.count(record_key(f)) != 0; }
  const std::set<std::string>& keys() const { return keys_; }
  // The highest sequence number archived, now or before; nullopt when none.
  std::optional<std::uint64_t> newest_seq() const { return newest_seq_; }

  // Writes <stem>.json then <stem>.rec, each to a temporary file, fsync'd,
  // renamed, then fsyncs the directory. Returns dir/stem. Throws
  // std::system_error naming the file.
  std::string add(const Found& f, const Bytes& raw, const std::string& json, std::time_t now);

 private:
  void write(const std::string& name, const void* data, std::size_t size) const;
  void count(const Found& f);  // one more record archived

  std::string dir_;
  Fd fd_;
  std::set<std::string> keys_;
  std::optional<std::uint64_t> newest_seq_;
};

// Whether collect may write "clear to <upto>" (upto: the highest seq it
// archived, now or before), which erases every record up to that seq: ""
// when it may, else why not. now is the region read again just before
// clearing: it must hold no corrupt or torn record (left for a human), and
// every valid record of a seq up to upto must be archived as it is now (a
// follow-up written since makes it a new record). A record of a higher seq,
// written since the region was read, is left alone and does not matter.
std::string clear_blocker(const Scan& now, const std::set<std::string>& archived,
                          std::uint64_t upto);

// Journal entries (libsystemd's sd_journal_send), when built with it: fields
// LCRT_SIGNATURE, LCRT_TITLE, LCRT_CULPRIT, LCRT_BUILD_ID, LCRT_SEQ,
// LCRT_EVENT and LCRT_ARCHIVE.
inline constexpr const char* kJournalMessageId = "3c21b6267e694bedbc0abe47ca3da29c";
bool journal_built();
// One entry for an archived record (path: its archive stem); false when
// none was sent (no libsystemd, no journald): not an error.
bool journal_record(const Record& rec, const std::string& path);

}  // namespace lcrt
