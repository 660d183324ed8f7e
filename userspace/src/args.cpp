// Arguments from 1 KiB: the registers at the fault, unwound frame by frame
// with the vmlinux's CFI, and the stack windows, read through DWARF
// location expressions. Only what the record holds is ever shown: a value
// that would need anything else is <unavailable>.
#include "args.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <linux/lcrt.h>

#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace lcrt::args {
namespace {

struct Free {
  void operator()(void* p) const { std::free(p); }
};

// What the arguments need of an architecture's registers. Callee-saved
// ones are the procedure call standard's: the ABI defaults libdw applies are
// not used (elfutils 0.188 marks x86-64 %rax call-saved and %rbx clobbered).
struct ArchRegs {
  std::vector<int> dwarf;    // DWARF number of each LCRT_SEC_REGS word, -1: none
  int nregs = 0;             // the registers CFI may describe: 0 .. nregs - 1
  int sp = -1;               // DWARF number of the stack pointer
  std::size_t pc = 0;        // LCRT_SEC_REGS index of the pc
  std::uint64_t callee = 0;  // bit r: a callee preserves register r
};

// DWARF numbers 0 .. n - 1 for the first n of words registers.
std::vector<int> first(int n, int words) {
  std::vector<int> v(static_cast<std::size_t>(words), -1);
  std::iota(v.begin(), v.begin() + n, 0);
  return v;
}

const ArchRegs* arch_regs(std::uint8_t arch) {
  static const ArchRegs kArm{first(16, LCRT_REGS_ARM), 16, 13, 15,
                             0xff0};  // r0-r15; r4-r11 (AAPCS)
  static const ArchRegs kArm64{first(32, LCRT_REGS_ARM64), 32, 31, 32,
                               0x3ff80000};  // x0-x30, sp; x19-x29 (AAPCS64)
  static const ArchRegs kX86_64{
      {15, 14, 13, 12, 6, 3, 11, 10, 9, 8, 0, 2, 1, 4, 5, -1, 16, -1, -1, 7, -1},
      16,
      7,
      16,
      0xf048};  // rbx, rbp, r12-r15
  switch (arch) {
    case LCRT_ARCH_ARM:
      return &kArm;
    case LCRT_ARCH_ARM64:
      return &kArm64;
    case LCRT_ARCH_X86_64:
      return &kX86_64;
    default:
      return nullptr;
  }
}

// What a DWARF expression gave: a value, or where one is.
struct Result {
  enum class Kind { kValue, kMemory, kRegister } kind = Kind::kValue;
  std::uint64_t v = 0;  // the value, the address, or the register number
};

// The value of register n, if known.
std::optional<std::uint64_t> reg(const Regs& regs, std::uint64_t n) {
  const auto it = regs.find(static_cast<int>(n));
  if (it == regs.end()) return std::nullopt;
  return it->second;
}

// What an expression is evaluated against.
struct Context {
  const Regs& regs;
  std::optional<std::uint64_t> cfa;
  std::optional<std::uint64_t> fb;  // the function's frame base
  const Memory& mem;
};

using Stack = std::vector<std::uint64_t>;

bool push(Stack& st, std::optional<std::uint64_t> base, std::uint64_t offset) {
  if (!base) return false;
  st.push_back(*base + offset);
  return true;
}

bool binary(Stack& st, unsigned atom) {
  if (st.size() < 2) return false;
  const std::uint64_t b = st.back();
  st.pop_back();
  st.back() = atom == DW_OP_plus ? st.back() + b : st.back() - b;
  return true;
}

bool deref(Stack& st, const Memory& mem) {
  if (st.empty()) return false;
  const auto w = mem.read(st.back());
  if (!w) return false;
  st.back() = *w;
  return true;
}

// One operation that pushes or computes a value; false when the record
// cannot give it (or the operation is not one of these).
bool step(const Dwarf_Op& op, Stack& st, const Context& c) {
  const unsigned atom = op.atom;
  if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
    st.push_back(atom - DW_OP_lit0);
    return true;
  }
  if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31)
    return push(st, reg(c.regs, atom - DW_OP_breg0), op.number);
  switch (atom) {
    case DW_OP_bregx:
      return push(st, reg(c.regs, op.number), op.number2);
    case DW_OP_const1u:
    case DW_OP_const2u:
    case DW_OP_const4u:
    case DW_OP_const8u:
    case DW_OP_constu:
    case DW_OP_const1s:
    case DW_OP_const2s:
    case DW_OP_const4s:
    case DW_OP_const8s:
    case DW_OP_consts:
      st.push_back(op.number);
      return true;
    case DW_OP_fbreg:
      return push(st, c.fb, op.number);
    case DW_OP_call_frame_cfa:
      return push(st, c.cfa, 0);
    case DW_OP_plus_uconst:
      return !st.empty() && ((st.back() += op.number), true);
    case DW_OP_plus:
    case DW_OP_minus:
      return binary(st, atom);
    case DW_OP_deref:
      return deref(st, c.mem);
    default:
      return false;
  }
}

