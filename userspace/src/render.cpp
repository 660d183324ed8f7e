#include "lcrt/render.hpp"

#include <linux/lcrt.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lcrt/signature.hpp"

namespace lcrt {
namespace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string word(std::uint64_t v, int word_size) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%0*llx", word_size * 2, static_cast<unsigned long long>(v));
  return buf;
}

// A frame's name: the record's own, else the symbol map's (at the pc less
// the record's KASLR offset), else nothing.
Symbol frame_symbol(const Record& rec, const Frame& f, const RenderOptions& opt) {
  if (!f.name.empty()) return {f.name, f.offset, f.size};
  if (opt.symbols != nullptr) {
    if (auto s = opt.symbols->lookup(link_address(rec, f.pc))) return *s;
  }
  return {};
}

// "func [module]" (a module's function, as %ps names it) -> {func, module}.
std::pair<std::string, std::string> split_module(const std::string& name) {
  const auto sp = name.find(" [");
  if (sp == std::string::npos || name.back() != ']') return {name, {}};
  return {name.substr(0, sp), name.substr(sp + 2, name.size() - sp - 3)};
}

// Where a frame is, for the vmlinux: its function, offset and size as
// named (without " [module]"), and its module with the record's build-id.
FrameAt frame_at(const Record& rec, const Frame& f, const RenderOptions& opt) {
  const Symbol s = frame_symbol(rec, f, opt);
  FrameAt a;
  a.pc = f.pc;
  a.exact = f.exact;
  if (s.name.empty()) return a;
  const auto [func, module] = split_module(s.name);
  a.function = func;
  a.offset = s.offset;
  a.size = s.size;
  if (!module.empty()) {
    a.module = Module{module, {}};
    for (const Module& known : rec.modules)
      if (known.name == module) a.module = known;
  }
  return a;
}

// The kernel's frames of a record, the chain's and the other CPUs' (not
// those in user space): what tells the symbolizer where the kernel was.
std::vector<FrameAt> kernel_frames(const Record& rec, const RenderOptions& opt) {
  std::vector<FrameAt> at;
  for (const Frame& f : rec.frames) at.push_back(frame_at(rec, f, opt));
  for (const Cpu& c : rec.cpus)
    if (!c.user())
      for (const Frame& f : c.frames) at.push_back(frame_at(rec, f, opt));
  return at;
}

// The source line of a named frame, in the vmlinux or its module's .ko.
std::optional<SourceLine> frame_source(const Record& rec, const Frame& f,
                                       const RenderOptions& opt) {
  if (opt.source == nullptr) return std::nullopt;
  const FrameAt a = frame_at(rec, f, opt);
  if (a.function.empty()) return std::nullopt;
  return opt.source->locate(a, kernel_frames(rec, opt));
}

using FrameArguments = std::vector<std::optional<std::vector<Argument>>>;

// The arguments of every frame (--vmlinux), or nothing.
FrameArguments frame_arguments(const Record& rec, const RenderOptions& opt) {
  if (opt.source == nullptr) return {};
  std::vector<FrameAt> at;
  for (const Frame& f : rec.frames) at.push_back(frame_at(rec, f, opt));
  return opt.source->arguments(rec, at);
}

std::string argument_value(const Argument& a) {
  if (!a.value) return "<unavailable>";
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(*a.value));
  return buf;
}

std::string file_line(const std::string& file, int line) {
  return printable(file) + ":" + std::to_string(line);
}

// A named frame as the chain shows it, "func+0x10/0x40 [module]"; "" for an
// unnamed one.
std::string frame_label(const Symbol& s) {
  if (s.name.empty()) return "";
  const auto [func, module] = split_module(s.name);
  std::string label = printable(func) + "+" + hex(s.offset) + "/" + hex(s.size);
  if (!module.empty()) label += " [" + printable(module) + "]";
  return label;
}

