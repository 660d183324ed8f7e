// Debug files found by build-id, for the kernel (and modules) of a record
// that no --vmlinux (or --modules) names: in build-id directories, the way
// GDB and elfutils find them, then from the debuginfod servers of
// DEBUGINFOD_URLS (lcrt(1), DEBUG FILES).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lcrt/record.hpp"

namespace lcrt {

// Where debug files are looked for, in this order.
struct DebugLookup {
  // DIR/.build-id/ab/cdef....debug in each DIR: the build-id's first byte
  // in hex, then the rest and ".debug" (Debian's -dbg and -dbgsym packages
  // install their files, or symlinks to them, there).
  std::vector<std::string> dirs{"/usr/lib/debug"};
  // Then the servers of DEBUGINFOD_URLS, when it is set and not empty.
  bool debuginfod = true;
};

// A debug file found: a local file (debuginfod's, in its cache) and where
// it came from, as the text's "debug:" line says it.
struct DebugFile {
  std::string path;
  std::string origin;  // path, or the URL debuginfod fetched it from
};

struct DebugSearch {
  std::optional<DebugFile> file;
  // Without a file: where it was looked for, and why not there. Paths and
  // URLs as given (a caller that shows them makes them printable()).
  std::string why;
};

// The debug file whose GNU build-id is id: the first of where's places that
// has one (a file there of another build-id is passed over, and why says
// so). Never throws for what the places hold.
DebugSearch find_debug_file(const Bytes& id, const DebugLookup& where);

// Whether this build asks debuginfod (it has libdebuginfod).
bool debuginfod_built();

}  // namespace lcrt