// Evaluate the operations DWARF uses for CFI rules, frame bases and
// parameter locations; nullopt for anything this record cannot give
// (entry values, pieces, implicit pointers, unknown registers or words).
std::optional<Result> eval(const Dwarf_Op* ops, std::size_t n, const Context& c) {
  if (n == 1 && ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31)
    return Result{Result::Kind::kRegister, static_cast<std::uint64_t>(ops[0].atom - DW_OP_reg0)};
  if (n == 1 && ops[0].atom == DW_OP_regx) return Result{Result::Kind::kRegister, ops[0].number};
  Stack st;
  for (std::size_t i = 0; i < n; i++) {
    if (ops[i].atom == DW_OP_stack_value) {
      if (st.empty() || i + 1 != n) return std::nullopt;
      return Result{Result::Kind::kValue, st.back()};
    }
    if (!step(ops[i], st, c)) return std::nullopt;
  }
  if (st.empty()) return std::nullopt;
  return Result{Result::Kind::kMemory, st.back()};
}

// The value a location gives: a register's, a stack word's, or its own.
std::optional<std::uint64_t> value_of(const Result& r, const Regs& regs, const Memory& mem) {
  switch (r.kind) {
    case Result::Kind::kValue:
      return r.v;
    case Result::Kind::kRegister:
      return reg(regs, r.v);
    case Result::Kind::kMemory:
      return mem.read(r.v);
  }
  return std::nullopt;
}

// The one location of attr at addr (a location list entry, or the single
// expression), as operations.
std::optional<std::pair<Dwarf_Op*, std::size_t>> location_at(Dwarf_Attribute* attr,
                                                             std::uint64_t addr) {
  Dwarf_Op* expr = nullptr;
  std::size_t len = 0;
  if (dwarf_getlocation_addr(attr, addr, &expr, &len, 1) != 1 || len == 0) return std::nullopt;
  return std::make_pair(expr, len);
}

// The frame's own function: the concrete one holding at, not what it
// inlined there (whose scopes lead to the abstract definitions).
bool function_at(Dwarf_Die* cu, Dwarf_Addr at, Dwarf_Die* fn) {
  if (dwarf_child(cu, fn) != 0) return false;
  do {
    if (dwarf_tag(fn) == DW_TAG_subprogram && dwarf_haspc(fn, at) == 1) return true;
  } while (dwarf_siblingof(fn, fn) == 0);
  return false;
}

// The function's frame base at at (DW_AT_frame_base), mostly its CFA.
std::optional<std::uint64_t> frame_base(Dwarf_Die* fn, Dwarf_Addr at, const Context& c) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(fn, DW_AT_frame_base, &attr) == nullptr) return std::nullopt;
  const auto ops = location_at(&attr, at);
  if (!ops) return std::nullopt;
  const auto r = eval(ops->first, ops->second, c);
  if (!r) return std::nullopt;
  return r->kind == Result::Kind::kRegister ? reg(c.regs, r->v) : std::optional(r->v);
}

