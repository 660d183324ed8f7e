// Source lines in a build without elfutils (LCRT_DWARF=OFF), such as the
// static tool in the lab's guests: --vmlinux is a clear error there, and a
// host build symbolizes the same record.
#include <stdexcept>

#include "lcrt/dwarf.hpp"
#include "lcrt/errors.hpp"

namespace lcrt {

struct Symbolizer::Impl {};

Symbolizer::Symbolizer(const std::string& vmlinux, std::ostream& /*warn*/) {
  throw UsageError(vmlinux +
                   ": this lcrt was built without elfutils (LCRT_DWARF=OFF); "
                   "decode the record with a build that has it");
}

Symbolizer::Symbolizer(std::ostream& /*warn*/) {
  throw UsageError("this lcrt was built without elfutils (LCRT_DWARF=OFF): no source lines");
}

Symbolizer::~Symbolizer() = default;
Symbolizer::Symbolizer(Symbolizer&&) noexcept = default;
Symbolizer& Symbolizer::operator=(Symbolizer&&) noexcept = default;

// Never reached: no Symbolizer is ever constructed. Members, not statics: the
// interface is the one dwarf.cpp implements.
// NOLINTBEGIN(readability-convert-member-functions-to-static)
const std::string& Symbolizer::path() const { throw std::logic_error("no elfutils"); }
const Bytes& Symbolizer::build_id() const { throw std::logic_error("no elfutils"); }
bool Symbolizer::has_dwarf() const { return false; }
void Symbolizer::add_modules(const std::string& /*dir*/) {}
void Symbolizer::set_lookup(const DebugLookup& /*where*/) {}
std::string Symbolizer::module_debug(const Module& /*m*/) { return {}; }
std::vector<std::optional<std::vector<Argument>>> Symbolizer::arguments(
    const Record& /*rec*/, const std::vector<FrameAt>& /*frames*/) {
  return {};
}
std::optional<SourceLine> Symbolizer::locate(const FrameAt& /*f*/,
                                             const std::vector<FrameAt>& /*context*/) {
  return std::nullopt;
}
// NOLINTEND(readability-convert-member-functions-to-static)

bool dwarf_built() { return false; }

std::string build_id_mismatch(const Symbolizer& /*s*/, const Record& /*rec*/) { return {}; }

DebugSearch find_debug_file(const Bytes& /*id*/, const DebugLookup& /*where*/) {
  return {std::nullopt, "this lcrt was built without elfutils (LCRT_DWARF=OFF)"};
}

bool debuginfod_built() { return false; }

}  // namespace lcrt
