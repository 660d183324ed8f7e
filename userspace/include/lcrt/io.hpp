// Files as a record keeper handles them: images read whole, files written
// whole or not at all, and every failure an error naming the file.
#pragma once

#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lcrt/record.hpp"

namespace lcrt {

// A file that cannot be read or written: "path: strerror(errno)".
class IoError : public std::runtime_error {
 public:
  IoError(const std::string& path, int err);
  explicit IoError(const std::string& what) : std::runtime_error(what) {}
};

// An NVRAM region is kilobytes, a dump of a whole NOR chip tens of MiB;
// anything bigger is not an image.
inline constexpr std::size_t kMaxImage = std::size_t{256} << 20;

// The whole of an image: a file, a sysfs file or "-" (standard input).
// Throws IoError (also for a directory, or more than kMaxImage bytes).
Bytes read_image(const std::string& path);

// Writes data as dir/name, whole or not at all: into an unnamed file in dir
// (O_TMPFILE, then linkat(2); where the file system has no O_TMPFILE, a
// hidden ".name.tmp" renamed), fsync'd before it gets its name, and the
// directory fsync'd after. An existing name is never replaced. dirfd is dir
// opened O_DIRECTORY; dir names it in errors. On failure nothing is left
// under name, and no temporary file either. Throws IoError.
void write_file_atomic(int dirfd, const std::string& dir, const std::string& name,
                       std::string_view data);

// Flushes out (standard output: its C stream too) and throws IoError naming
// what when anything written to it was lost (a full disk, a closed pipe).
void flush_or_throw(std::ostream& out, const std::string& what);

}  // namespace lcrt