// The size of a parameter that fits a word and is a scalar (an integer, an
// enum, a pointer); nullopt for a struct or array passed by value, or a
// type larger than a word, of which a word would be a wrong value.
std::optional<std::uint64_t> scalar_size(Dwarf_Die* param, int word_size) {
  Dwarf_Attribute attr;
  Dwarf_Die type;
  Dwarf_Die peeled;
  if (dwarf_attr_integrate(param, DW_AT_type, &attr) == nullptr ||
      dwarf_formref_die(&attr, &type) == nullptr || dwarf_peel_type(&type, &peeled) != 0)
    return std::nullopt;
  const int tag = dwarf_tag(&peeled);
  if (tag != DW_TAG_base_type && tag != DW_TAG_enumeration_type && tag != DW_TAG_pointer_type)
    return std::nullopt;
  Dwarf_Word size = 0;
  if (dwarf_aggregate_size(&peeled, &size) != 0) {
    if (tag != DW_TAG_pointer_type) return std::nullopt;
    size = static_cast<Dwarf_Word>(word_size);
  }
  if (size == 0 || size > static_cast<Dwarf_Word>(word_size)) return std::nullopt;
  return size;
}

// One parameter: its name, and its value where its location at at is
// something the record holds.
Argument argument(Dwarf_Die* param, Dwarf_Addr at, const Context& c) {
  Argument a;
  Dwarf_Attribute attr;
  const char* name = dwarf_formstring(dwarf_attr_integrate(param, DW_AT_name, &attr));
  a.name = name != nullptr ? name : "?";
  if (dwarf_attr(param, DW_AT_location, &attr) != nullptr) {
    if (const auto ops = location_at(&attr, at)) {
      if (const auto r = eval(ops->first, ops->second, c)) a.value = value_of(*r, c.regs, c.mem);
    }
  } else if (dwarf_attr(param, DW_AT_const_value, &attr) != nullptr) {
    Dwarf_Word v = 0;
    if (dwarf_formudata(&attr, &v) == 0) a.value = v;
  }
  // Only the parameter's own bytes (little-endian: the low ones of a word).
  const auto size = scalar_size(param, c.mem.word_size());
  if (!size) a.value.reset();
  if (a.value && *size < 8) *a.value &= (1ULL << (8 * *size)) - 1;
  return a;
}

// The caller's value of register r by frame's CFI rule: the value the
// frame left in it (no rule of its own: the ABI keeps a callee-saved one),
// a saved word in the windows, or a computed value. False when unknown.
bool rule(Dwarf_Frame* frame, int r, const Context& c, const Regs& regs, std::uint64_t* out) {
  Dwarf_Op mem_ops[3];
  Dwarf_Op* ops = nullptr;
  std::size_t nops = 0;
  if (dwarf_frame_register(frame, r, mem_ops, &ops, &nops) != 0) return false;
  std::optional<std::uint64_t> v;
  if (nops == 0) {
    v = reg(regs, static_cast<std::uint64_t>(r));
  } else if (const auto loc = eval(ops, nops, c)) {
    v = value_of(*loc, regs, c.mem);
  }
  if (v) *out = *v;
  return v.has_value();
}

}  // namespace

Memory::Memory(const Record& rec) : word_size_(rec.word_size) {
  for (const Window& w : rec.windows)
    for (std::size_t i = 0; i < w.words.size(); i++)
      words_[w.addr + i * static_cast<std::uint64_t>(word_size_)] = w.words[i];
}

std::optional<std::uint64_t> Memory::read(std::uint64_t addr) const {
  if (word_size_ == 4) addr &= 0xffffffffULL;
  const auto it = words_.find(addr);
  if (it == words_.end()) return std::nullopt;
  return it->second;
}

