#include "lcrt/list.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "lcrt/collect.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/io.hpp"
#include "lcrt/render.hpp"
#include "lcrt/signature.hpp"

namespace lcrt {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLivePrefix = "live:";

// "20261126T101500Z-seq7-..." (collect's stem) -> "2026-11-26T10:15:00Z";
// nullopt for a name that does not start so.
std::optional<std::string> archive_time(const std::string& stem) {
  constexpr std::size_t kLen = 16;  // 20261126T101500Z
  if (stem.size() < kLen || (stem.size() > kLen && stem[kLen] != '-')) return std::nullopt;
  for (std::size_t i = 0; i < kLen; i++) {
    const char c = stem[i];
    const bool ok = i == 8 ? c == 'T' : i == kLen - 1 ? c == 'Z' : c >= '0' && c <= '9';
    if (!ok) return std::nullopt;
  }
  return stem.substr(0, 4) + "-" + stem.substr(4, 2) + "-" + stem.substr(6, 2) + "T" +
         stem.substr(9, 2) + ":" + stem.substr(11, 2) + ":" + stem.substr(13, 2) + "Z";
}

// A sequence number written in decimal digits only; nullopt for anything else.
std::optional<std::uint64_t> number(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (err != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::uint64_t seq_of(const Listed& e) { return e.found ? e.found->record->seq : 0; }

// The list's order (Listing::records): whether a comes before b.
bool newer(const Listed& a, const Listed& b) {
  const bool a_live = a.path.empty();
  const bool b_live = b.path.empty();
  if (a_live != b_live) return a_live;
  if (!a_live && a.archived.has_value() != b.archived.has_value()) return a.archived.has_value();
  if (!a_live && a.archived != b.archived) return *a.archived > *b.archived;
  if (seq_of(a) != seq_of(b)) return seq_of(a) > seq_of(b);
  return a_live ? a.found->offset < b.found->offset : a.id > b.id;
}

// The archive's .rec files, each decoded, in name order.
std::vector<Listed> archived(const std::string& dir, std::ostream& warn) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    warn << "lcrt: warning: " << printable(dir) << ": no such directory: nothing archived there\n";
    return {};
  }
  std::vector<std::string> names;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.front() != '.' && it->path().extension() == ".rec") names.push_back(name);
  }
  if (ec) throw IoError(dir, ec.value());
  std::sort(names.begin(), names.end());
  std::vector<Listed> out;
  for (const std::string& name : names) {
    Listed e;
    e.id = name.substr(0, name.size() - 4);
    e.path = (fs::path(dir) / name).string();
    e.archived = archive_time(e.id);
    try {
      e.found = read_archived(e.path);
    } catch (const IoError& err) {  // names the file itself
      e.error = printable(err.what());
      e.io_error = true;
    } catch (const DecodeError& err) {
      e.error = printable(e.path) + ": " + printable(err.what());
    }
    if (!e.error.empty()) warn << "lcrt: warning: " << e.error << " (not listed)\n";
    out.push_back(std::move(e));
  }
  return out;
}

// A record's event, for the list: nullopt when it has none.
std::optional<std::string> event_of(const Record& r) {
  if (!r.event) return std::nullopt;
  return event_name(r.event->kind);
}

// The crash's wall-clock time to the second ("2026-11-26T10:14:58Z"), when
// the record has it (LCRT_SEC_BOOT, format 1.2).
std::optional<std::string> crash_time(const Record& r) {
  if (!r.boot || r.boot->time_ns == 0) return std::nullopt;
  const std::string t = utc_time(r.boot->time_ns);  // "2026-11-26T10:14:58.123456789Z"
  return t.substr(0, t.find('.')) + "Z";
}

// The TIME column: the crash's time; else the archive time, which the crash
// came before, marked so; else "-".
std::string time_column(const Listed& e) {
  if (const auto t = crash_time(*e.found->record)) return *t;
  return e.archived ? *e.archived + "(archived)" : "-";
}

// The BOOT column: the first 8 hex digits of the crashed boot's id (the
// start of journalctl's _BOOT_ID and of /proc/sys/kernel/random/boot_id);
// "-" when the record does not say.
std::string boot_column(const Record& r) {
  if (!r.boot || r.boot->id.empty()) return "-";
  return hex_bytes(r.boot->id).substr(0, 8);
}

// The records of the region that "live:N" (want; id as given) names.
std::vector<const Listed*> named_live(const Listing& listing, const std::string& want,
                                      const std::string& id) {
  const auto seq = number(want.substr(std::string_view(kLivePrefix).size()));
  if (!seq)
    throw UsageError(printable(id) + ": not a record ID (live: takes a sequence number: live:7)");
  std::vector<const Listed*> out;
  for (const Listed& e : listing.records)
    if (e.live && e.live->record->seq == *seq) out.push_back(&e);
  return out;
}

// The records another ID names: those of its sequence number when it is a
// number that some record has, else the archive name it is, else those it
// starts.
std::vector<const Listed*> named(const Listing& listing, const std::string& want) {
  std::vector<const Listed*> out;
  if (const auto seq = number(want))
    for (const Listed& e : listing.records)
      if (e.found && e.found->record->seq == *seq) out.push_back(&e);
  if (out.empty())
    for (const Listed& e : listing.records)
      if (!e.path.empty() && e.id == want) out.push_back(&e);
  if (out.empty())
    for (const Listed& e : listing.records)
      if (!e.path.empty() && e.id.rfind(want, 0) == 0) out.push_back(&e);
  return out;
}

}  // namespace

