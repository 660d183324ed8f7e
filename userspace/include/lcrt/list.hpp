// lcrt list and lcrt info: every record of a machine, those lcrt collect
// archived and those still on the live region, and one of them by its ID.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lcrt/record.hpp"

namespace lcrt {

// One record of the list: archived (a .rec of the archive directory, which
// may be on the live region too), or on the live region only.
struct Listed {
  // The archive stem, collect's name for it without .json or .rec
  // ("20261126T101500Z-seq7-1a2b3c4d"); "live:7" for a record of the live
  // region that is not archived.
  std::string id;
  std::string path;                     // the .rec; "" for a record on the live region only
  std::optional<std::string> archived;  // when, from the stem: "2026-11-26T10:15:00Z"
  // The record with its follow-up: the archive's, else the live region's;
  // nullopt for a .rec that does not decode.
  std::optional<Found> found;
  // The same record on the live region (the same record_key()), when it is there.
  std::optional<Found> live;
  std::string error;      // why the .rec is no record, naming it ("" when it is one)
  bool io_error = false;  // it could not be read at all
};

// What lcrt list shows.
struct Listing {
  // Newest first: the live region's records not archived (highest seq
  // first: collect archives every valid record, so these came after its
  // last run), then the archived ones by archive time, seq and name, newest
  // first (a .rec whose name has no time last).
  std::vector<Listed> records;
  std::optional<Region> region;  // the live region's header, when it has one
};

// The records of the archive directory dir (lcrt collect's) and of the
// live region source (a region or an image of one), an archived record that
// is on the region too listed once, as archived. Read only: neither is
// created, locked or cleaned. Warnings, one line each, on warn, and nothing
// more is listed from there: dir missing (nothing archived yet), the region
// unreadable or missing, a .rec that cannot be read or does not decode (kept
// in records without found, so that info can name it), a corrupt or torn
// record of the region. Throws IoError naming dir when it exists and cannot
// be read.
Listing list_records(const std::string& dir, const std::string& source, std::ostream& warn);

// What an ID names (lcrt info), in this order: "live:N", the record of
// sequence number N on the live region; a number, the one record of that
// sequence number (archived or live, a record both counted once); else an
// archive stem (with or without .json or .rec), or the start of exactly one.
// A number no record has is taken as the start of a stem.
struct Resolved {
  const Listed* entry = nullptr;
  const Found* found = nullptr;  // the record to show
  bool live = false;             // found is the live region's copy (its header applies)
};
// Throws UsageError when id names no record or several (saying which) or is
// not an ID; IoError or DataError naming the file when it names a .rec that
// cannot be read or does not decode.
Resolved resolve(const Listing& listing, const std::string& id);

// The columns of a record in the list, without any address (nor the KASLR
// offset): a culprit with no name is "?" in text and null in JSON.
// Text: a header line (ID, TIME, BOOT, LIVE, SEQ, EVENT, CULPRIT, SIGNATURE,
// TITLE), then one line per record, or "no crash record" when there is none.
// TIME is the crash's (UTC, "2026-11-26T10:14:58Z") when the record has it,
// else the archive time it came before ("2026-11-26T10:15:00Z(archived)"),
// else "-"; BOOT the first 8 hex digits of the crashed boot's id, or "-".
std::string list_text(const Listing& listing);
// JSON: an array of {"id", "archived" (or null), "live", "seq", "event" (or
// null), "culprit" (or null), "signature" (or null), "title", "crash_time"
// (utc_time(), or null), "boot_id" (boot_id_string(), or null)}, in the
// list's order.
nlohmann::ordered_json list_json(const Listing& listing);

}  // namespace lcrt
