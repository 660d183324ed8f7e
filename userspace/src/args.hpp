// Arguments of a record's frames: each frame's registers recovered from the
// registers at the fault with the vmlinux's CFI (.debug_frame), its stack
// words from the record's windows, and its function's parameters where
// their DWARF location is one of those. Internal to dwarf.cpp.
#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "lcrt/dwarf.hpp"
#include "lcrt/record.hpp"

namespace lcrt::args {

// Register values by DWARF register number.
using Regs = std::map<int, std::uint64_t>;

// The stack words the record keeps, by address.
class Memory {
 public:
  explicit Memory(const Record& rec);
  std::optional<std::uint64_t> read(std::uint64_t addr) const;
  int word_size() const { return word_size_; }

 private:
  std::map<std::uint64_t, std::uint64_t> words_;
  int word_size_;
};

// The registers at the fault (LCRT_SEC_REGS), by DWARF number; empty when
// the record has none or the architecture is unknown.
Regs fault_regs(const Record& rec);

// The pc at the fault (LCRT_SEC_REGS), if the record has it.
std::optional<std::uint64_t> fault_pc(const Record& rec);

// Whether a return address the CFI recovered is the record's pc of the
// caller (word size; arm64 pointer authentication bits set aside).
bool same_pc(std::uint64_t ret, std::uint64_t pc, const Record& rec);

// One frame, at addr (an address of its function in mod's file: the pc
// where the CPU was, else the call before the return address).
struct Frame {
  std::optional<std::uint64_t> cfa;  // the frame's canonical frame address
  std::optional<std::uint64_t> ret;  // the return address into its caller
  Regs caller;                       // its caller's callee-saved registers and sp
};

// The frame's CFA and its caller's registers, as far as the CFI, regs and
// mem tell them (a register is left out when they do not).
Frame unwind(Dwfl_Module* mod, std::uint64_t addr, const Regs& regs, const Memory& mem,
             std::uint8_t arch);

// The parameters of the function at addr, in order, with the values regs,
// cfa and mem give; nullopt when there is no function there in the DWARF.
std::optional<std::vector<Argument>> parameters(Dwfl_Module* mod, std::uint64_t addr,
                                                const Regs& regs, std::optional<std::uint64_t> cfa,
                                                const Memory& mem);

}  // namespace lcrt::args