// One frame of a call chain, frame i of it: "#N func+off/size [module]
// [pc] (exact) file:line (xN)" (N: the frames a folded recursion's frame
// stands for), then the functions inlined there, innermost first, and its
// arguments (when given).
void render_frame(std::ostream& o, const Record& rec, const Frame& f, std::size_t i,
                  const RenderOptions& opt, const std::optional<std::vector<Argument>>* args) {
  const Symbol s = frame_symbol(rec, f, opt);
  char idx[24];
  std::snprintf(idx, sizeof(idx), "#%-2zu", i);
  o << "  " << idx << " ";
  if (const std::string label = frame_label(s); !label.empty()) o << label << " ";
  o << "[" << hex(f.pc) << "]" << (f.exact ? " (exact)" : "");
  const auto src = frame_source(rec, f, opt);
  if (src) o << " " << file_line(src->file, src->line);
  if (f.repeats != 0) o << " (x" << f.repeats + 1 << ")";
  o << "\n";
  if (src) {
    for (const auto& in : src->inlined)
      o << "        inlined " << printable(in.function) << ", called at "
        << file_line(in.file, in.line) << "\n";
  }
  if (args != nullptr && *args && !(*args)->empty()) {
    o << "        args:";
    for (std::size_t k = 0; k < (*args)->size(); k++) {
      const Argument& a = (**args)[k];
      o << (k != 0 ? ", " : " ") << printable(a.name) << "=" << argument_value(a);
    }
    o << "\n";
  }
}

// The crashing CPU's call chain (or a hung task's), its arguments with
// opt.source.
void render_chain(std::ostream& o, const Record& rec, const RenderOptions& opt) {
  o << "call chain (innermost first, " << unwinder_name(rec.unwinder) << " unwinder, ended at "
    << stop_name(rec.stop) << "):\n";
  const FrameArguments args = frame_arguments(rec, opt);
  for (std::size_t i = 0; i < rec.frames.size(); i++)
    render_frame(o, rec, rec.frames[i], i, opt, i < args.size() ? &args[i] : nullptr);
  if (rec.frames_dropped != 0)
    o << "  ... " << rec.frames_dropped << " outer frames dropped for the budget\n";
}

// What names a CPU's frames: nothing for one in user space, whose pc is a
// user address that neither a System.map nor the vmlinux knows.
RenderOptions cpu_options(const Cpu& c, const RenderOptions& opt) {
  RenderOptions own = opt;
  if (c.user()) {
    own.symbols = nullptr;
    own.source = nullptr;
  }
  return own;
}

// The other CPUs at a panic, as the kernel shows them: "cpu 1:   stopped"
// (", in user space"), then its frames as the call chain's.
void render_cpus(std::ostream& o, const Record& rec, const RenderOptions& opt) {
  for (const Cpu& c : rec.cpus) {
    o << "cpu " << c.cpu << ":   " << cpu_state_name(c.state) << (c.user() ? ", in user space" : "")
      << "\n";
    const RenderOptions own = cpu_options(c, opt);
    for (std::size_t i = 0; i < c.frames.size(); i++)
      render_frame(o, rec, c.frames[i], i, own, nullptr);
  }
}

// The kernel's and the modules' builds: what a vmlinux or .ko must match;
// each followed by where its debug file came from, when known.
void render_builds(std::ostream& o, const Record& rec, const RenderOptions& opt) {
  if (rec.release) {
    o << "kernel:  " << printable(*rec.release) << " build-id " << hex_bytes(rec.build_id) << "\n";
    if (!opt.kernel_debug.empty()) o << "debug:   " << printable(opt.kernel_debug) << "\n";
  }
  for (const Module& m : rec.modules) {
    o << "module:  " << printable(m.name) << " build-id "
      << (m.build_id.empty() ? "unknown" : hex_bytes(m.build_id)) << "\n";
    if (opt.source != nullptr) o << "debug:   " << printable(opt.source->module_debug(m)) << "\n";
  }
}

// When and in which boot it crashed: "time:    2026-11-26T10:14:58.123456789Z"
// and "boot:    6f0b2c3e-1d5a-4c2b-9e8f-0a1b2c3d4e5f" ("unknown" either).
void render_boot(std::ostream& o, const Boot& b) {
  o << "time:    " << (b.time_ns != 0 ? utc_time(b.time_ns) : "unknown") << "\n";
  o << "boot:    " << (b.id.empty() ? "unknown" : boot_id_string(b.id)) << "\n";
}

