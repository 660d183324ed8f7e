#include "lcrt/control.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lcrt/fd.hpp"

namespace lcrt {

std::string control_word(const ClearScope& scope) {
  switch (scope.kind) {
    case ClearScope::Kind::kSeq:
      return "clear " + std::to_string(scope.seq) + "\n";
    case ClearScope::Kind::kUpto:
      return "clear to " + std::to_string(scope.seq) + "\n";
    case ClearScope::Kind::kAll:
      break;
  }
  return "clear\n";
}

void write_control(const std::string& path, const ClearScope& scope, bool sysfs_only) {
  const auto io_error = [&path](int err) {
    return ControlError(ControlError::Kind::kIo, path + ": " + std::strerror(err));
  };
  const Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) throw io_error(errno);
  struct statfs fs {};
  if (sysfs_only && (::fstatfs(fd.get(), &fs) != 0 || fs.f_type != SYSFS_MAGIC))
    throw ControlError(ControlError::Kind::kNotSysfs,
                       path + ": not LCRT's control file (not in sysfs)");
  const std::string word = control_word(scope);
  const ssize_t n = ::write(fd.get(), word.data(), word.size());
  if (n < 0 && errno == EINVAL)
    throw ControlError(ControlError::Kind::kRefused, path + ": the kernel refused \"" +
                                                         word.substr(0, word.size() - 1) +
                                                         "\": " + std::strerror(EINVAL));
  if (n < 0) throw io_error(errno);
  if (static_cast<std::size_t>(n) != word.size())
    throw ControlError(ControlError::Kind::kIo, path + ": short write");
}

}  // namespace lcrt