Listing list_records(const std::string& dir, const std::string& source, std::ostream& warn) {
  Listing l;
  l.records = archived(dir, warn);
  std::map<std::string, std::vector<std::size_t>> by_key;  // record_key -> archived entries
  for (std::size_t i = 0; i < l.records.size(); i++)
    if (l.records[i].found) by_key[record_key(*l.records[i].found)].push_back(i);

  Bytes image;
  try {
    image = read_image(source);
  } catch (const IoError& e) {
    warn << "lcrt: warning: " << printable(e.what()) << ": live records not listed\n";
  }
  Scan scan = lcrt::scan(image);
  l.region = scan.region;
  if (scan.slots_missing != 0)
    warn << "lcrt: warning: " << printable(source) << ": the image ends before slot "
         << scan.region->nslots - scan.slots_missing << " of " << scan.region->nslots
         << ": the slots from there are not read\n";
  for (Found& f : scan.found) {
    if (!f.record) {
      warn << "lcrt: warning: " << printable(source) << ": corrupt record at offset " << f.offset
           << (f.slot ? " (slot " + std::to_string(*f.slot) + ")" : "") << ": "
           << printable(f.message) << " (not listed)\n";
      continue;
    }
    if (const auto same = by_key.find(record_key(f)); same != by_key.end()) {
      for (const std::size_t i : same->second) l.records[i].live = f;
      continue;
    }
    Listed e;
    e.id = kLivePrefix + std::to_string(f.record->seq);
    e.found = f;
    e.live = std::move(f);
    l.records.push_back(std::move(e));
  }
  std::stable_sort(l.records.begin(), l.records.end(), newer);
  return l;
}

Resolved resolve(const Listing& listing, const std::string& id) {
  std::string want = id;
  for (const std::string_view ext : {".rec", ".json"})
    if (want.size() > ext.size() && want.compare(want.size() - ext.size(), ext.size(), ext) == 0) {
      want.resize(want.size() - ext.size());
      break;
    }
  if (want.empty()) throw UsageError("an empty record ID (lcrt list shows them)");
  const bool live = want.rfind(kLivePrefix, 0) == 0;
  const std::vector<const Listed*> matches =
      live ? named_live(listing, want, id) : named(listing, want);
  if (matches.empty())
    throw UsageError("no record has the ID " + printable(id) + " (lcrt list shows them)");
  if (matches.size() > 1) {
    std::string which;
    for (const Listed* e : matches) which += (which.empty() ? "" : ", ") + printable(e->id);
    throw UsageError(printable(id) + " is ambiguous: it names " + std::to_string(matches.size()) +
                     " records (" + which + ")");
  }
  const Listed& e = *matches.front();
  if (!e.found) {
    if (e.io_error) throw IoError(e.error);
    throw DataError(e.error);
  }
  if (live || e.path.empty()) return {&e, &*e.live, true};
  return {&e, &*e.found, false};
}

std::string list_text(const Listing& listing) {
  std::vector<std::vector<std::string>> rows{
      {"ID", "TIME", "BOOT", "LIVE", "SEQ", "EVENT", "CULPRIT", "SIGNATURE", "TITLE"}};
  for (const Listed& e : listing.records) {
    if (!e.found) continue;
    const Record& r = *e.found->record;
    const std::string culprit = culprit_function(r);
    const std::string sig = signature(r).id;
    rows.push_back({printable(e.id), time_column(e), boot_column(r), e.live ? "yes" : "no",
                    std::to_string(r.seq), event_of(r).value_or("-"),
                    culprit.empty() ? "?" : printable(culprit), sig.empty() ? "-" : sig,
                    printable(title(r))});
  }
  if (rows.size() == 1) return "no crash record\n";
  return aligned_table(rows);
}

nlohmann::ordered_json list_json(const Listing& listing) {
  using json = nlohmann::ordered_json;
  const auto or_null = [](const std::optional<std::string>& s) {
    return s ? json(printable(*s, false)) : json(nullptr);
  };
  json out = json::array();
  for (const Listed& e : listing.records) {
    if (!e.found) continue;
    const Record& r = *e.found->record;
    const std::string culprit = culprit_function(r);
    const std::string sig = signature(r).id;
    json j;
    j["id"] = printable(e.id, false);
    j["archived"] = or_null(e.archived);
    j["live"] = e.live.has_value();
    j["seq"] = r.seq;
    j["event"] = or_null(event_of(r));
    j["culprit"] = or_null(culprit.empty() ? std::nullopt : std::optional(culprit));
    j["signature"] = or_null(sig.empty() ? std::nullopt : std::optional(sig));
    j["title"] = printable(title(r), false);
    const bool when = r.boot && r.boot->time_ns != 0;
    j["crash_time"] = when ? json(utc_time(r.boot->time_ns)) : json(nullptr);
    const bool boot = r.boot && !r.boot->id.empty();
    j["boot_id"] = boot ? json(boot_id_string(r.boot->id)) : json(nullptr);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace lcrt
