// Source lines from DWARF with elfutils, the way addr2line -i and the
// kernel's scripts/decode_stacktrace.sh find them.
#include "lcrt/dwarf.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "args.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/fd.hpp"
#include "lcrt/render.hpp"

namespace lcrt {
namespace {

struct DwflEnd {
  void operator()(Dwfl* d) const { dwfl_end(d); }
};
using DwflPtr = std::unique_ptr<Dwfl, DwflEnd>;

struct Free {
  void operator()(void* p) const { std::free(p); }
};

// A file opened for reading; std::system_error naming it when it cannot be.
Fd open_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), path);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw std::system_error(EISDIR, std::generic_category(), path);
  }
  return Fd(fd);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The kernel names a module's file with '-' or '_' alike.
std::string module_key(std::string name) {
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

const char* str_attr(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

int int_attr(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  if (dwarf_formudata(dwarf_attr(die, name, &attr), &v) != 0) return 0;
  return static_cast<int>(v);
}

// One ELF file reported to its own Dwfl, offline: a vmlinux or a .ko (whose
// sections libdwfl lays out, so symbols and DWARF agree).
class Image {
 public:
  explicit Image(const std::string& path) : path_(path) {
    { const Fd readable = open_read(path); }  // an I/O error, not a format one
    static const Dwfl_Callbacks kOffline = {dwfl_build_id_find_elf, dwfl_standard_find_debuginfo,
                                            dwfl_offline_section_address, nullptr};
    dwfl_.reset(dwfl_begin(&kOffline));
    if (!dwfl_) throw std::runtime_error(std::string("libdwfl: ") + dwfl_errmsg(-1));
    dwfl_report_begin(dwfl_.get());
    mod_ = dwfl_report_offline(dwfl_.get(), path.c_str(), path.c_str(), -1);
    if (mod_ == nullptr) {
      const std::string why = dwfl_errmsg(-1);
      throw DataError(path + ": not an ELF file" +
                      (why == "not a valid ELF file" ? "" : " (" + why + ")"));
    }
    dwfl_report_end(dwfl_.get(), nullptr, nullptr);
    if (dwfl_module_getsymtab(mod_) <= 0) throw DataError(path + ": no symbol table");
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    const int n = dwfl_module_build_id(mod_, &bits, &vaddr);
    if (n > 0) build_id_.assign(bits, bits + n);
    Dwarf_Addr bias = 0;
    dwarf_ = dwfl_module_getdwarf(mod_, &bias) != nullptr;
  }

  const std::string& path() const { return path_; }
  const Bytes& build_id() const { return build_id_; }
  bool has_dwarf() const { return dwarf_; }
  Dwfl_Module* module() const { return mod_; }

  // The addresses of the functions named function in the file: more than
  // one when static functions of several files share the name.
  const std::vector<GElf_Addr>& named(const std::string& function) const {
    if (by_name_.empty()) {
      const int n = dwfl_module_getsymtab(mod_);
      for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr addr = 0;
        GElf_Word shndx = 0;
        const char* name = dwfl_module_getsym_info(mod_, i, &sym, &addr, &shndx, nullptr, nullptr);
        const int type = GELF_ST_TYPE(sym.st_info);
        if (name == nullptr || shndx == SHN_UNDEF || shndx == SHN_ABS ||
            (type != STT_FUNC && type != STT_NOTYPE))
          continue;
        auto& addrs = by_name_[name];
        if (std::find(addrs.begin(), addrs.end(), addr) == addrs.end()) addrs.push_back(addr);
      }
      by_name_[""];  // built, even for a file without functions
    }
    static const std::vector<GElf_Addr> kNone;
    const auto it = by_name_.find(function);
    return it != by_name_.end() ? it->second : kNone;
  }

  // The line of addr and the functions inlined there, innermost first.
  std::optional<SourceLine> source(GElf_Addr addr, const std::vector<std::string>& trees) const {
    Dwfl_Line* line = dwfl_module_getsrc(mod_, addr);
    if (line == nullptr) return std::nullopt;
    SourceLine out;
    const char* file = dwfl_lineinfo(line, nullptr, &out.line, nullptr, nullptr, nullptr);
    const char* comp_dir = dwfl_line_comp_dir(line);
    out.file = relative(file, comp_dir, trees);

    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dwfl_module_addrdie(mod_, addr, &bias);
    Dwarf_Die* raw = nullptr;
    const int n = cu != nullptr ? dwarf_getscopes(cu, addr - bias, &raw) : 0;
    const std::unique_ptr<Dwarf_Die, Free> scopes(raw);
    Dwarf_Files* files = nullptr;
    std::size_t nfiles = 0;
    if (n <= 0 || dwarf_getsrcfiles(cu, &files, &nfiles) != 0) return out;
    for (int i = 0; i < n; i++) {
      Dwarf_Die* die = &scopes.get()[i];
      if (dwarf_tag(die) != DW_TAG_inlined_subroutine) continue;
      InlinedCall call;
      const char* name = str_attr(die, DW_AT_name);
      call.function = name != nullptr ? name : "??";
      const auto index = static_cast<std::size_t>(int_attr(die, DW_AT_call_file));
      const char* call_file =
          index < nfiles ? dwarf_filesrc(files, index, nullptr, nullptr) : nullptr;
      call.file = relative(call_file, comp_dir, trees);
      call.line = int_attr(die, DW_AT_call_line);
      out.inlined.push_back(std::move(call));
    }
    return out;
  }

  // The kernel's source tree, as the absolute prefix of init/main.c: an
  // O= build compiles its files by absolute paths there.
  std::string source_tree() const {
    Dwarf_Addr bias = 0;
    Dwarf* dw = dwfl_module_getdwarf(mod_, &bias);
    Dwarf_Off off = 0;
    Dwarf_Off next = 0;
    std::size_t header = 0;
    static const std::string kMain = "/init/main.c";
    while (dw != nullptr && dwarf_nextcu(dw, off, &next, &header, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die cu;
      const char* name =
          dwarf_offdie(dw, off + header, &cu) != nullptr ? dwarf_diename(&cu) : nullptr;
      if (name != nullptr && name[0] == '/' && ends_with(name, kMain)) {
        const std::string n = name;
        return n.substr(0, n.size() - kMain.size() + 1);
      }
      off = next;
    }
    return {};
  }

 private:
  // A path with its build directory (comp_dir) or source tree taken off.
  static std::string relative(const char* path, const char* comp_dir,
                              const std::vector<std::string>& trees) {
    if (path == nullptr) return "??";
    std::string p = path;
    if (comp_dir != nullptr && *comp_dir != '\0') {
      const std::string dir = std::string(comp_dir) + "/";
      if (starts_with(p, dir)) return p.substr(dir.size());
    }
    for (const auto& tree : trees)
      if (!tree.empty() && starts_with(p, tree)) return p.substr(tree.size());
    if (starts_with(p, "./")) return p.substr(2);
    return p;
  }

  std::string path_;
  DwflPtr dwfl_;
  Dwfl_Module* mod_ = nullptr;  // owned by dwfl_
  Bytes build_id_;
  bool dwarf_ = false;
  mutable std::unordered_map<std::string, std::vector<GElf_Addr>> by_name_;
};

// The GNU build-id of an ELF file ({} when it has none or is not ELF).
Bytes file_build_id(const std::string& path) {
  const Fd fd = open_read(path);
  Elf* elf = elf_begin(fd.get(), ELF_C_READ_MMAP, nullptr);
  if (elf == nullptr) return {};
  const void* bits = nullptr;
  const ssize_t n = dwelf_elf_gnu_build_id(elf, &bits);
  Bytes id;
  if (n > 0)
    id.assign(static_cast<const std::uint8_t*>(bits), static_cast<const std::uint8_t*>(bits) + n);
  elf_end(elf);
  return id;
}

}  // namespace

struct Symbolizer::Impl {
  Impl(const std::string& path, std::ostream& w) : warn(w), vmlinux(std::in_place, path) {}
  explicit Impl(std::ostream& w) : warn(w) {}

  // Say a note once. What a record names in it (a module's, a function's
  // name) goes through printable(): its bytes are the kernel's, not text.
  void note(const std::string& text) {
    if (!text.empty() && said.insert(text).second) warn << "lcrt: warning: " << text << "\n";
  }

  // Where a module's .ko is and where it came from, or why there is none.
  struct Ko {
    std::string path;    // empty: none
    std::string origin;  // as module_debug() says it
    std::string why;     // without a path; nothing of the record's in it
  };

  // Found once per module; said as a note when it was asked for and not
  // found (module_dirs, or no lookup: a caller of the --modules era).
  const Ko& ko(const Module& m) {
    auto [it, added] = kos.try_emplace(std::make_pair(m.name, m.build_id));
    if (added) it->second = find_ko(m);
    return it->second;
  }

  Ko find_ko(const Module& m) {
    static const std::string kNoDirs = "frames of modules are not symbolized without --modules DIR";
    const std::string name = "module " + printable(m.name) + ": ";
    Ko k;
    if (!m.build_id.empty()) {
      if (const auto it = by_id.find(m.build_id); it != by_id.end())
        return {it->second, it->second, {}};
      if (!module_dirs.empty())
        k.why = "no .ko with build-id " + hex_bytes(m.build_id) + " under " + module_dirs;
      if (lookup) {
        DebugSearch s = find_debug_file(m.build_id, *lookup);
        if (s.file) return {s.file->path, s.file->origin, {}};
        k.why += (k.why.empty() ? "" : "; ") + s.why;
      } else if (module_dirs.empty()) {
        k.why = kNoDirs;
      }
    } else if (module_dirs.empty()) {
      k.why = lookup ? "the record has no build-id for it, and no --modules DIR finds it by name"
                     : kNoDirs;
    } else if (const auto it = by_name.find(module_key(m.name)); it != by_name.end()) {
      note(name + "the record has no build-id for it; " + it->second + " is unchecked");
      return {it->second, it->second + " (by name: the record has no build-id for it)", {}};
    } else {
      note(name + "no " + printable(m.name) + ".ko under " + module_dirs);
      return {{}, {}, "no .ko of its name under " + module_dirs};
    }
    if (!module_dirs.empty() || !lookup) note(k.why == kNoDirs ? k.why : name + k.why);
    return k;
  }

  // The .ko of module, opened, or nullptr (after saying why).
  Image* module_image(const Module& m) {
    const Ko& k = ko(m);
    if (k.path.empty()) return nullptr;
    auto [it, added] = modules.try_emplace(k.path);
    if (added) {
      try {
        it->second.emplace(k.path);
        if (!it->second->has_dwarf()) note(k.path + ": no DWARF: no source lines");
      } catch (const std::exception& e) {
        note(e.what());
      }
    }
    return it->second ? &*it->second : nullptr;
  }

  // The image that holds a frame's function: the vmlinux or its module's
  // .ko (nullptr when that cannot be had, after saying why).
  Image* image_of(const FrameAt& f) {
    if (f.module) return module_image(*f.module);
    return vmlinux ? &*vmlinux : nullptr;
  }

  // The address in image of the start of frame f's function, found from
  // f's address: KASLR (or a module's load address) moved the image by a
  // slide the record does not carry, so it is learned from the frames of
  // the same image whose function's name only one symbol has (pc - offset
  // - its address; the most frequent one), and f's function starts at its
  // pc - offset - slide when a function of f's name starts there. Only
  // without a slide that fits is a name the file has once enough; a name
  // several static functions share, never.
  std::optional<GElf_Addr> start(const Image& image, const FrameAt& f,
                                 const std::vector<FrameAt>& context) {
    const auto& candidates = image.named(f.function);
    if (candidates.empty()) {
      note(image.path() + ": no function " + printable(f.function));
      return std::nullopt;
    }
    std::map<std::uint64_t, int> votes;
    for (const FrameAt& c : context) {
      if (c.function.empty() ||
          (c.module ? c.module->name : "") != (f.module ? f.module->name : ""))
        continue;
      const auto& at = image.named(c.function);
      if (at.size() == 1) votes[c.pc - c.offset - at[0]]++;
    }
    std::vector<std::pair<int, std::uint64_t>> slides;
    slides.reserve(votes.size());
    for (const auto& [slide, n] : votes) slides.emplace_back(n, slide);
    std::stable_sort(slides.begin(), slides.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [n, slide] : slides) {
      const GElf_Addr at = f.pc - f.offset - slide;
      if (std::find(candidates.begin(), candidates.end(), at) != candidates.end()) return at;
    }
    if (candidates.size() == 1) return candidates[0];
    note(image.path() + ": " + std::to_string(candidates.size()) + " functions are named " +
         printable(f.function) +
         " and the record's addresses do not tell which one ran: no line for it");
    return std::nullopt;
  }

  std::ostream& warn;
  std::set<std::string> said;
  std::optional<Image> vmlinux;    // none: only modules' frames have lines
  std::vector<std::string> trees;  // source trees taken off file names
  std::string module_dirs;
  std::map<Bytes, std::string> by_id;                   // .ko paths by build-id
  std::map<std::string, std::string> by_name;           // and by module name
  std::map<std::string, std::optional<Image>> modules;  // opened .ko files, by path
  std::optional<DebugLookup> lookup;                    // for .ko files by build-id
  std::map<std::pair<std::string, Bytes>, Ko> kos;      // by module name and build-id
};

Symbolizer::Symbolizer(const std::string& vmlinux, std::ostream& warn)
    : impl_(std::make_unique<Impl>(vmlinux, warn)) {
  if (!impl_->vmlinux->has_dwarf())
    impl_->note(vmlinux + ": no DWARF (CONFIG_DEBUG_INFO=n?): no source lines");
  else
    impl_->trees.push_back(impl_->vmlinux->source_tree());
}

Symbolizer::Symbolizer(std::ostream& warn) : impl_(std::make_unique<Impl>(warn)) {}

Symbolizer::~Symbolizer() = default;
Symbolizer::Symbolizer(Symbolizer&&) noexcept = default;
Symbolizer& Symbolizer::operator=(Symbolizer&&) noexcept = default;

const std::string& Symbolizer::path() const {
  static const std::string kNone;
  return impl_->vmlinux ? impl_->vmlinux->path() : kNone;
}
const Bytes& Symbolizer::build_id() const {
  static const Bytes kNone;
  return impl_->vmlinux ? impl_->vmlinux->build_id() : kNone;
}
bool Symbolizer::has_dwarf() const { return impl_->vmlinux && impl_->vmlinux->has_dwarf(); }

void Symbolizer::add_modules(const std::string& dir) {
  namespace fs = std::filesystem;
  elf_version(EV_CURRENT);
  try {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".ko") continue;
      const std::string path = e.path().string();
      try {
        const Bytes id = file_build_id(path);
        if (!id.empty()) impl_->by_id.try_emplace(id, path);
        impl_->by_name.try_emplace(module_key(e.path().stem().string()), path);
      } catch (const std::system_error& err) {
        impl_->note(err.what());
      }
    }
  } catch (const fs::filesystem_error& err) {
    throw std::system_error(err.code(), dir);
  }
  impl_->module_dirs += (impl_->module_dirs.empty() ? "" : ", ") + dir;
}

