// Source lines for the frames of a record: the vmlinux the kernel was built
// as, and its modules' .ko files, read with elfutils (libdwfl, libdw).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lcrt/debuginfo.hpp"
#include "lcrt/record.hpp"

namespace lcrt {

// A function inlined at the address, and the line that called it.
struct InlinedCall {
  std::string function;
  std::string file;
  int line = 0;
};

struct SourceLine {
  std::string file;  // relative to the kernel's build or source tree when under it
  int line = 0;
  // Innermost first: inlined[0] holds the line above, the last one was called
  // from the frame's own function.
  std::vector<InlinedCall> inlined;
};

// A parameter of a frame's function and its value when the record holds it:
// in a register recovered for that frame, or in a stack word of a window.
struct Argument {
  std::string name;
  std::optional<std::uint64_t> value;  // nullopt: <unavailable>
};

// Where a frame is, for locate() and arguments(): its pc, its function
// (without " [module]"), the pc's offset in it and its size, as the record
// names them.
struct FrameAt {
  std::uint64_t pc = 0;  // as the record has it
  std::string function;  // empty: an unnamed frame
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  bool exact = false;
  std::optional<Module> module;
};

// A vmlinux (and, optionally, a tree of .ko files) opened for symbolization.
// A frame is found by its address, moved by a slide (KASLR's, a module's
// load address) that the record does not carry: learned from the frames of
// the same file whose function's name only one symbol there has. Static
// functions that share a name are told apart by that address, never by
// their name or size; without a slide that fits, such a frame has no line.
class Symbolizer {
 public:
  // Throws std::system_error when the file cannot be read (or is a
  // directory) and DataError (lcrt/errors.hpp) when it is not an ELF file
  // with a symbol table; UsageError in a build without elfutils.
  // Notes (no DWARF, a module without its .ko) go to warn, each once.
  Symbolizer(const std::string& vmlinux, std::ostream& warn);
  // Without a vmlinux (none was found for the record's kernel): only the
  // frames of modules get lines, from add_modules() and set_lookup().
  explicit Symbolizer(std::ostream& warn);
  ~Symbolizer();
  Symbolizer(Symbolizer&& other) noexcept;
  Symbolizer& operator=(Symbolizer&& other) noexcept;
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  const std::string& path() const;  // empty without a vmlinux
  const Bytes& build_id() const;    // empty when the file has none
  bool has_dwarf() const;

  // Index the *.ko files under dir (recursively) by their build-ids.
  // Throws std::system_error when dir cannot be read.
  void add_modules(const std::string& dir);

  // Look up the .ko of a module whose build-id no add_modules() directory
  // has by that build-id (find_debug_file). Then a module not found is no
  // note when no add_modules() directory was given: nothing was asked of
  // it, and module_debug() says why.
  void set_lookup(const DebugLookup& where);

  // Where the .ko of m came from (its path, or debuginfod's URL), or
  // "none (why)"; as given, for printable() to show.
  std::string module_debug(const Module& m);

  // The source line of a frame, in the vmlinux or, for a module's function,
  // in the module's .ko. f.exact: its pc is where the CPU was; else a return
  // address, and the line is the call's (pc - 1). context: the frames of its
  // record, which give the slide (f alone when empty).
  std::optional<SourceLine> locate(const FrameAt& f, const std::vector<FrameAt>& context = {});

  // The parameters of every frame's function (frames as rec has them,
  // innermost first), with the values the record gives, for the frames
  // whose registers are proven their own: the frame whose pc is the fault's
  // has the registers at the fault, each caller those the CFI of its callee
  // recovers, only when that CFI gives a return address (from the registers
  // or a window's word) and it is the caller's pc; the windows give the
  // stack words. nullopt for any other frame (its arguments unknown), and
  // for one whose function has no DWARF.
  std::vector<std::optional<std::vector<Argument>>> arguments(const Record& rec,
                                                              const std::vector<FrameAt>& frames);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether this build has elfutils (LCRT_DWARF): without it, a Symbolizer
// cannot be made and --vmlinux is an error.
bool dwarf_built();

// Why the vmlinux does not fit the record ("" when it does, or when either
// has no build-id).
std::string build_id_mismatch(const Symbolizer& s, const Record& rec);

}  // namespace lcrt
