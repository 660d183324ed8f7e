#include "lcrt/collect.hpp"

#include <fcntl.h>
#include <linux/lcrt.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "lcrt/control.hpp"
#include "lcrt/io.hpp"
#include "lcrt/render.hpp"
#include "lcrt/signature.hpp"

#ifdef LCRT_HAVE_SYSTEMD
#define SD_JOURNAL_SUPPRESS_LOCATION  // no CODE_FILE= of this file in the entry
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#endif

namespace lcrt {
namespace {

[[noreturn]] void fail(int err, const std::string& path) {
  throw std::system_error(err, std::generic_category(), path);
}

// dir, created when missing, opened and locked against another collect.
int open_locked(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail(errno, dir);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, dir);
  if (::flock(fd, LOCK_EX) != 0) {
    const int err = errno;
    ::close(fd);
    fail(err, dir);
  }
  return fd;
}

std::string stem(const Record& rec, std::time_t now) {
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::array<char, 32> when{};
  std::strftime(when.data(), when.size(), "%Y%m%dT%H%M%SZ", &tm);
  const Signature sig = signature(rec);
  return std::string(when.data()) + "-seq" + std::to_string(rec.seq) + "-" +
         (sig.id.empty() ? "nosignature" : sig.id);
}

}  // namespace

std::string record_key(const Record& rec) {
  std::array<char, 16> crc{};
  std::snprintf(crc.data(), crc.size(), "%08x", static_cast<unsigned>(rec.crc));
  return hex_bytes(rec.build_id) + "-" + std::to_string(rec.seq) + "-" + crc.data();
}

std::string record_key(const Found& f) {
  std::string key = record_key(*f.record);
  if (f.followup) {
    std::array<char, 16> crc{};
    std::snprintf(crc.data(), crc.size(), "%08x", static_cast<unsigned>(f.followup->crc));
    key += std::string("+") + crc.data();
  }
  return key;
}

std::string culprit_function(const Record& rec) {
  if (rec.culprit && rec.culprit->frame < rec.frames.size())
    return base_name(rec.frames[static_cast<std::size_t>(rec.culprit->frame)].name);
  const Signature sig = signature(rec);
  return sig.functions.empty() ? "" : sig.functions.front();
}

Found read_archived(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw IoError(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode))
    throw IoError(path + ": is a directory, not an archived record");
  Bytes b(2 * LCRT_MAX_RECORD_SIZE + 8);
  std::size_t got = 0;
  while (got < b.size()) {
    const ssize_t n = ::read(fd.get(), b.data() + got, b.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  b.resize(got);
  Scan s = scan(b);
  if (s.found.empty()) throw DecodeError(Error::kNoRecord, "no LCRT record (no magic)");
  Found& f = s.found.front();
  if (!f.record) throw DecodeError(*f.error, f.message);
  return std::move(f);
}

Archive::Archive(std::string dir, std::ostream& warn)
    : dir_(std::move(dir)), fd_(open_locked(dir_)) {
  // What a collect killed half-way left: a hidden temporary file, a .json
  // whose .rec was never written (its record was neither archived nor cleared).
  std::vector<std::filesystem::path> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const auto& p = entry.path();
    const std::string name = p.filename().string();
    if ((name.front() == '.' && p.extension() == ".tmp") ||
        (name.front() != '.' && p.extension() == ".json" &&
         !std::filesystem::exists(std::filesystem::path(p).replace_extension(".rec"))))
      left.push_back(p);
  }
  for (const auto& p : left) {
    if (::unlinkat(fd_.get(), p.filename().c_str(), 0) != 0) fail(errno, p.string());
    warn << "lcrt: warning: " << p.string() << ": left by a collect that did not finish: removed\n";
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.' || entry.path().extension() != ".rec") continue;
    try {
      count(read_archived(entry.path().string()));
    } catch (const IoError& e) {  // says the path itself
      warn << "lcrt: warning: " << e.what() << " (not counted as archived)\n";
    } catch (const DecodeError& e) {
      warn << "lcrt: warning: " << entry.path().string() << ": " << e.what()
           << " (not counted as archived)\n";
    }
  }
}

