#include "lcrt/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "lcrt/fd.hpp"

namespace lcrt {

IoError::IoError(const std::string& path, int err)
    : std::runtime_error(path + ": " + std::strerror(err)) {}

Bytes read_image(const std::string& path) {
  const bool is_stdin = path == "-";
  const Fd fd(is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC), !is_stdin);
  if (fd.get() < 0) throw IoError(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode))
    throw IoError(path + ": is a directory, not an LCRT image");
  Bytes b;
  std::array<unsigned char, 65536> buf{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, errno);
    if (n == 0) break;
    if (b.size() + static_cast<std::size_t>(n) > kMaxImage)
      throw IoError(path + ": larger than " + std::to_string(kMaxImage >> 20) +
                    " MiB, not an LCRT image");
    b.insert(b.end(), buf.begin(), buf.begin() + n);
  }
  return b;
}

namespace {

void write_all(int fd, std::string_view data, const std::string& path) {
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw IoError(path, errno);
}

// O_TMPFILE: a file without a name until linkat() gives it one, so that a
// tool killed half-way leaves nothing behind. false when the file system
// (or the kernel) cannot.
bool write_unnamed(int dirfd, const std::string& path, const std::string& name,
                   std::string_view data) {
  const Fd fd(::openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return false;
    throw IoError(path, errno);
  }
  write_all(fd.get(), data, path);
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, self.c_str(), dirfd, name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    if (errno == ENOENT && ::access("/proc/self/fd", F_OK) != 0) return false;  // no /proc
    throw IoError(path, errno);
  }
  return true;
}

// Without O_TMPFILE: a hidden temporary name, renamed only if the name is
// still free (renameat2's RENAME_NOREPLACE is not everywhere: link, unlink).
void write_renamed(int dirfd, const std::string& path, const std::string& name,
                   std::string_view data) {
  const std::string tmp = "." + name + ".tmp";
  try {
    {
      const Fd fd(::openat(dirfd, tmp.c_str(),
                           O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (fd.get() < 0) throw IoError(path, errno);
      write_all(fd.get(), data, path);
    }
    if (::linkat(dirfd, tmp.c_str(), dirfd, name.c_str(), 0) != 0) throw IoError(path, errno);
  } catch (...) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    throw;
  }
  ::unlinkat(dirfd, tmp.c_str(), 0);
}

}  // namespace

void write_file_atomic(int dirfd, const std::string& dir, const std::string& name,
                       std::string_view data) {
  const std::string path = dir + "/" + name;
  if (!write_unnamed(dirfd, path, name, data)) write_renamed(dirfd, path, name, data);
  if (::fsync(dirfd) != 0) throw IoError(dir, errno);
}

void flush_or_throw(std::ostream& out, const std::string& what) {
  errno = 0;
  const bool lost = !out.flush() ||
                    (&out == &std::cout && (std::fflush(stdout) != 0 || std::ferror(stdout) != 0));
  if (lost) throw IoError(what, errno != 0 ? errno : EIO);
}

}  // namespace lcrt
