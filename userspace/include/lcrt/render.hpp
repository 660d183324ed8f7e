// Presenting a decoded record: text for people, JSON for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lcrt/record.hpp"
#include "lcrt/symbols.hpp"

namespace lcrt {

struct RenderOptions {
  const SymbolMap* symbols = nullptr;  // names frames the record left unnamed
};

// The kernel's taint letters for the bits set in mask ("" when untainted).
std::string taint_letters(std::uint64_t mask);

std::string render_text(const Record& rec, const RenderOptions& opt = {});
nlohmann::json to_json(const Record& rec, const RenderOptions& opt = {});

}  // namespace lcrt
