// Debug files by build-id: build-id directories, then debuginfod (through
// libdebuginfod, when this build has it).
#include "lcrt/debuginfo.hpp"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <system_error>

#include "lcrt/fd.hpp"

#ifdef LCRT_HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>
#endif

namespace lcrt {
namespace {

struct ElfEnd {
  void operator()(Elf* e) const { elf_end(e); }
};

// The GNU build-id of the ELF file at path; {} when it has none or is not
// ELF. errno's error when it cannot be opened.
Bytes build_id_of(const std::string& path, std::error_code& err) {
  err.clear();
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    err.assign(errno, std::generic_category());
    return {};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    err.assign(S_ISDIR(st.st_mode) ? EISDIR : EINVAL, std::generic_category());
    return {};
  }
  elf_version(EV_CURRENT);
  const std::unique_ptr<Elf, ElfEnd> elf(elf_begin(fd.get(), ELF_C_READ_MMAP, nullptr));
  if (!elf) return {};
  const void* bits = nullptr;
  const ssize_t n = dwelf_elf_gnu_build_id(elf.get(), &bits);
  if (n <= 0) return {};
  const auto* b = static_cast<const std::uint8_t*>(bits);
  return {b, b + n};
}

// Whether the file at path is the one of build-id id; why not, when not.
bool has_build_id(const std::string& path, const Bytes& id, std::string& why) {
  std::error_code err;
  const Bytes got = build_id_of(path, err);
  if (err) {
    why = path + ": " + err.message();
    return false;
  }
  if (got == id) return true;
  why =
      path + (got.empty() ? " is no ELF file with a build-id" : " has build-id " + hex_bytes(got));
  return false;
}

// A URL without the user name and password it may carry (they are not for
// a record's decode to show).
std::string without_userinfo(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto host = scheme + 3;
  const auto end = url.find('/', host);
  const auto at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

// DEBUGINFOD_URLS's servers, each without its user information.
std::string servers(const std::string& urls) {
  std::istringstream in(urls);
  std::string out;
  for (std::string url; in >> url;) out += (out.empty() ? "" : " ") + without_userinfo(url);
  return out;
}

#ifdef LCRT_HAVE_DEBUGINFOD
struct ClientEnd {
  void operator()(debuginfod_client* c) const { debuginfod_end(c); }
};

struct Free {
  void operator()(char* p) const { std::free(p); }
};

// The debuginfo of id from the servers of urls (or libdebuginfod's cache).
std::optional<DebugFile> from_debuginfod(const Bytes& id, const std::string& urls,
                                         std::string& why) {
  const std::unique_ptr<debuginfod_client, ClientEnd> client(debuginfod_begin());
  if (!client) {
    why = "debuginfod: its client could not be started";
    return std::nullopt;
  }
  char* raw = nullptr;
  const int fd =
      debuginfod_find_debuginfo(client.get(), id.data(), static_cast<int>(id.size()), &raw);
  const std::unique_ptr<char, Free> path(raw);
  if (fd < 0) {
    why = "debuginfod (" + servers(urls) +
          "): " + std::error_code(-fd, std::generic_category()).message();
    return std::nullopt;
  }
  ::close(fd);
  if (!path) {
    why = "debuginfod (" + servers(urls) + "): no path for its file";
    return std::nullopt;
  }
  if (!has_build_id(path.get(), id, why)) {
    why = "debuginfod (" + servers(urls) + "): " + why;
    return std::nullopt;
  }
  // No URL when the file came from the cache, without asking a server.
  const char* url = debuginfod_get_url(client.get());
  return DebugFile{path.get(), url != nullptr && *url != '\0'
                                   ? without_userinfo(url)
                                   : std::string(path.get()) + " (debuginfod cache)"};
}
#endif

}  // namespace

DebugSearch find_debug_file(const Bytes& id, const DebugLookup& where) {
  DebugSearch out;
  const auto said = [&out](const std::string& why) {
    out.why += (out.why.empty() ? "" : "; ") + why;
  };
  if (id.size() < 2) {
    out.why = "a build-id of " + std::to_string(id.size()) + " bytes names no debug file";
    return out;
  }
  const std::string name = "/.build-id/" + hex_bytes(Bytes(id.begin(), id.begin() + 1)) + "/" +
                           hex_bytes(Bytes(id.begin() + 1, id.end())) + ".debug";
  for (std::string path : where.dirs) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    path += name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      said("no " + path);
      continue;
    }
    std::string why;
    if (has_build_id(path, id, why)) {
      out.file = DebugFile{path, path};
      out.why.clear();
      return out;
    }
    said(why);
  }
  if (!where.debuginfod) return out;
  const char* urls = std::getenv("DEBUGINFOD_URLS");
  if (urls == nullptr || *urls == '\0') {
    said("DEBUGINFOD_URLS not set");
    return out;
  }
#ifdef LCRT_HAVE_DEBUGINFOD
  std::string why;
  out.file = from_debuginfod(id, urls, why);
  if (out.file)
    out.why.clear();
  else
    said(why);
#else
  said("DEBUGINFOD_URLS is set, but this lcrt was built without libdebuginfod");
#endif
  return out;
}

bool debuginfod_built() {
#ifdef LCRT_HAVE_DEBUGINFOD
  return true;
#else
  return false;
#endif
}

}  // namespace lcrt
