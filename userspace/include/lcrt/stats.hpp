// lcrt stats: the crashes of a fleet, from the journal entries lcrt collect
// sends (kJournalMessageId, journal_fields()), as systemd-journal-remote
// gathers them from every machine, or as one machine's journal holds them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lcrt {

// What stats reads of one entry of collect's.
struct CrashEntry {
  std::uint64_t realtime_usec = 0;  // when it was logged (__REALTIME_TIMESTAMP)
  std::string device;               // _MACHINE_ID, else _HOSTNAME, else ""
  std::string signature;            // LCRT_SIGNATURE ("": the record had none)
  std::string release;              // LCRT_RELEASE ("": absent, an older lcrt)
  std::string culprit;              // LCRT_CULPRIT
  std::string reason;               // LCRT_REASON
  std::string title;                // LCRT_TITLE
};

// The crashes of one signature.
struct SignatureStats {
  std::string signature;         // "" for the records without one
  std::size_t count = 0;         // entries
  std::size_t devices = 0;       // distinct devices (entries of no device: one more)
  std::uint64_t first_usec = 0;  // the first and last entry's time
  std::uint64_t last_usec = 0;
  // LCRT_RELEASE of the first and last entry (by time) that has one; ""
  // when none has.
  std::string first_release;
  std::string last_release;
  // Of the last entry (by time).
  std::string culprit;
  std::string reason;
  std::string title;
};

// The entries grouped by signature, ranked: most entries first, then most
// devices, then the latest last entry, then by signature. An entry's time
// decides first and last, whatever the order of entries; of entries of the
// same time, the earlier one in entries is the first, the later the last.
std::vector<SignatureStats> crash_stats(const std::vector<CrashEntry>& entries);

// Where the journal is: these files (sd_journal_open_files), else the files
// of this directory (sd_journal_open_directory), else this machine's
// journal (sd_journal_open, local only).
struct JournalSource {
  std::vector<std::string> files;
  std::string directory;
};

// Whether this build reads journals (libsystemd), as it sends entries.
bool stats_built();

// collect's entries there (MESSAGE_ID=kJournalMessageId), in the journal's
// order, their strings as the journal holds them. Throws IoError naming the
// file or directory that cannot be read (a missing one too), DataError for
// a file that is no journal file, UsageError in a build without libsystemd.
std::vector<CrashEntry> read_crash_entries(const JournalSource& source);

// Text: a header line (SIGNATURE, COUNT, DEVICES, FIRST-RELEASE,
// LAST-RELEASE, LAST-SEEN, CULPRIT, REASON), then one line per signature in
// rank order ("-" for what is not known; LAST-SEEN in UTC to the second), or
// "no crash entries" when there is none. Every string is printable(), the
// reason without_addresses().
std::string stats_text(const std::vector<SignatureStats>& stats);
// JSON: an array of {"signature" (or null), "count", "devices",
// "first_release" (or null), "last_release" (or null), "first_seen",
// "last_seen" (UTC, "2026-11-28T09:01:12Z"), "culprit", "reason", "title"}
// in rank order.
nlohmann::ordered_json stats_json(const std::vector<SignatureStats>& stats);

}  // namespace lcrt
