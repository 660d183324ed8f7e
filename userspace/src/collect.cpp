#include "lcrt/collect.hpp"

#include <fcntl.h>
#include <linux/lcrt.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "lcrt/render.hpp"
#include "lcrt/signature.hpp"

#ifdef LCRT_HAVE_SYSTEMD
#define SD_JOURNAL_SUPPRESS_LOCATION  // no CODE_FILE= of this file in the entry
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

// An archived .rec, read no further than a record and its follow-up can be long.
Bytes read_rec(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot be opened");
  Bytes b(2 * LCRT_MAX_RECORD_SIZE + 8);
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (in.bad()) throw std::runtime_error("cannot be read");
  b.resize(static_cast<std::size_t>(in.gcount()));
  return b;
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

std::string culprit(const Record& rec) {
  const auto pc = [](const Frame& f) {
    std::array<char, 24> buf{};
    std::snprintf(buf.data(), buf.size(), "0x%llx", static_cast<unsigned long long>(f.pc));
    return std::string(buf.data());
  };
  if (rec.culprit && rec.culprit->frame < rec.frames.size()) {
    const Frame& f = rec.frames[static_cast<std::size_t>(rec.culprit->frame)];
    const std::string name = base_name(f.name);
    return name.empty() ? pc(f) : name;
  }
  if (const Signature sig = signature(rec); !sig.functions.empty()) return sig.functions.front();
  return rec.frames.empty() ? "unknown" : pc(rec.frames[0]);
}

Archive::Archive(std::string dir, std::ostream& warn)
    : dir_(std::move(dir)), fd_(open_locked(dir_)) {
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.' || entry.path().extension() != ".rec") continue;
    try {
      const Scan s = scan(read_rec(entry.path()));
      if (s.found.empty()) throw DecodeError(Error::kNoRecord, "no LCRT record (no magic)");
      const Found& f = s.found.front();
      if (!f.record) throw DecodeError(*f.error, f.message);
      count(f);
    } catch (const std::exception& e) {
      warn << "lcrt: warning: " << entry.path().string() << ": " << e.what()
           << " (not counted as archived)\n";
    }
  }
}

void Archive::count(const Found& f) {
  keys_.insert(record_key(f));
  if (!newest_seq_ || f.record->seq > *newest_seq_) newest_seq_ = f.record->seq;
}

void Archive::write(const std::string& name, const void* data, std::size_t size) const {
  const std::string tmp = "." + name + ".tmp";
  const auto give_up = [&](int err) {
    ::unlinkat(fd_.get(), tmp.c_str(), 0);
    fail(err, dir_ + "/" + name);
  };
  {
    const Fd f(::openat(fd_.get(), tmp.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (f.get() < 0) fail(errno, dir_ + "/" + name);
    const auto* p = static_cast<const char*>(data);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::write(f.get(), p + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) give_up(errno);
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(f.get()) != 0) give_up(errno);
  }
  if (::renameat(fd_.get(), tmp.c_str(), fd_.get(), name.c_str()) != 0) give_up(errno);
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
  write(s + ".json", json.data(), json.size());
  write(s + ".rec", raw.data(), raw.size());
  if (::fsync(fd_.get()) != 0) fail(errno, dir_);
  count(f);
  return dir_ + "/" + s;
}

std::string clear_blocker(const Scan& now, const std::set<std::string>& archived,
                          std::uint64_t upto) {
  std::size_t corrupt = 0;
  for (const Found& f : now.found) {
    if (f.error) {
      corrupt++;
    } else if (f.record->seq <= upto && archived.count(record_key(f)) == 0) {
      return "record " + std::to_string(f.record->seq) + " is not archived";
    }
  }
  if (corrupt != 0) return std::to_string(corrupt) + " corrupt record(s) left for a human";
  return "";
}

bool journal_built() {
#ifdef LCRT_HAVE_SYSTEMD
  return true;
#else
  return false;
#endif
}

bool journal_record(const Record& rec, const std::string& path) {
#ifdef LCRT_HAVE_SYSTEMD
  const Signature sig = signature(rec);
  const std::string who = printable(culprit(rec));
  const std::string what = printable(title(rec));
  const std::string event = rec.event ? event_name(rec.event->kind) : "unknown";
  const std::string message = "MESSAGE=kernel crash recorded: " + who + " (" +
                              (sig.id.empty() ? "no signature" : sig.id) + ")";
  const std::string seq = std::to_string(rec.seq);
  const std::string build_id = hex_bytes(rec.build_id);
  // One field a line (the empty comments keep clang-format from packing them).
  return sd_journal_send("MESSAGE_ID=%s", kJournalMessageId,    //
                         "%s", message.c_str(),                 //
                         "PRIORITY=3",                          //
                         "SYSLOG_IDENTIFIER=lcrt",              //
                         "LCRT_SIGNATURE=%s", sig.id.c_str(),   //
                         "LCRT_TITLE=%s", what.c_str(),         //
                         "LCRT_CULPRIT=%s", who.c_str(),        //
                         "LCRT_BUILD_ID=%s", build_id.c_str(),  //
                         "LCRT_SEQ=%s", seq.c_str(),            //
                         "LCRT_EVENT=%s", event.c_str(),        //
                         "LCRT_ARCHIVE=%s.json", path.c_str(), nullptr) == 0;
#else
  static_cast<void>(rec);
  static_cast<void>(path);
  return false;
#endif
}

}  // namespace lcrt