void Archive::count(const Found& f) {
  keys_.insert(record_key(f));
  if (!newest_seq_ || f.record->seq > *newest_seq_) newest_seq_ = f.record->seq;
}

std::string Archive::add(const Found& f, const Bytes& raw, const std::string& json,
                         std::time_t now) {
  const auto taken = [this](const std::string& name) {
    struct stat st {};
    return ::fstatat(fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  };
  const std::string base = stem(*f.record, now);
  std::string s = base;
  for (int n = 2; taken(s + ".json") || taken(s + ".rec"); n++) s = base + "-" + std::to_string(n);
  write_file_atomic(fd_.get(), dir_, s + ".json", json);
  write_file_atomic(fd_.get(), dir_, s + ".rec",
                    std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  count(f);
  return dir_ + "/" + s;
}

bool Device::is(const std::string& path) const {
  if (path == region_) return true;
  struct stat a {};
  struct stat b {};
  return ::stat(path.c_str(), &a) == 0 && ::stat(region_.c_str(), &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Bytes Device::read() { return read_image(region_); }

void Device::clear(std::uint64_t seq) {
  write_control(control_, {ClearScope::Kind::kSeq, seq}, sysfs_only_);
}

ClearPlan plan_clear(const Scan& read, const Scan& now, const std::set<std::string>& archived) {
  ClearPlan plan;
  const auto keep = [&plan](std::uint64_t seq, const std::string& why) {
    plan.kept.push_back("record " + std::to_string(seq) + " is not cleared: " + why);
  };
  for (const Found& f : read.found) {
    if (!f.record) continue;  // corrupt or torn: no word names it alone
    const std::uint64_t seq = f.record->seq;
    const std::string key = record_key(f);
    if (archived.count(key) == 0) {
      keep(seq, "it is not archived");
    } else if (f.followup_error) {
      keep(seq, "what follows it in its slot is " + std::string(to_string(*f.followup_error)) +
                    " (left for a human: lcrt decode, then lcrt clear --seq " +
                    std::to_string(seq) + ")");
    } else if (seq == 0) {
      keep(seq, "the kernel's control file names no record 0");
    } else {
      std::size_t same = 0;
      bool changed = false;
      for (const Found& g : now.found) {
        if (g.header_seq != seq && !(g.record && g.record->seq == seq)) continue;
        same++;
        changed = changed || !g.record || g.followup_error || record_key(g) != key;
      }
      if (same == 0)
        keep(seq, "it is gone since it was read");
      else if (changed || same > 1)
        keep(seq, "its slot changed since it was read, or another slot holds its seq");
      else
        plan.seqs.push_back(seq);
    }
  }
  return plan;
}

CollectResult collect(const CollectOptions& o, Device& device, std::ostream& out,
                      std::ostream& err) {
  const bool live = device.is(o.source);
  const Bytes seen = live ? device.read() : read_image(o.source);
  const Scan scan = lcrt::scan(seen);
  Archive archive(o.dir, err);
  CollectResult r;
  for (const auto& f : scan.found) {
    if (f.error) {
      err << o.source << ": corrupt record at offset " << f.offset
          << (f.slot ? " (slot " + std::to_string(*f.slot) + ")" : "") << ": " << f.message << "\n";
      r.corrupt++;
      continue;
    }
    if (archive.has(f)) {
      r.before++;
      continue;
    }
    const auto j = to_json(f, scan.region);
    const auto* raw = seen.data() + f.offset;
    const std::string path =
        archive.add(f, Bytes(raw, raw + f.size()),
                    j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n",
                    std::time(nullptr));
    journal_record(f, path);
    out << "archived " << path << ".json and .rec\n";
    r.archived++;
  }
  out << o.dir << ": " << r.archived << " archived, " << r.before << " archived before, "
      << r.corrupt << " corrupt\n";
  if (!o.clear || scan.found.empty()) return r;
  if (!live) {
    out << "not cleared: " << o.source << " is not the live region (" << device.region()
        << "): only what collect read from it is ever cleared\n";
    return r;
  }
  if (r.corrupt != 0)
    out << "not cleared: " << r.corrupt
        << " corrupt or torn record(s), left for a human (lcrt decode " << o.source
        << ", then lcrt clear)\n";
  // Nothing is erased before what was archived is on disk (Archive::add
  // fsyncs each file and the directory) and what was said is out.
  flush_or_throw(out, "standard output");
  if (!o.before_clear.empty()) {
    const int status = std::system(o.before_clear.c_str());
    if (status != 0) {
      out << "not cleared: --before-clear "
          << (status == -1          ? std::string("could not run")
              : WIFEXITED(status)   ? "exited " + std::to_string(WEXITSTATUS(status))
              : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                    : std::string("failed"))
          << "\n";
      return r;
    }
  }
  const ClearPlan plan = plan_clear(scan, lcrt::scan(device.read()), archive.keys());
  for (const std::string& why : plan.kept) out << "not cleared: " << why << "\n";
  for (const std::uint64_t seq : plan.seqs) {
    device.clear(seq);
    r.cleared.push_back(seq);
    out << "cleared record " << seq << "\n";
  }
  return r;
}

bool journal_built() {
#ifdef LCRT_HAVE_SYSTEMD
  return true;
#else
  return false;
#endif
}

namespace {

bool hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool word_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

std::string without_addresses(const std::string& s) {
  constexpr std::size_t kDigits = 8;  // a 32-bit address and up
  const std::string text = printable(s);
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (!word_char(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && word_char(text[end])) end++;
    const std::string_view word(text.data() + i, end - i);
    const bool prefixed = word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
    const std::string_view digits = prefixed ? word.substr(2) : word;
    if (digits.size() >= kDigits && std::all_of(digits.begin(), digits.end(), hex_digit))
      out += "ADDR";
    else
      out += word;
    i = end;
  }
  return out;
}

std::vector<std::string> journal_fields(const Found& f, const std::string& path) {
  const Record& rec = *f.record;
  const Signature sig = signature(rec);
  // Names only: a journal entry leaves the root-only files (no pc in hex).
  const std::string named = culprit_function(rec);
  const std::string who = named.empty() ? "?" : printable(named);
  std::vector<std::string> out{
      std::string("MESSAGE_ID=") + kJournalMessageId,
      "MESSAGE=kernel crash recorded: " + who + " (" + (sig.id.empty() ? "no signature" : sig.id) +
          ")",
      "PRIORITY=3",
      "SYSLOG_IDENTIFIER=lcrt",
      "LCRT_SIGNATURE=" + sig.id,
      "LCRT_TITLE=" + without_addresses(title(rec)),
      "LCRT_CULPRIT=" + who,
  };
  if (const std::string reason = joined_reason(f); !reason.empty())
    out.push_back("LCRT_REASON=" + without_addresses(reason));
  if (rec.release) out.push_back("LCRT_RELEASE=" + printable(*rec.release));
  out.push_back("LCRT_BUILD_ID=" + hex_bytes(rec.build_id));
  if (rec.boot && !rec.boot->id.empty())
    out.push_back("LCRT_CRASH_BOOT_ID=" + hex_bytes(rec.boot->id));
  if (rec.boot && rec.boot->time_ns != 0)
    out.push_back("LCRT_CRASH_TIME=" + std::to_string(rec.boot->time_ns / 1000));
  out.push_back("LCRT_SEQ=" + std::to_string(rec.seq));
  out.push_back("LCRT_EVENT=" + std::string(rec.event ? event_name(rec.event->kind) : "unknown"));
  out.push_back("LCRT_ARCHIVE=" + path + ".json");
  return out;
}

bool journal_record(const Found& f, const std::string& path) {
#ifdef LCRT_HAVE_SYSTEMD
  std::vector<std::string> fields = journal_fields(f, path);
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (std::string& field : fields) iov.push_back({field.data(), field.size()});
  return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) == 0;
#else
  static_cast<void>(f);
  static_cast<void>(path);
  return false;
#endif
}

}  // namespace lcrt
