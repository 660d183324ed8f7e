#include "lcrt/stats.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lcrt/collect.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/fd.hpp"
#include "lcrt/io.hpp"
#include "lcrt/record.hpp"
#include "lcrt/render.hpp"

#ifdef LCRT_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

namespace lcrt {
namespace {

// Microseconds since the epoch in UTC to the second: "2026-11-28T09:01:12Z".
std::string utc_seconds(std::uint64_t usec) {
  const std::string t = utc_time(usec / 1000000 * 1000000000);
  return t.substr(0, t.find('.')) + "Z";
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

#ifdef LCRT_HAVE_SYSTEMD

using Journal = std::unique_ptr<sd_journal, decltype(&sd_journal_close)>;

// The journal of source, opened; what it names in errors in where.
Journal open_journal(const JournalSource& source, std::string& where) {
  sd_journal* j = nullptr;
  int r = 0;
  if (!source.files.empty()) {
    // sd_journal_open_files() says nothing of which file it could not
    // open: each is checked first, so that the error names it.
    for (const std::string& f : source.files) {
      const Fd fd(::open(f.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0) throw IoError(f, errno);
    }
    std::vector<const char*> paths;
    paths.reserve(source.files.size() + 1);
    for (const std::string& f : source.files) paths.push_back(f.c_str());
    paths.push_back(nullptr);
    where = source.files.size() == 1 ? source.files.front() : "the journal files";
    r = sd_journal_open_files(&j, paths.data(), 0);
  } else if (!source.directory.empty()) {
    where = source.directory;
    r = sd_journal_open_directory(&j, source.directory.c_str(), 0);
  } else {
    where = "the journal";
    r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
  }
  if (r < 0) {
    if (r == -EBADMSG || r == -EPROTONOSUPPORT || r == -ENODATA)
      throw DataError(printable(where) + ": not a journal file this libsystemd reads");
    throw IoError(where, -r);
  }
  return {j, sd_journal_close};
}

// The value of field in the entry the journal is at; "" when it has none.
std::string field(sd_journal* j, const char* name) {
  const void* data = nullptr;
  std::size_t len = 0;
  if (sd_journal_get_data(j, name, &data, &len) < 0) return "";
  const std::string s(static_cast<const char*>(data), len);
  const std::size_t eq = s.find('=');
  return eq == std::string::npos ? "" : s.substr(eq + 1);
}

#endif

}  // namespace

std::vector<SignatureStats> crash_stats(const std::vector<CrashEntry>& entries) {
  struct Group {
    SignatureStats s;
    std::set<std::string> devices;
    std::uint64_t first_release_usec = 0;
    std::uint64_t last_release_usec = 0;
  };
  std::map<std::string, Group> groups;
  for (const CrashEntry& e : entries) {
    auto [it, fresh] = groups.try_emplace(e.signature);
    Group& g = it->second;
    SignatureStats& s = g.s;
    if (fresh) {
      s.signature = e.signature;
      s.first_usec = e.realtime_usec;
      s.last_usec = e.realtime_usec;
    }
    s.count++;
    g.devices.insert(e.device);
    s.first_usec = std::min(s.first_usec, e.realtime_usec);
    if (e.realtime_usec >= s.last_usec) {
      s.last_usec = e.realtime_usec;
      s.culprit = e.culprit;
      s.reason = e.reason;
      s.title = e.title;
    }
    if (e.release.empty()) continue;
    if (s.first_release.empty() || e.realtime_usec < g.first_release_usec) {
      s.first_release = e.release;
      g.first_release_usec = e.realtime_usec;
    }
    if (s.last_release.empty() || e.realtime_usec >= g.last_release_usec) {
      s.last_release = e.release;
      g.last_release_usec = e.realtime_usec;
    }
  }
  std::vector<SignatureStats> out;
  out.reserve(groups.size());
  for (auto& [sig, g] : groups) {
    g.s.devices = g.devices.size();
    out.push_back(std::move(g.s));
  }
  std::stable_sort(out.begin(), out.end(), [](const SignatureStats& a, const SignatureStats& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.devices != b.devices) return a.devices > b.devices;
    if (a.last_usec != b.last_usec) return a.last_usec > b.last_usec;
    return a.signature < b.signature;
  });
  return out;
}

bool stats_built() { return journal_built(); }

std::vector<CrashEntry> read_crash_entries(const JournalSource& source) {
#ifdef LCRT_HAVE_SYSTEMD
  std::string where;
  const Journal j = open_journal(source, where);
  const std::string match = std::string("MESSAGE_ID=") + kJournalMessageId;
  int r = sd_journal_add_match(j.get(), match.data(), match.size());
  if (r < 0) throw IoError(where, -r);
  std::vector<CrashEntry> out;
  while ((r = sd_journal_next(j.get())) > 0) {
    CrashEntry e;
    if (sd_journal_get_realtime_usec(j.get(), &e.realtime_usec) < 0) e.realtime_usec = 0;
    e.device = field(j.get(), "_MACHINE_ID");
    if (e.device.empty()) e.device = field(j.get(), "_HOSTNAME");
    e.signature = field(j.get(), "LCRT_SIGNATURE");
    e.release = field(j.get(), "LCRT_RELEASE");
    e.culprit = field(j.get(), "LCRT_CULPRIT");
    e.reason = field(j.get(), "LCRT_REASON");
    e.title = field(j.get(), "LCRT_TITLE");
    out.push_back(std::move(e));
  }
  if (r < 0) throw IoError(where, -r);
  return out;
#else
  static_cast<void>(source);
  throw UsageError("stats: this lcrt was built without libsystemd, which reads the journal");
#endif
}

std::string stats_text(const std::vector<SignatureStats>& stats) {
  if (stats.empty()) return "no crash entries\n";
  std::vector<std::vector<std::string>> rows{{"SIGNATURE", "COUNT", "DEVICES", "FIRST-RELEASE",
                                              "LAST-RELEASE", "LAST-SEEN", "CULPRIT", "REASON"}};
  for (const SignatureStats& s : stats)
    rows.push_back({or_dash(printable(s.signature)), std::to_string(s.count),
                    std::to_string(s.devices), or_dash(printable(s.first_release)),
                    or_dash(printable(s.last_release)), utc_seconds(s.last_usec),
                    or_dash(printable(s.culprit)), or_dash(without_addresses(s.reason))});
  return aligned_table(rows);
}

nlohmann::ordered_json stats_json(const std::vector<SignatureStats>& stats) {
  using json = nlohmann::ordered_json;
  const auto or_null = [](const std::string& s) {
    return s.empty() ? json(nullptr) : json(printable(s, false));
  };
  json out = json::array();
  for (const SignatureStats& s : stats) {
    json j;
    j["signature"] = or_null(s.signature);
    j["count"] = s.count;
    j["devices"] = s.devices;
    j["first_release"] = or_null(s.first_release);
    j["last_release"] = or_null(s.last_release);
    j["first_seen"] = utc_seconds(s.first_usec);
    j["last_seen"] = utc_seconds(s.last_usec);
    j["culprit"] = or_null(s.culprit);
    j["reason"] = s.reason.empty() ? json(nullptr) : json(without_addresses(s.reason));
    j["title"] = s.title.empty() ? json(nullptr) : json(without_addresses(s.title));
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace lcrt
