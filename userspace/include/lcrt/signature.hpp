// A crash signature: the same bug gets the same one on any board or build;
// and a title, as syzbot names Linux crashes.
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

// The signature of a record, from the names its frames carry (never a
// System.map's or a vmlinux's, so that show, its JSON, collect's file names
// and journal entries give every record the same one). When the record
// names a culprit, the list starts at the culprit's frame: the culprit's
// name (machinery or not: the kernel chose it), then the callers after it
// that are not crash machinery, kSignatureFrames in all. Without one, the
// chain from frame 0 as signature(names) has it.
Signature signature(const Record& rec);

// A function as signatures and titles name it: "func.constprop.0 [module]"
// -> "func".
std::string base_name(std::string name);

// The base name of the record's culprit; "" when it names none, or its frame
// has no name in the record.
std::string culprit_name(const Record& rec);

// The record's title, in the style syzbot deduplicates Linux crashes by
// ("kernel BUG in func", "WARNING in func", "BUG: soft lockup in func",
// ...), from its event, its own reason (an oops's, not that of the panic
// that followed it) and its culprit's base name; without " in func" when it
// names no culprit.
std::string title(const Record& rec);

}  // namespace lcrt
