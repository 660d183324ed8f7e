// A crash signature: the same bug gets the same one on any board or build.
#pragma once

#include <string>
#include <vector>

#include "lcrt/record.hpp"

namespace lcrt {

struct Signature {
  std::string id;                      // 8 hex digits, "" without named frames
  std::vector<std::string> functions;  // what it hashes, innermost first
};

// The innermost meaningful frames of a call chain: the first kSignatureFrames
// function names after the crash machinery (panic, oops and WARN handling,
// exception entries, interrupt and watchdog plumbing), without module names,
// offsets, addresses or GCC's clone suffixes (.constprop.0, .isra.0, .cold),
// hashed with CRC-32. names[i] is frame i's function, "" when unnamed.
inline constexpr std::size_t kSignatureFrames = 4;
Signature signature(const std::vector<std::string>& names);

}  // namespace lcrt
