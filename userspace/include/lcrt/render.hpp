// Presenting a decoded record: text for people, JSON for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lcrt/dwarf.hpp"
#include "lcrt/record.hpp"
#include "lcrt/symbols.hpp"

namespace lcrt {

struct RenderOptions {
  const SymbolMap* symbols = nullptr;  // names frames the record left unnamed
  Symbolizer* source = nullptr;        // source lines of named frames (--vmlinux)
  // Text: each frame's stack words; false gives one summary line of the
  // windows instead ("stack windows: N frames, M words (-v shows them)").
  bool stack_words = true;
};

// The kernel's taint letters for the bits set in mask ("" when untainted).
std::string taint_letters(std::uint64_t mask);

// The version of to_json()'s layout; raised when a field changes meaning.
inline constexpr int kJsonSchema = 1;

// Bytes from the record made safe to show: valid UTF-8 is kept, any other
// byte (and, with escape_controls, a control character or backslash) becomes
// "\\xNN", so a task name can neither break JSON nor drive a terminal.
std::string printable(const std::string& s, bool escape_controls = true);

std::string render_text(const Record& rec, const RenderOptions& opt = {});
// One record as JSON, fields in a fixed order (registers in the kernel's).
nlohmann::ordered_json to_json(const Record& rec, const RenderOptions& opt = {});

}  // namespace lcrt