// Where the code was loaded: "load:    kernel KASLR offset 0x2a000000",
// then "load:    mydrv text at 0xffffffffc0a00000" per module it gives.
void render_load(std::ostream& o, const Record& rec) {
  if (!rec.load) return;
  const Load& l = *rec.load;
  o << "load:    kernel KASLR offset "
    << (l.kaslr_offset != 0 ? hex(l.kaslr_offset) : std::string("0 (none)")) << "\n";
  for (std::size_t i = 0; i < l.modules.size() && i < rec.modules.size(); i++)
    o << "load:    " << printable(rec.modules[i].name) << " text at "
      << (l.modules[i] != 0 ? hex(l.modules[i]) : std::string("unknown")) << "\n";
}

// The length of the valid UTF-8 sequence at s[i], or 0. Valid as RFC 3629
// has it (and JSON needs it): no overlong form, surrogate (U+D800..U+DFFF) or
// code point past U+10FFFF, which the second byte's bounds rule out.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    lo = c == 0xe0 ? 0xa0 : lo;
    hi = c == 0xed ? 0x9f : hi;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    lo = c == 0xf0 ? 0x90 : lo;
    hi = c == 0xf4 ? 0x8f : hi;
  }
  if (n == 0 || i + n > s.size()) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if (c1 < lo || c1 > hi) return 0;
  for (std::size_t k = 2; k < n; k++)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  return n;
}

// U+0080..U+009F, the C1 control characters (U+009B is a terminal's CSI).
bool c1_control(const std::string& s, std::size_t i) {
  return static_cast<unsigned char>(s[i]) == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0;
}

// The JSON flag names of a record's LCRT_F_* bits.
std::vector<std::string> flag_names(std::uint16_t flags) {
  static const std::pair<std::uint16_t, const char*> kFlags[] = {
      {LCRT_F_TRUNCATED, "truncated"},     {LCRT_F_NO_KALLSYMS, "no_kallsyms"},
      {LCRT_F_NO_WINDOWS, "no_windows"},   {LCRT_F_WINDOWS_DROPPED, "windows_dropped"},
      {LCRT_F_POKED_NAMES, "poked_names"}, {LCRT_F_WINDOWS_CUT, "windows_cut"},
      {LCRT_F_FOLLOWUP, "followup"},
  };
  std::vector<std::string> names;
  for (const auto& [bit, name] : kFlags)
    if ((flags & bit) != 0) names.emplace_back(name);
  return names;
}

// The culprit line: "culprit: func+0x10/0x40 [module] (fault)", its frame
// named as the chain names it ("[0xpc]" when unnamed), then its source line
// with --vmlinux.
void render_culprit(std::ostream& o, const Record& rec, const RenderOptions& opt) {
  if (!rec.culprit || rec.culprit->frame >= rec.frames.size()) return;
  const Frame& f = rec.frames[static_cast<std::size_t>(rec.culprit->frame)];
  const std::string label = frame_label(frame_symbol(rec, f, opt));
  o << "culprit: " << (label.empty() ? "[" + hex(f.pc) + "]" : label) << " ("
    << culprit_rule_name(rec.culprit->rule) << ")";
  if (const auto src = frame_source(rec, f, opt)) o << " " << file_line(src->file, src->line);
  o << "\n";
}

// "blocked: kworker/0:1 (pid 12), state 0x2, waited 122.880 s; the call
// chain is this task's".
void render_blocked(std::ostream& o, const Blocked& b) {
  char waited[48];
  std::snprintf(waited, sizeof(waited), "%llu.%03llu",
                static_cast<unsigned long long>(b.waited_ms / 1000),
                static_cast<unsigned long long>(b.waited_ms % 1000));
  o << "blocked: " << printable(b.comm) << " (pid " << b.pid << "), state " << hex(b.state)
    << ", waited " << waited << " s; the call chain is this task's\n";
}

// The culprit in JSON: its frame's index, name as frames[] has it, and rule.
nlohmann::ordered_json culprit_json(const Record& rec, const RenderOptions& opt) {
  if (!rec.culprit || rec.culprit->frame >= rec.frames.size()) return nullptr;
  const Frame& f = rec.frames[static_cast<std::size_t>(rec.culprit->frame)];
  const Symbol s = frame_symbol(rec, f, opt);
  nlohmann::ordered_json j{{"frame", rec.culprit->frame}};
  if (s.name.empty()) {
    j["function"] = nullptr;
    j["offset"] = nullptr;
    j["size"] = nullptr;
    j["module"] = nullptr;
  } else {
    const auto [func, module] = split_module(s.name);
    j["function"] = printable(func, false);
    j["offset"] = s.offset;
    j["size"] = s.size;
    j["module"] = module.empty() ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(printable(module, false));
  }
  j["rule"] = culprit_rule_name(rec.culprit->rule);
  return j;
}