void Symbolizer::set_lookup(const DebugLookup& where) { impl_->lookup = where; }

std::string Symbolizer::module_debug(const Module& m) {
  const Impl::Ko& k = impl_->ko(m);
  if (k.path.empty()) return "none (" + k.why + ")";
  if (impl_->module_image(m) == nullptr) return "none (" + k.origin + " cannot be read as a .ko)";
  return k.origin;
}

std::optional<SourceLine> Symbolizer::locate(const FrameAt& f,
                                             const std::vector<FrameAt>& context) {
  Image* image = impl_->image_of(f);
  if (image == nullptr || !image->has_dwarf() || f.function.empty()) return std::nullopt;
  const auto start = impl_->start(*image, f, context.empty() ? std::vector<FrameAt>{f} : context);
  if (!start) return std::nullopt;
  const GElf_Addr addr = *start + f.offset;
  return image->source(f.exact || addr == 0 ? addr : addr - 1, impl_->trees);
}

std::vector<std::optional<std::vector<Argument>>> Symbolizer::arguments(
    const Record& rec, const std::vector<FrameAt>& frames) {
  std::vector<std::optional<std::vector<Argument>>> out(frames.size());
  const args::Memory mem(rec);
  const auto fault_pc = args::fault_pc(rec);
  // The registers of frame i, when they are proven its own; empty when not
  // (its arguments are then not shown at all: values of another frame's
  // registers would look the same as true ones).
  args::Regs regs;
  for (std::size_t i = 0; i < frames.size(); i++) {
    const FrameAt& f = frames[i];
    // An exact frame is where the CPU was: the registers at the fault are
    // its own if their pc is its pc (frame 0, or the frame an exception
    // entry interrupted); otherwise they lie in a pt_regs the record lacks.
    if (f.exact)
      regs = fault_pc && args::same_pc(*fault_pc, f.pc, rec) ? args::fault_regs(rec) : args::Regs{};
    Image* image = impl_->image_of(f);
    // A return address at offset 0 names the function after the call (a
    // call to a noreturn function ending the one it was in).
    const auto start = !regs.empty() && image != nullptr && image->has_dwarf() &&
                               !f.function.empty() && (f.exact || f.offset != 0)
                           ? impl_->start(*image, f, frames)
                           : std::nullopt;
    if (!start) {
      regs.clear();  // nothing is known of the frames beyond
      continue;
    }
    const GElf_Addr addr = *start + f.offset - (f.exact ? 0 : 1);
    const args::Frame frame = args::unwind(image->module(), addr, regs, mem, rec.arch);
    out[i] = args::parameters(image->module(), addr, regs, frame.cfa, mem);
    regs = frame.caller;
    // Only into the frame the CFI says this one returns to, and only when
    // it says so: a return address it cannot recover (a word outside the
    // windows, no CFI) proves nothing of the caller's registers.
    if (i + 1 >= frames.size() || !frame.ret || !args::same_pc(*frame.ret, frames[i + 1].pc, rec))
      regs.clear();
  }
  return out;
}

bool dwarf_built() { return true; }

std::string build_id_mismatch(const Symbolizer& s, const Record& rec) {
  if (s.build_id().empty() || rec.build_id.empty() || s.build_id() == rec.build_id) return {};
  return s.path() + ": build-id " + hex_bytes(s.build_id()) + " is not the record's " +
         hex_bytes(rec.build_id);
}

}  // namespace lcrt