Regs fault_regs(const Record& rec) {
  Regs regs;
  const ArchRegs* a = arch_regs(rec.arch);
  for (std::size_t i = 0; a != nullptr && i < rec.regs.size() && i < a->dwarf.size(); i++)
    if (a->dwarf[i] >= 0) regs[a->dwarf[i]] = rec.regs[i];
  return regs;
}

std::optional<std::uint64_t> fault_pc(const Record& rec) {
  const ArchRegs* a = arch_regs(rec.arch);
  if (a == nullptr || a->pc >= rec.regs.size()) return std::nullopt;
  return rec.regs[a->pc];
}

bool same_pc(std::uint64_t ret, std::uint64_t pc, const Record& rec) {
  if (rec.word_size == 4) return (ret & 0xffffffffULL) == (pc & 0xffffffffULL);
  // A kernel address signed with pointer authentication keeps bit 55; the
  // bits above the 48-bit address hold the code.
  constexpr std::uint64_t kTop = ~((1ULL << 48) - 1);
  if (rec.arch == LCRT_ARCH_ARM64 && ((ret >> 55) & 1) != 0) ret |= kTop;
  return ret == pc;
}

Frame unwind(Dwfl_Module* mod, std::uint64_t addr, const Regs& regs, const Memory& mem,
             std::uint8_t arch) {
  Frame out;
  Dwarf_Addr bias = 0;
  Dwarf_CFI* cfi = dwfl_module_dwarf_cfi(mod, &bias);
  if (cfi == nullptr) cfi = dwfl_module_eh_cfi(mod, &bias);
  Dwarf_Frame* raw = nullptr;
  if (cfi == nullptr || dwarf_cfi_addrframe(cfi, addr - bias, &raw) != 0) return out;
  const std::unique_ptr<Dwarf_Frame, Free> frame(raw);
  Dwarf_Op* ops = nullptr;
  std::size_t nops = 0;
  if (dwarf_frame_cfa(frame.get(), &ops, &nops) != 0 || nops == 0) return out;
  const auto cfa = eval(ops, nops, Context{regs, std::nullopt, std::nullopt, mem});
  if (!cfa || cfa->kind != Result::Kind::kMemory) return out;
  out.cfa = cfa->v;
  const Context c{regs, out.cfa, std::nullopt, mem};
  // Only what survives a call: a register the callee may clobber (lr
  // included) holds, in the caller, nothing its CFI rule could tell.
  const ArchRegs* a = arch_regs(arch);
  for (int r = 0; a != nullptr && r < a->nregs; r++) {
    std::uint64_t v = 0;
    if (((a->callee >> r) & 1) != 0 && rule(frame.get(), r, c, regs, &v)) out.caller[r] = v;
  }
  const int ra = dwarf_frame_info(frame.get(), nullptr, nullptr, nullptr);
  std::uint64_t ret = 0;
  if (ra >= 0 && rule(frame.get(), ra, c, regs, &ret)) out.ret = ret;
  // The caller's stack pointer is the CFA, by definition.
  if (a != nullptr) out.caller[a->sp] = *out.cfa;
  return out;
}

std::optional<std::vector<Argument>> parameters(Dwfl_Module* mod, std::uint64_t addr,
                                                const Regs& regs, std::optional<std::uint64_t> cfa,
                                                const Memory& mem) {
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, addr, &bias);
  if (cu == nullptr) return std::nullopt;
  const Dwarf_Addr at = addr - bias;
  Dwarf_Die fn;
  if (!function_at(cu, at, &fn)) return std::nullopt;
  const Context c{regs, cfa, frame_base(&fn, at, Context{regs, cfa, std::nullopt, mem}), mem};
  std::vector<Argument> out;
  Dwarf_Die child;
  if (dwarf_child(&fn, &child) != 0) return out;
  do {
    if (dwarf_tag(&child) == DW_TAG_formal_parameter) out.push_back(argument(&child, at, c));
  } while (dwarf_siblingof(&child, &child) == 0);
  return out;
}

}  // namespace lcrt::args
