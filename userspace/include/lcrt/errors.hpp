// The errors of lcrtcore that are neither a file's I/O (IoError, io.hpp)
// nor a record's (DecodeError, record.hpp): what lcrt's exit status tells
// apart from those (lcrt(1), EXIT STATUS).
#pragma once

#include <stdexcept>
#include <string>

namespace lcrt {

// A file the user named that is not what it must be: a System.map that is
// not one, a vmlinux that is not an ELF file with a symbol table. lcrt: exit
// 65 (EX_DATAERR).
class DataError : public std::runtime_error {
 public:
  explicit DataError(const std::string& what) : std::runtime_error(what) {}
};

// What the command line asks and this build cannot do (--vmlinux without
// elfutils). lcrt: exit 64 (EX_USAGE), as a bad command line.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace lcrt