nlohmann::ordered_json blocked_json(const std::optional<Blocked>& b) {
  if (!b) return nullptr;
  return {{"pid", b->pid},
          {"comm", printable(b->comm, false)},
          {"state", b->state},
          {"waited_ms", b->waited_ms}};
}

}  // namespace

std::string printable(const std::string& s, bool escape_controls) {
  std::string out;
  char buf[8];
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t n = utf8_length(s, i);
          n != 0 && !(escape_controls && c1_control(s, i))) {
        out.append(s, i, n);
        i += n;
        continue;
      }
    } else if (!escape_controls || (c >= 0x20 && c != 0x7f && c != '\\')) {
      out += static_cast<char>(c);
      i++;
      continue;
    }
    std::snprintf(buf, sizeof(buf), "\\x%02x", c);
    out += buf;
    i++;
  }
  return out;
}

std::string taint_letters(std::uint64_t mask) {
  // kernel/panic.c, taint_flags[]: one letter per bit, in bit order; 6.1
  // and 6.12 end at TAINT_TEST (18, N), Linux 6.15 adds TAINT_FWCTL (19, J).
  static constexpr std::string_view kLetters = "PFSRMBUDAWCIOELKXTNJ";
  std::string s;
  for (unsigned i = 0; i < 64; i++) {
    if ((mask & (1ULL << i)) == 0) continue;
    // A bit of a newer kernel: named by its number, never dropped.
    s += i < kLetters.size() ? std::string(1, kLetters[i]) : "+bit" + std::to_string(i);
  }
  return s;
}

// Each frame's window: its words, four to a line, or that it has none;
// without stack_words, one line counting them.
void render_windows(std::ostream& o, const Record& rec, bool stack_words) {
  if (rec.windows.empty()) return;
  if (!stack_words) {
    std::size_t words = 0;
    for (const auto& w : rec.windows) words += w.words.size();
    o << "stack windows: " << rec.windows.size()
      << (rec.windows.size() == 1 ? " frame, " : " frames, ") << words
      << (words == 1 ? " word" : " words") << " (-v shows them)\n";
    return;
  }
  o << "stack windows (per frame, lowest address first):\n";
  for (const auto& w : rec.windows) {
    char idx[24];
    std::snprintf(idx, sizeof(idx), "#%-2llu ", static_cast<unsigned long long>(w.frame));
    if (w.words.empty())
      o << "  " << idx << word(w.addr, rec.word_size) << ": (no stack words of its own)";
    for (std::size_t i = 0; i < w.words.size(); i++) {
      if (i % 4 == 0)
        o << (i != 0 ? "\n      " : std::string("  ") + idx)
          << word(w.addr + i * rec.word_size, rec.word_size) << ":";
      o << " " << word(w.words[i], rec.word_size);
    }
    o << "\n";
  }
}

