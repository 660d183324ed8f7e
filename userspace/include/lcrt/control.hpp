// The kernel's control file (/sys/kernel/lcrt/control): what lcrt clear
// and lcrt collect write to it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace lcrt {

// What to erase: every record, the record of one seq, or every record
// (valid or torn) of a seq up to one.
struct ClearScope {
  enum class Kind { kAll, kSeq, kUpto };
  Kind kind = Kind::kAll;
  std::uint64_t seq = 0;  // for kSeq and kUpto
};

// The word the kernel takes for it: "clear\n", "clear N\n", "clear to N\n"
// (drivers/misc/lcrt/iface.c, Documentation/ABI/testing/sysfs-kernel-lcrt).
std::string control_word(const ClearScope& scope);

// Why the control file could not take the word.
class ControlError : public std::runtime_error {
 public:
  enum class Kind {
    kIo,        // it cannot be opened or written (errno's message)
    kNotSysfs,  // it is not a sysfs file, so not the kernel's control file
    kRefused,   // the kernel refused the word (EINVAL): not one it takes
  };
  ControlError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Writes the word for scope to the control file at path, in one write(2),
// never creating the file. With sysfs_only (always, but in tests), a file
// that is not in sysfs is refused before anything is written: a mistyped
// path must not become a file that "took" the word. Throws ControlError
// naming the path.
void write_control(const std::string& path, const ClearScope& scope, bool sysfs_only = true);

}  // namespace lcrt
