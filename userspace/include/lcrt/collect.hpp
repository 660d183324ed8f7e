// Archiving records off the region (lcrt collect), and when it may clear.
#pragma once

#include <ctime>
#include <ostream>
#include <set>
#include <string>

#include "lcrt/fd.hpp"
#include "lcrt/record.hpp"

namespace lcrt {

// What makes a record the same record again: the kernel's build-id, the
// sequence number and the header's CRC. An oops record that the kernel
// rewrote in place with a later panic has a new CRC, so it is a new record.
std::string record_key(const Record& rec);

// The innermost meaningful function of the chain (the signature's first),
// else the innermost pc in hex, else "unknown".
std::string culprit(const Record& rec);

// A directory of archived records, two files each, named by the archive
// time (UTC), the sequence number and the signature:
// 20261126T101500Z-seq7-1a2b3c4d.json (lcrt show --json's object for it)
// and .rec (its raw bytes). The .rec is written last: the records archived
// are those of the .rec files, so nothing else (no index) can go stale.
class Archive {
 public:
  // Opens dir (creating it, mode 0700, when missing), locks it against
  // another collect, and reads the keys of its .rec files; one that does not
  // decode is a warning. Throws std::system_error naming the path.
  Archive(std::string dir, std::ostream& warn);

  bool has(const Record& rec) const { return keys_.count(record_key(rec)) != 0; }
  const std::set<std::string>& keys() const { return keys_; }

  // Writes <stem>.json then <stem>.rec, each to a temporary file, fsync'd,
  // renamed, then fsyncs the directory. Returns dir/stem. Throws
  // std::system_error naming the file.
  std::string add(const Record& rec, const Bytes& raw, const std::string& json, std::time_t now);

 private:
  void write(const std::string& name, const void* data, std::size_t size) const;

  std::string dir_;
  Fd fd_;
  std::set<std::string> keys_;
};

// Whether the region may be erased with "clear", which erases every record:
// "" when it may, else why not. seen is the image the records were archived
// from, now the image read again just before clearing: the region must not
// have changed, must hold no corrupt record (left for a human) and every
// valid record in it must be archived.
std::string clear_blocker(const Bytes& seen, const Bytes& now,
                          const std::set<std::string>& archived);

// Journal entries (libsystemd's sd_journal_send), when built with it.
inline constexpr const char* kJournalMessageId = "3c21b6267e694bedbc0abe47ca3da29c";
bool journal_built();
// One entry for an archived record (path: its archive stem); false when
// none was sent (no libsystemd, no journald): not an error.
bool journal_record(const Record& rec, const std::string& path);

}  // namespace lcrt