namespace {

// A record as text; found, when given, is where it was found: its
// follow-up's reason joined to its own, or a note of what followed it.
std::string text_of(const Record& rec, const RenderOptions& opt, const Found* found) {
  std::ostringstream o;
  o << "LCRT record " << rec.seq << " (" << arch_name(rec.arch) << ", " << rec.total_size
    << " bytes, captured in " << rec.capture_ns << " ns"
    << ((rec.flags & LCRT_F_TRUNCATED) != 0 ? ", truncated" : "") << ")\n";
  if ((rec.flags & LCRT_F_WINDOWS_DROPPED) != 0)
    o << "note:    outer stack windows left out for the budget\n";
  if ((rec.flags & LCRT_F_WINDOWS_CUT) != 0)
    o << "note:    stack windows cut to fewer words for the budget\n";
  if ((rec.flags & LCRT_F_POKED_NAMES) != 0)
    o << "note:    names from -mpoke-function-name (no kallsyms)\n";
  else if ((rec.flags & LCRT_F_NO_KALLSYMS) != 0)
    o << "note:    no kallsyms: addresses only (see System.map)\n";
  if (found != nullptr && found->followup_error) {
    if (*found->followup_error == Error::kTorn)
      o << "note:    what followed this crash was not fully written (torn)\n";
    else
      o << "note:    what followed this crash is corrupt (" << printable(found->followup_message)
        << ")\n";
  }
  o << "title:   " << printable(title(rec)) << "\n";
  if (rec.event) o << "event:   " << event_name(rec.event->kind) << "\n";
  render_culprit(o, rec, opt);
  if (rec.event) {
    const Event& e = *rec.event;
    o << "task:    " << printable(e.comm) << " (pid " << e.pid << ") on CPU " << e.cpu << "\n";
  }
  if (rec.blocked) render_blocked(o, *rec.blocked);
  if (rec.event) {
    const Event& e = *rec.event;
    o << "context: " << context_name(e.context) << ", preempt count " << hex(e.preempt_count)
      << "\n";
    o << "taint:   " << hex(e.taint) << " " << taint_letters(e.taint) << "\n";
    char up[32];
    std::snprintf(up, sizeof(up), "%llu.%09llu",
                  static_cast<unsigned long long>(e.uptime_ns / 1000000000ULL),
                  static_cast<unsigned long long>(e.uptime_ns % 1000000000ULL));
    o << "uptime:  " << up << " s\n";
  }
  if (rec.boot) render_boot(o, *rec.boot);
  if (found != nullptr && found->followup)
    o << "reason:  " << printable(joined_reason(*found)) << "\n";
  else if (rec.reason)
    o << "reason:  " << printable(*rec.reason) << "\n";
  if (const Signature sig = signature(rec); !sig.id.empty()) {
    o << "signature: " << sig.id << " (";
    for (std::size_t i = 0; i < sig.functions.size(); i++)
      o << (i != 0 ? " < " : "") << printable(sig.functions[i]);
    o << ")\n";
  }
  render_builds(o, rec, opt);
  render_load(o, rec);
  if (!rec.regs.empty()) {
    const auto names = register_names(rec.arch);
    o << "registers:";
    for (std::size_t i = 0; i < rec.regs.size(); i++) {
      char name[16];
      std::snprintf(name, sizeof(name), "%-7s",
                    i < names.size() ? names[i].c_str() : std::to_string(i).c_str());
      o << (i % 4 != 0 ? "  " : "\n  ") << name << " " << word(rec.regs[i], rec.word_size);
    }
    o << "\n";
  }
  if (rec.has_frames) render_chain(o, rec, opt);
  render_cpus(o, rec, opt);
  if ((rec.flags & LCRT_F_NO_WINDOWS) != 0) o << "stack windows: none (no frame pointers)\n";
  render_windows(o, rec, opt.stack_words);
  for (const auto& u : rec.unknown)
    o << "section " << static_cast<int>(u.type) << ": " << u.size << " bytes\n";
  return o.str();
}

// One frame in JSON: where it is, how many frames it stands for (a folded
// recursion's), its source line and what was inlined there, and its
// arguments (--vmlinux).
nlohmann::ordered_json frame_json(const Record& rec, const Frame& f, const RenderOptions& opt,
                                  const std::optional<std::vector<Argument>>& args) {
  const Symbol s = frame_symbol(rec, f, opt);
  nlohmann::ordered_json jf{{"pc", hex(f.pc)}, {"exact", f.exact}, {"repeat", f.repeats + 1}};
  if (!s.name.empty()) {
    const auto [func, module] = split_module(s.name);
    jf["function"] = printable(func, false);
    if (!module.empty()) jf["module"] = printable(module, false);
    jf["offset"] = s.offset;
    jf["size"] = s.size;
  }
  if (const auto src = frame_source(rec, f, opt)) {
    jf["file"] = printable(src->file, false);
    jf["line"] = src->line;
    jf["inlined"] = nlohmann::ordered_json::array();
    for (const auto& in : src->inlined)
      jf["inlined"].push_back({{"function", printable(in.function, false)},
                               {"file", printable(in.file, false)},
                               {"line", in.line}});
  }
  if (args) {
    jf["args"] = nlohmann::ordered_json::array();
    for (const Argument& a : *args)
      jf["args"].push_back({{"name", printable(a.name, false)},
                            {"value", a.value ? nlohmann::ordered_json(argument_value(a))
                                              : nlohmann::ordered_json(nullptr)}});
  }
  return jf;
}

// When and in which boot it crashed: "crash_time", "crash_time_ns" and
// "boot_id", each null when unknown.
void boot_json(nlohmann::ordered_json& j, const Boot& b) {
  using json = nlohmann::ordered_json;
  j["crash_time"] = b.time_ns != 0 ? json(utc_time(b.time_ns)) : json(nullptr);
  j["crash_time_ns"] = b.time_ns != 0 ? json(b.time_ns) : json(nullptr);
  j["boot_id"] = b.id.empty() ? json(nullptr) : json(boot_id_string(b.id));
}

// The modules: name and build-id, and with LCRT_SEC_LOAD the load address
// of each one's text (null when the kernel gave none).
nlohmann::ordered_json modules_json(const Record& rec) {
  using json = nlohmann::ordered_json;
  json out = json::array();
  for (std::size_t i = 0; i < rec.modules.size(); i++) {
    const Module& m = rec.modules[i];
    json jm{{"name", printable(m.name, false)}, {"build_id", hex_bytes(m.build_id)}};
    if (rec.load) {
      const bool known = i < rec.load->modules.size() && rec.load->modules[i] != 0;
      jm["load_address"] = known ? json(hex(rec.load->modules[i])) : json(nullptr);
    }
    out.push_back(std::move(jm));
  }
  return out;
}

}  // namespace

std::string render_text(const Record& rec, const RenderOptions& opt) {
  return text_of(rec, opt, nullptr);
}

std::string render_text(const Found& f, const RenderOptions& opt) {
  return text_of(*f.record, opt, &f);
}

nlohmann::ordered_json to_json(const Record& rec, const RenderOptions& opt) {
  nlohmann::ordered_json j;
  j["schema"] = kJsonSchema;
  j["seq"] = rec.seq;
  j["version"] = rec.version;
  j["size"] = rec.total_size;
  j["capture_ns"] = rec.capture_ns;
  j["arch"] = arch_name(rec.arch);
  j["word_size"] = rec.word_size;
  j["truncated"] = (rec.flags & LCRT_F_TRUNCATED) != 0;
  j["flags"] = flag_names(rec.flags);
  if (rec.event) {
    const Event& e = *rec.event;
    j["event"] = event_name(e.kind);
    j["context"] = context_name(e.context);
    j["cpu"] = e.cpu;
    j["pid"] = e.pid;
    j["comm"] = printable(e.comm, false);
    j["preempt_count"] = e.preempt_count;
    j["taint"] = e.taint;
    j["taint_flags"] = taint_letters(e.taint);
    j["uptime_ns"] = e.uptime_ns;
  }
  if (rec.boot) boot_json(j, *rec.boot);
  if (rec.reason) j["reason"] = printable(*rec.reason, false);
  j["title"] = printable(title(rec), false);
  j["culprit"] = culprit_json(rec, opt);
  j["blocked"] = blocked_json(rec.blocked);
  if (const Signature sig = signature(rec); !sig.id.empty()) {
    j["signature"] = sig.id;
    j["signature_functions"] = nlohmann::ordered_json::array();
    for (const auto& f : sig.functions) j["signature_functions"].push_back(printable(f, false));
  }
  if (rec.release) {
    j["kernel"] = printable(*rec.release, false);
    j["build_id"] = hex_bytes(rec.build_id);
  }
  if (rec.load) j["kaslr_offset"] = hex(rec.load->kaslr_offset);
  if (!rec.modules.empty()) j["modules"] = modules_json(rec);
  if (rec.has_frames) {
    j["unwinder"] = unwinder_name(rec.unwinder);
    j["stop"] = stop_name(rec.stop);
    j["frames_dropped"] = rec.frames_dropped;
    j["frames"] = nlohmann::ordered_json::array();
    const FrameArguments args = frame_arguments(rec, opt);
    for (std::size_t i = 0; i < rec.frames.size(); i++)
      j["frames"].push_back(
          frame_json(rec, rec.frames[i], opt, i < args.size() ? args[i] : std::nullopt));
    for (const auto& w : rec.windows) {
      if (w.frame >= j["frames"].size()) continue;
      nlohmann::ordered_json words = nlohmann::ordered_json::array();
      for (auto v : w.words) words.push_back(hex(v));
      j["frames"][w.frame]["stack"] = {{"addr", hex(w.addr)}, {"words", words}};
    }
  }
  j["cpus"] = nlohmann::ordered_json::array();
  for (const Cpu& c : rec.cpus) {
    const RenderOptions own = cpu_options(c, opt);
    nlohmann::ordered_json frames = nlohmann::ordered_json::array();
    for (const Frame& f : c.frames) frames.push_back(frame_json(rec, f, own, std::nullopt));
    j["cpus"].push_back({{"cpu", c.cpu},
                         {"state", cpu_state_name(c.state)},
                         {"user", c.user()},
                         {"frames", std::move(frames)}});
  }
  if (!rec.regs.empty()) {
    const auto names = register_names(rec.arch);
    nlohmann::ordered_json regs = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < rec.regs.size(); i++)
      regs[i < names.size() ? names[i] : std::to_string(i)] = hex(rec.regs[i]);
    j["registers"] = regs;
  }
  return j;
}

nlohmann::ordered_json to_json(const Found& f, const std::optional<Region>& region,
                               const RenderOptions& opt) {
  nlohmann::ordered_json j;
  if (f.record) {
    j = to_json(*f.record, opt);
    if (f.followup) {
      j["reason"] = printable(joined_reason(f), false);
      if (f.record->reason) j["first_reason"] = printable(*f.record->reason, false);
      j["followup"] = to_json(*f.followup, opt);
      j["followup"].erase("schema");
      j["followup"].erase("title");  // the crash's is the first record's
      j["followup"]["offset"] = f.followup_offset;
    } else if (f.followup_error) {
      j["followup_error"] = printable(f.followup_message, false);
    }
  }
  j["offset"] = f.offset;
  if (f.slot) j["slot"] = *f.slot;
  if (f.error) j["error"] = printable(f.message, false);
  if (region && f.record) j["region"] = to_json(*region);
  return j;
}

const char* policy_name(std::uint8_t policy) {
  switch (policy) {
    case LCRT_RING_KEEP:
      return "keep";
    case LCRT_RING_OVERWRITE:
      return "overwrite";
    default:
      return "unknown";
  }
}

std::string region_line(const Region& r) {
  // Flash keeps no region header: its policy, boots and drops are not known.
  if (r.medium == LCRT_MEDIUM_FLASH)
    return "region: " + std::to_string(r.nslots) + (r.nslots == 1 ? " slot" : " slots") + " of " +
           std::to_string(r.slot_size) + " bytes on flash, next seq " + std::to_string(r.next_seq);
  std::string policy = policy_name(r.policy);
  if (policy == "unknown") policy += " (" + std::to_string(r.policy) + ")";
  return "region: " + std::to_string(r.nslots) + (r.nslots == 1 ? " slot" : " slots") + " of " +
         std::to_string(r.slot_size) + " bytes" +
         (r.medium == LCRT_MEDIUM_EFI ? " in UEFI variables" : "") + ", policy " + policy +
         ", boot " + std::to_string(r.boot_count) + ", " + std::to_string(r.dropped) +
         (r.dropped == 1 ? " record" : " records") + " dropped, next seq " +
         std::to_string(r.next_seq);
}

nlohmann::ordered_json to_json(const Region& r) {
  nlohmann::ordered_json j = {{"version", r.version},       {"slot_size", r.slot_size},
                              {"nslots", r.nslots},         {"policy", policy_name(r.policy)},
                              {"generation", r.generation}, {"next_seq", r.next_seq},
                              {"boot_count", r.boot_count}, {"dropped", r.dropped}};
  if (r.medium == LCRT_MEDIUM_EFI) j["medium"] = "efi";
  if (r.medium == LCRT_MEDIUM_FLASH) {
    j["medium"] = "flash";
    for (const char* unknown : {"policy", "boot_count", "dropped"}) j[unknown] = nullptr;
  }
  return j;
}

std::string aligned_table(const std::vector<std::vector<std::string>>& rows) {
  const auto columns = [](const std::string& cell) {
    return static_cast<std::size_t>(
        std::count_if(cell.begin(), cell.end(), [](char c) { return (c & 0xc0) != 0x80; }));
  };
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); c++) width[c] = std::max(width[c], columns(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t c = 0; c + 1 < row.size(); c++)
      out += row[c] + std::string(width[c] - columns(row[c]) + 2, ' ');
    if (!row.empty()) out += row.back();
    out += "\n";
  }
  return out;
}

}  // namespace lcrt
