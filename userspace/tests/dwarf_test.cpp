// Source lines from DWARF (--vmlinux, --modules) against tests/data/fixture.c,
// built by CMake into a stand-in vmlinux and module. The tests learn the
// fixture's addresses from its own symbols and code, and the lines they
// expect from the LINE: markers in its source, so they copy nothing from the
// tool's output.
#include "lcrt/dwarf.hpp"

#include <arpa/inet.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "encoder.hpp"
#include "lcrt/debuginfo.hpp"
#include "lcrt/render.hpp"

namespace lcrt {
namespace {

using test::CliResult;
using test::lcrt_cli;
using test::make_record;
using test::Spec;
using test::write_temp;

const std::string kVmlinux = std::string(LCRT_FIXTURE) + "/vmlinux";
const std::string kModules = std::string(LCRT_FIXTURE) + "/modules";
const std::string kKo = kModules + "/fixture.ko";
const std::string kTwins = std::string(LCRT_FIXTURE) + "/twins";
const std::string kSource = "tests/data/fixture.c";  // as DWARF has it, past the build dir

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// The line of fixture.c (or file) that holds the marker "LINE:name".
int marker(const std::string& name, const std::string& file = "fixture.c") {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/" + file);
  std::string line;
  for (int n = 1; std::getline(in, line); n++)
    if (has(line, "/* LINE:" + name + " */")) return n;
  throw std::runtime_error("fixture.c has no marker " + name);
}

// What a test needs of an ELF file, read with libelf.
class ElfFile {
 public:
  explicit ElfFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    elf_version(EV_CURRENT);
    elf_ = elf_begin(fd_, ELF_C_READ, nullptr);
    if (elf_ == nullptr) throw std::runtime_error(path + ": " + elf_errmsg(-1));
  }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;
  ~ElfFile() {
    elf_end(elf_);
    ::close(fd_);
  }

  Bytes build_id() const {
    const void* p = nullptr;
    const ssize_t n = dwelf_elf_gnu_build_id(elf_, &p);
    const auto* b = static_cast<const std::uint8_t*>(p);
    return n > 0 ? Bytes(b, b + n) : Bytes{};
  }

  GElf_Sym symbol(const std::string& name) const {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_SYMTAB) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      for (std::size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
        GElf_Sym sym;
        gelf_getsym(data, static_cast<int>(i), &sym);
        if (name == elf_strptr(elf_, sh.sh_link, sym.st_name)) return sym;
      }
    }
    throw std::runtime_error("no symbol " + name);
  }

  // The symbol name of the source file file (a static one: after file's
  // STT_FILE symbol, before the next).
  GElf_Sym symbol_in(const std::string& file, const std::string& name) const {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_SYMTAB) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      bool in_file = false;
      for (std::size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
        GElf_Sym sym;
        gelf_getsym(data, static_cast<int>(i), &sym);
        const std::string sym_name = elf_strptr(elf_, sh.sh_link, sym.st_name);
        if (GELF_ST_TYPE(sym.st_info) == STT_FILE)
          in_file = sym_name == file;
        else if (in_file && sym_name == name)
          return sym;
      }
    }
    throw std::runtime_error("no symbol " + name + " of " + file);
  }

  // The offset in caller of the return address of its call to callee
  // (x86-64: a call rel32, e8, to callee's address).
  std::uint64_t return_offset(const std::string& caller, const std::string& callee) const {
    return return_offset(symbol(caller), symbol(callee), caller + " does not call " + callee);
  }

  std::uint64_t return_offset(const GElf_Sym& from, const GElf_Sym& to,
                              const std::string& why = "no such call") const {
    const std::uint8_t* code = bytes(from.st_value, from.st_size);
    for (std::uint64_t i = 0; i + 5 <= from.st_size; i++) {
      if (code[i] != 0xe8) continue;
      std::int32_t rel = 0;
      std::memcpy(&rel, code + i + 1, 4);
      if (from.st_value + i + 5 + static_cast<std::int64_t>(rel) == to.st_value) return i + 5;
    }
    throw std::runtime_error(why);
  }

 private:
  const std::uint8_t* bytes(GElf_Addr addr, std::uint64_t size) const {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn)) != nullptr) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_PROGBITS) continue;
      if (addr < sh.sh_addr || addr + size > sh.sh_addr + sh.sh_size) continue;
      const Elf_Data* data = elf_getdata(scn, nullptr);
      return static_cast<const std::uint8_t*>(data->d_buf) + (addr - sh.sh_addr);
    }
    throw std::runtime_error("no section holds the code");
  }

  int fd_;
  Elf* elf_ = nullptr;
};

class Dwarf : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the fixture's calls are found by their x86-64 encoding";
#endif
  }

  // A frame of the fixture as the kernel would record it: KASLR moved it.
  static Frame frame(const std::string& function, std::uint64_t offset, bool exact = false,
                     const std::string& module = "") {
    const GElf_Sym sym = elf().symbol(function);
    Frame f;
    f.pc = sym.st_value + offset + 0x3a000000;
    f.offset = offset;
    f.size = sym.st_size;
    f.name = module.empty() ? function : function + " [" + module + "]";
    f.exact = exact;
    return f;
  }

  // The same, as the symbolizer is asked for it.
  static FrameAt at(const std::string& function, std::uint64_t offset, bool exact = false,
                    std::optional<Module> module = std::nullopt) {
    const Frame f = frame(function, offset, exact);
    FrameAt a;
    a.pc = f.pc;
    a.function = function;
    a.offset = offset;
    a.size = f.size;
    a.exact = exact;
    a.module = std::move(module);
    return a;
  }

  static const ElfFile& elf() {
    static const ElfFile e(kVmlinux);
    return e;
  }

  static Spec record(std::vector<Frame> frames) {
    Spec s;
    s.arch = LCRT_ARCH_X86_64;
    s.word_size = 8;
    s.build_id = elf().build_id();
    s.frames = std::move(frames);
    return s;
  }

  std::ostringstream warnings_;
};

TEST_F(Dwarf, TheFixtureIsWhatTheTestsAssume) {
  EXPECT_EQ(elf().build_id().size(), 20U);  // --build-id=sha1
  EXPECT_NE(ElfFile(kKo).build_id(), elf().build_id());
  Symbolizer s(kVmlinux, warnings_);
  EXPECT_EQ(s.build_id(), elf().build_id());
  EXPECT_TRUE(s.has_dwarf());
  EXPECT_EQ(warnings_.str(), "");
}

TEST_F(Dwarf, AReturnAddressIsTheLineOfTheCall) {
  Symbolizer s(kVmlinux, warnings_);
  const auto off = elf().return_offset("call_a", "call_b");
  const auto src = s.locate(at("call_a", off));
  ASSERT_TRUE(src);
  EXPECT_EQ(src->file, kSource);
  EXPECT_EQ(src->line, marker("call_a_calls_call_b"));
  EXPECT_TRUE(src->inlined.empty());
}

TEST_F(Dwarf, AnExactPcIsItsOwnLine) {
  Symbolizer s(kVmlinux, warnings_);
  const auto off = elf().return_offset("call_a", "call_b");
  const auto src = s.locate(at("call_a", off, true));
  ASSERT_TRUE(src);
  EXPECT_EQ(src->line, marker("call_a_returns"));
  const auto at_start = s.locate(at("leaf", 0, true));
  ASSERT_TRUE(at_start);
  EXPECT_EQ(at_start->line, marker("leaf"));
}

TEST_F(Dwarf, InlinedFunctionsAndWhereTheyWereCalled) {
  Symbolizer s(kVmlinux, warnings_);
  const auto off = elf().return_offset("call_b", "leaf");
  const auto src = s.locate(at("call_b", off));
  ASSERT_TRUE(src);
  EXPECT_EQ(src->file, kSource);
  EXPECT_EQ(src->line, marker("helper_calls_leaf"));
  ASSERT_EQ(src->inlined.size(), 1U);
  EXPECT_EQ(src->inlined[0].function, "helper");
  EXPECT_EQ(src->inlined[0].file, kSource);
  EXPECT_EQ(src->inlined[0].line, marker("call_b_calls_helper"));
}

// Static functions of one name in two files (tests/data/twins_*.c): a frame
// gets the line of the one its address is in, KASLR's slide learned from
// its caller, a name the file has once. The record's size of twin() is
// kallsyms' (to the next symbol, its padding in it), not the st_size of
// either: no size tells the two apart.
TEST_F(Dwarf, StaticFunctionsOfOneNameAreToldApartByAddress) {
  const ElfFile twins(kTwins);
  constexpr std::uint64_t kSlide = 0x3a000000;
  for (const std::string side : {"a", "b"}) {
    SCOPED_TRACE(side);
    const std::string file = "twins_" + side + ".c";
    const GElf_Sym twin = twins.symbol_in(file, "twin");
    const GElf_Sym caller = twins.symbol("call_twin_" + side);
    ASSERT_GT(caller.st_value, twin.st_value + twin.st_size);  // padding before it
    const std::uint64_t ret = twins.return_offset(caller, twin);
    Spec spec =
        record({{twin.st_value + kSlide, 0, caller.st_value - twin.st_value, "twin", true},
                {caller.st_value + ret + kSlide, ret, caller.st_size, "call_twin_" + side, false}});
    spec.build_id = twins.build_id();
    const auto rec = decode(make_record(spec));
    Symbolizer s(kTwins, warnings_);
    RenderOptions opt;
    opt.source = &s;
    const std::string src = "tests/data/" + file + ":";
    const std::string t = render_text(rec, opt);
    EXPECT_TRUE(has(t, "] (exact) " + src + std::to_string(marker("twin_" + side, file)) + "\n"))
        << t;
    EXPECT_TRUE(has(t, "] " + src + std::to_string(marker("call_twin_" + side, file)) + "\n")) << t;
    const auto j = to_json(rec, opt);
    EXPECT_EQ(j["frames"][0]["file"], "tests/data/" + file);
    EXPECT_EQ(j["frames"][0]["line"], marker("twin_" + side, file));

    // Alone, twin() is either one: no line rather than a wrong one.
    spec.frames.resize(1);
    const auto alone = to_json(decode(make_record(spec)), opt);
    EXPECT_FALSE(alone["frames"][0].contains("line")) << alone.dump();
    EXPECT_TRUE(has(warnings_.str(), "2 functions are named twin")) << warnings_.str();
  }
}

TEST_F(Dwarf, AFunctionNotInTheFileHasNoLine) {
  Symbolizer s(kVmlinux, warnings_);
  EXPECT_FALSE(s.locate(FrameAt{0xffffffff81000004, "no_such_function", 4, 0x10, false, {}}));
  EXPECT_TRUE(has(warnings_.str(), "no function no_such_function")) << warnings_.str();
}

TEST_F(Dwarf, TextAndJsonCarryTheLines) {
  Symbolizer s(kVmlinux, warnings_);
  const auto ret_b = elf().return_offset("call_b", "leaf");
  const auto ret_a = elf().return_offset("call_a", "call_b");
  const auto rec = decode(make_record(record({frame("leaf", 0, true),
                                              frame("call_b", ret_b),
                                              frame("call_a", ret_a),
                                              {0xffffffff81000000, 0, 0, "", false}})));
  RenderOptions opt;
  opt.source = &s;
  const std::string t = render_text(rec, opt);
  const std::string src = kSource + ":";
  EXPECT_TRUE(has(t, "] (exact) " + src + std::to_string(marker("leaf")) + "\n")) << t;
  EXPECT_TRUE(has(t, "] " + src + std::to_string(marker("helper_calls_leaf")) +
                         "\n        inlined helper, called at " + src +
                         std::to_string(marker("call_b_calls_helper")) + "\n  #2"))
      << t;
  EXPECT_TRUE(has(t, "] " + src + std::to_string(marker("call_a_calls_call_b")) + "\n")) << t;
  EXPECT_TRUE(has(t, "#3  [0xffffffff81000000]\n")) << t;

  const auto j = to_json(rec, opt);
  EXPECT_EQ(j["frames"][0]["exact"], true);
  EXPECT_EQ(j["frames"][0]["line"], marker("leaf"));
  EXPECT_EQ(j["frames"][0]["inlined"], nlohmann::ordered_json::array());
  EXPECT_EQ(j["frames"][1]["exact"], false);
  EXPECT_EQ(j["frames"][1]["file"], kSource);
  EXPECT_EQ(j["frames"][1]["line"], marker("helper_calls_leaf"));
  EXPECT_EQ(j["frames"][1]["inlined"][0]["function"], "helper");
  EXPECT_EQ(j["frames"][1]["inlined"][0]["file"], kSource);
  EXPECT_EQ(j["frames"][1]["inlined"][0]["line"], marker("call_b_calls_helper"));
  EXPECT_FALSE(j["frames"][3].contains("file"));
}

// A folded frame keeps its own line, " (xN)" after it; another CPU's frames
// get theirs as the chain's do (its first, where it stopped, the pc's own).
TEST_F(Dwarf, FoldedFramesAndOtherCpusHaveTheirLines) {
  Symbolizer s(kVmlinux, warnings_);
  const auto ret_b = elf().return_offset("call_b", "leaf");
  const auto ret_a = elf().return_offset("call_a", "call_b");
  Spec spec = record({frame("leaf", 0, true), frame("call_b", ret_b), frame("call_a", ret_a)});
  spec.frames[2].repeats = 4;
  spec.cpus = {Cpu{1, LCRT_CPU_STOPPED, 0, {frame("leaf", 0), frame("call_a", ret_a)}},
               Cpu{2, LCRT_CPU_STOPPED, LCRT_CPUF_USER, {{0x400000, 0, 0, ""}}}};
  const auto rec = decode(make_record(spec));
  RenderOptions opt;
  opt.source = &s;
  const std::string t = render_text(rec, opt);
  const std::string src = kSource + ":";
  EXPECT_TRUE(has(t, "] " + src + std::to_string(marker("call_a_calls_call_b")) + " (x5)\n")) << t;
  EXPECT_TRUE(has(t, "cpu 1:   stopped\n  #0  leaf+0x0/")) << t;
  EXPECT_TRUE(has(t, "] (exact) " + src + std::to_string(marker("leaf")) + "\n  #1  call_a+")) << t;
  EXPECT_TRUE(has(t, "] " + src + std::to_string(marker("call_a_calls_call_b")) +
                         "\ncpu 2:   stopped, in user space\n  #0  [0x400000] (exact)\n"))
      << t;

  const auto j = to_json(rec, opt);
  EXPECT_EQ(j["frames"][2]["repeat"], 5);
  EXPECT_EQ(j["frames"][2]["line"], marker("call_a_calls_call_b"));
  EXPECT_EQ(j["cpus"][0]["frames"][0]["line"], marker("leaf"));
  EXPECT_EQ(j["cpus"][0]["frames"][1]["line"], marker("call_a_calls_call_b"));
  EXPECT_FALSE(j["cpus"][0]["frames"][0].contains("args"));
  EXPECT_FALSE(j["cpus"][1]["frames"][0].contains("line"));
}

// The culprit line gets its frame's source line, as the chain shows it.
TEST_F(Dwarf, TheCulpritLineHasItsSourceLine) {
  Symbolizer s(kVmlinux, warnings_);
  const auto ret_b = elf().return_offset("call_b", "leaf");
  const auto ret_a = elf().return_offset("call_a", "call_b");
  Spec spec = record({frame("leaf", 0, true), frame("call_b", ret_b), frame("call_a", ret_a)});
  spec.culprit = Culprit{LCRT_CULPRIT_CALLER, 2};
  const auto rec = decode(make_record(spec));
  RenderOptions opt;
  opt.source = &s;
  char where[64];
  std::snprintf(where, sizeof(where), "call_a+0x%llx/0x%llx",
                static_cast<unsigned long long>(ret_a),
                static_cast<unsigned long long>(elf().symbol("call_a").st_size));
  const std::string t = render_text(rec, opt);
  EXPECT_TRUE(has(t, std::string("culprit: ") + where + " (caller) " + kSource + ":" +
                         std::to_string(marker("call_a_calls_call_b")) + "\n"))
      << t;
  EXPECT_EQ(to_json(rec, opt)["culprit"]["function"], "call_a");
}

// Frame 0's registers are those at the fault (its pc is exact); its caller's
// are what the callee's CFI says of them: keep() holds x in a register
// clobber() preserves (clobber()'s CFI: same value), so x is the one at the
// fault. The caller's registers are its own only when the return address
// that CFI gives, the word at sp on entry to clobber(), is keep()'s pc: the
// window of frame 0 must hold that word.
class Arguments : public Dwarf {
 protected:
  static constexpr std::uint64_t kSp = 0x7ffe1000;

  static Spec spec() {
    const auto ret = elf().return_offset("keep", "clobber");
    Spec spec = record({frame("clobber", 0, true), frame("keep", ret)});
    spec.regs.assign(LCRT_REGS_X86_64, 0x5a5a);
    spec.regs[5] = 0x77;                // bx
    spec.regs[14] = 0x99;               // di: clobber's x at its first instruction
    spec.regs[19] = kSp;                // sp
    spec.regs[16] = spec.frames[0].pc;  // ip: the fault is frame 0's
    return spec;
  }

  nlohmann::ordered_json json(const Spec& spec) {
    if (!symbolizer_) symbolizer_.emplace(kVmlinux, warnings_);
    RenderOptions opt;
    opt.source = &*symbolizer_;
    return to_json(decode(make_record(spec)), opt);
  }

  std::string text(const Spec& spec) {
    if (!symbolizer_) symbolizer_.emplace(kVmlinux, warnings_);
    RenderOptions opt;
    opt.source = &*symbolizer_;
    return render_text(decode(make_record(spec)), opt);
  }

  std::optional<Symbolizer> symbolizer_;
};

TEST_F(Arguments, TheCallersWhenTheWindowProvesItsReturnAddress) {
  Spec s = spec();
  s.windows = {{0, kSp, {s.frames[1].pc, 0x1234}}};
  const std::string t = text(s);
  EXPECT_TRUE(has(t, "\n        args: x=0x99\n  #1")) << t;
  EXPECT_TRUE(has(t, "\n        args: x=0x77\n")) << t;
  const auto j = json(s);
  EXPECT_EQ(j["frames"][0]["args"][0]["name"], "x");
  EXPECT_EQ(j["frames"][0]["args"][0]["value"], "0x99");
  EXPECT_EQ(j["frames"][1]["args"][0]["name"], "x");
  EXPECT_EQ(j["frames"][1]["args"][0]["value"], "0x77");
}

// No window: the return address cannot be checked, and the caller's
// registers (bx here) may be anyone's: its arguments are not shown.
TEST_F(Arguments, NotTheCallersWithoutAWindowToCheckItsReturnAddress) {
  const Spec s = spec();
  const std::string t = text(s);
  EXPECT_TRUE(has(t, "\n        args: x=0x99\n  #1")) << t;
  EXPECT_FALSE(has(t, "x=0x77")) << t;
  EXPECT_EQ(t.find("args:"), t.rfind("args:")) << t;  // frame 0's only
  const auto j = json(s);
  EXPECT_EQ(j["frames"][0]["args"][0]["value"], "0x99");
  EXPECT_FALSE(j["frames"][1].contains("args")) << j.dump();
}

// A window whose word at sp is not the caller's pc: the CFI unwound into
// something else, and nothing of the caller is known.
TEST_F(Arguments, NotTheCallersWhenTheReturnAddressIsAnotherPc) {
  Spec s = spec();
  s.windows = {{0, kSp, {s.frames[1].pc + 4, 0x1234}}};
  const auto j = json(s);
  EXPECT_EQ(j["frames"][0]["args"][0]["value"], "0x99");
  EXPECT_FALSE(j["frames"][1].contains("args")) << j.dump();
  EXPECT_FALSE(has(text(s), "x=0x77"));
}

// Without the registers nothing is known, and nothing is made up; nor when
// frame 0 is not where the CPU was (the registers are not its).
TEST_F(Arguments, NoneWithoutTheRegistersOfTheFault) {
  Spec s = spec();
  s.windows = {{0, kSp, {s.frames[1].pc, 0x1234}}};
  s.regs.clear();
  const auto bare = json(s);
  EXPECT_FALSE(bare["frames"][0].contains("args")) << bare.dump();
  EXPECT_FALSE(bare["frames"][1].contains("args")) << bare.dump();
  EXPECT_FALSE(has(text(s), "args:"));

  s = spec();
  s.windows = {{0, kSp, {s.frames[1].pc, 0x1234}}};
  s.frames[0].exact = false;
  s.frames[0].offset = 4;
  s.frames[0].pc += 4;
  const auto late = json(s);
  EXPECT_FALSE(late["frames"][0].contains("args")) << late.dump();
  EXPECT_FALSE(late["frames"][1].contains("args")) << late.dump();
}

TEST_F(Dwarf, BuildIdMismatch) {
  const Symbolizer s(kVmlinux, warnings_);
  Spec spec = record({frame("leaf", 0)});
  EXPECT_EQ(build_id_mismatch(s, decode(make_record(spec))), "");
  spec.build_id = {0xde, 0xad, 0xbe, 0xef};
  const std::string why = build_id_mismatch(s, decode(make_record(spec)));
  EXPECT_TRUE(has(why, kVmlinux)) << why;
  EXPECT_TRUE(has(why, hex_bytes(elf().build_id()))) << why;
  EXPECT_TRUE(has(why, "deadbeef")) << why;
  spec.build_id.clear();
  EXPECT_EQ(build_id_mismatch(s, decode(make_record(spec))), "");  // not known: not checked
}

TEST_F(Dwarf, NotElfAndMissingFilesAreErrors) {
  const std::string source = std::string(LCRT_TEST_DATA) + "/fixture.c";
  try {
    Symbolizer s(source, warnings_);
    FAIL() << "opened " << source;
  } catch (const std::system_error& e) {
    FAIL() << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(has(e.what(), source + ": not an ELF file")) << e.what();
  }
  try {
    Symbolizer s("/nonexistent/vmlinux", warnings_);
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_TRUE(has(e.what(), "/nonexistent/vmlinux")) << e.what();
  }
}

TEST_F(Dwarf, AModuleFrameIsFoundInItsKoByBuildId) {
  Symbolizer s(kVmlinux, warnings_);
  s.add_modules(kModules);
  const auto off = elf().return_offset("call_b", "leaf");
  const Module m{"fixture", ElfFile(kKo).build_id()};
  const auto src = s.locate(at("call_b", off, false, m));
  ASSERT_TRUE(src) << warnings_.str();
  EXPECT_EQ(src->file, kSource);
  EXPECT_EQ(src->line, marker("helper_calls_leaf"));
  ASSERT_EQ(src->inlined.size(), 1U);
  EXPECT_EQ(src->inlined[0].line, marker("call_b_calls_helper"));
  EXPECT_EQ(warnings_.str(), "");

  const Module other{"fixture", {1, 2, 3}};
  EXPECT_FALSE(s.locate(at("call_b", off, false, other)));
  EXPECT_TRUE(has(warnings_.str(), "no .ko with build-id 010203 under " + kModules))
      << warnings_.str();
}

TEST_F(Dwarf, AModuleWithoutBuildIdIsFoundByNameWithAWarning) {
  Symbolizer s(kVmlinux, warnings_);
  s.add_modules(kModules);
  const Module m{"fixture", {}};
  const auto src = s.locate(at("leaf", 0, true, m));
  ASSERT_TRUE(src);
  EXPECT_EQ(src->line, marker("leaf"));
  EXPECT_TRUE(has(warnings_.str(), kKo + " is unchecked")) << warnings_.str();
}

TEST_F(Dwarf, ModuleFramesInTheRecordNeedModules) {
  const auto off = elf().return_offset("call_a", "call_b");
  Spec spec = record({frame("call_a", off, false, "fixture")});
  spec.modules = {{"fixture", ElfFile(kKo).build_id()}};
  const auto rec = decode(make_record(spec));
  Symbolizer without(kVmlinux, warnings_);
  RenderOptions opt;
  opt.source = &without;
  EXPECT_FALSE(to_json(rec, opt)["frames"][0].contains("line"));
  EXPECT_TRUE(has(warnings_.str(), "without --modules")) << warnings_.str();

  Symbolizer with(kVmlinux, warnings_);
  with.add_modules(kModules);
  opt.source = &with;
  const auto j = to_json(rec, opt);
  EXPECT_EQ(j["frames"][0]["module"], "fixture");
  EXPECT_EQ(j["frames"][0]["line"], marker("call_a_calls_call_b"));
  EXPECT_EQ(j["modules"][0]["build_id"], hex_bytes(ElfFile(kKo).build_id()));
}

TEST_F(Dwarf, CliVmlinuxModulesAndForce) {
  const auto ret_b = elf().return_offset("call_b", "leaf");
  Spec spec = record({frame("leaf", 0, true), frame("call_b", ret_b, false, "fixture")});
  spec.modules = {{"fixture", ElfFile(kKo).build_id()}};
  const std::string rec = write_temp("fixture.rec", make_record(spec));
  const std::string line = kSource + ":" + std::to_string(marker("helper_calls_leaf"));

  CliResult run = lcrt_cli("decode --vmlinux " + kVmlinux + " --modules " + kModules + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "#1  call_b+")) << run.out;
  EXPECT_TRUE(has(run.out, "[fixture] [0x")) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line + "\n        inlined helper, called at ")) << run.out;
  EXPECT_TRUE(has(run.out, "module:  fixture build-id " + hex_bytes(ElfFile(kKo).build_id())))
      << run.out;
  EXPECT_FALSE(has(run.out, "warning")) << run.out;

  run = lcrt_cli("decode --json --vmlinux " + kVmlinux + " --modules " + kModules + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j[0]["frames"][0]["line"], marker("leaf"));
  EXPECT_EQ(j[0]["frames"][1]["inlined"][0]["function"], "helper");

  spec.build_id = {0xde, 0xad, 0xbe, 0xef};
  const std::string other = write_temp("other.rec", make_record(spec));
  run = lcrt_cli("decode --vmlinux " + kVmlinux + " " + other);
  EXPECT_EQ(run.status, 65) << run.out;
  EXPECT_TRUE(has(run.out, "lcrt: " + kVmlinux + ": build-id " + hex_bytes(elf().build_id()) +
                               " is not the record's deadbeef (--force to use it anyway)\n"))
      << run.out;
  EXPECT_FALSE(has(run.out, "call chain")) << run.out;  // nothing printed
  run = lcrt_cli("decode --force --vmlinux " + kVmlinux + " " + other);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "warning: " + kVmlinux + ": build-id")) << run.out;
  EXPECT_TRUE(has(run.out, "(exact) " + kSource + ":" + std::to_string(marker("leaf")))) << run.out;

  spec.build_id.clear();
  run = lcrt_cli("decode --vmlinux " + kVmlinux + " " + write_temp("noid.rec", make_record(spec)));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "warning: a record has no build-id")) << run.out;
}

TEST_F(Dwarf, CliBadVmlinux) {
  const std::string rec = write_temp("plain.rec", make_record(Spec{}));
  const std::string source = std::string(LCRT_TEST_DATA) + "/fixture.c";
  CliResult run = lcrt_cli("decode --vmlinux " + source + " " + rec);
  EXPECT_EQ(run.status, 65) << run.out;
  EXPECT_TRUE(has(run.out, "lcrt: " + source + ": not an ELF file")) << run.out;
  run = lcrt_cli("decode --vmlinux /nonexistent/vmlinux " + rec);
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_TRUE(has(run.out, "/nonexistent/vmlinux")) << run.out;
  run = lcrt_cli("decode --force " + rec);  // needs --vmlinux
  EXPECT_EQ(run.status, 64) << run.out;
  run = lcrt_cli("decode --modules /nonexistent/modules " + rec);  // read without --vmlinux too
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_TRUE(has(run.out, "/nonexistent/modules")) << run.out;
  const std::string unreadable = write_temp("unreadable-vmlinux", Bytes{0x7f, 'E', 'L', 'F'});
  ::chmod(unreadable.c_str(), 0);
  if (::geteuid() != 0) {  // root reads it anyway
    run = lcrt_cli("decode --vmlinux " + unreadable + " " + rec);
    EXPECT_EQ(run.status, 74) << run.out;
  }
}

// Debug files found by build-id, without --vmlinux: the fixture's vmlinux
// and module put in a temporary tree of .build-id directories, at the path
// GDB and elfutils use, written here from that convention (the first byte
// of the build-id as a directory, the rest and ".debug" as the name).
class BuildId : public Dwarf {
 protected:
  void SetUp() override {
    Dwarf::SetUp();
    if (IsSkipped()) return;
    std::string tmpl = ::testing::TempDir() + "lcrt-buildid-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
    debug_ = dir_ + "/debug";
    empty_ = dir_ + "/empty";
    std::filesystem::create_directories(debug_);
    std::filesystem::create_directories(empty_);
  }

  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  static std::string debug_path(const std::string& dir, const Bytes& id) {
    const std::string hex = hex_bytes(id);
    return dir + "/.build-id/" + hex.substr(0, 2) + "/" + hex.substr(2) + ".debug";
  }

  // file at id's path under dir, as a symlink (as Debian's packages make
  // them) or a copy; that path.
  static std::string place(const std::string& dir, const Bytes& id, const std::string& file,
                           bool symlink = true) {
    const std::string path = debug_path(dir, id);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    if (symlink)
      std::filesystem::create_symlink(file, path);
    else
      std::filesystem::copy_file(file, path);
    return path;
  }

  static Bytes vmlinux_id() { return elf().build_id(); }
  static Bytes ko_id() { return ElfFile(kKo).build_id(); }

  // A crash in leaf() called from the module's call_b(), called from the
  // kernel's call_a(): a line from each file when both are found.
  static std::string record_file(const std::string& name, const Bytes& kernel_id) {
    const auto ret_b = elf().return_offset("call_b", "leaf");
    const auto ret_a = elf().return_offset("call_a", "call_b");
    Spec spec = record(
        {frame("leaf", 0, true), frame("call_b", ret_b, false, "fixture"), frame("call_a", ret_a)});
    spec.build_id = kernel_id;
    spec.modules = {{"fixture", ko_id()}};
    return write_temp(name, make_record(spec));
  }

  static std::string line_of(const std::string& m) {
    return kSource + ":" + std::to_string(marker(m));
  }

  std::string dir_;
  std::string debug_;  // a tree of .build-id directories
  std::string empty_;  // another, empty
};

TEST_F(BuildId, FoundInTheFirstDirectoryThatHasIt) {
  const std::string path = place(debug_, vmlinux_id(), kVmlinux);
  const DebugLookup where{{empty_, debug_}, false};
  DebugSearch s = find_debug_file(vmlinux_id(), where);
  ASSERT_TRUE(s.file) << s.why;
  EXPECT_EQ(s.file->path, path);
  EXPECT_EQ(s.file->origin, path);
  EXPECT_EQ(s.why, "");

  // Not there: every place it was looked for is said, in order.
  const Bytes other{0x01, 0x02, 0x03};
  s = find_debug_file(other, where);
  EXPECT_FALSE(s.file);
  EXPECT_EQ(s.why, "no " + debug_path(empty_, other) + "; no " + debug_path(debug_, other));
  s = find_debug_file(other, DebugLookup{{debug_ + "/"}, true});
  EXPECT_EQ(s.why, "no " + debug_path(debug_, other) + "; DEBUGINFOD_URLS not set");
  EXPECT_FALSE(find_debug_file({0x01}, where).file);  // no path for it
}

// A file at the path whose build-id is not the one asked for (a stale
// link, another build) is never taken for it.
TEST_F(BuildId, AFileOfAnotherBuildIdIsPassedOver) {
  const std::string wrong = place(empty_, vmlinux_id(), kKo);
  const std::string right = place(debug_, vmlinux_id(), kVmlinux, false);
  DebugSearch s = find_debug_file(vmlinux_id(), DebugLookup{{empty_}, false});
  EXPECT_FALSE(s.file);
  EXPECT_EQ(s.why, wrong + " has build-id " + hex_bytes(ko_id()));
  s = find_debug_file(vmlinux_id(), DebugLookup{{empty_, debug_}, false});
  ASSERT_TRUE(s.file) << s.why;
  EXPECT_EQ(s.file->path, right);

  const std::string text = place(debug_, {0xab, 0xcd}, std::string(LCRT_TEST_DATA) + "/fixture.c");
  s = find_debug_file({0xab, 0xcd}, DebugLookup{{debug_}, false});
  EXPECT_FALSE(s.file);
  EXPECT_EQ(s.why, text + " is no ELF file with a build-id");
}

// decode without --vmlinux: the kernel's and the module's lines, and the
// header says where each debug file came from; info, which shares decode's
// options, the same.
TEST_F(BuildId, DecodeFindsTheKernelAndItsModules) {
  const std::string vmlinux = place(debug_, vmlinux_id(), kVmlinux);
  const std::string ko = place(debug_, ko_id(), kKo);
  const std::string rec = record_file("buildid.rec", vmlinux_id());
  const std::string dirs = " --debug-dir " + empty_ + " --debug-dir " + debug_ + " ";

  CliResult run = lcrt_cli("decode" + dirs + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "kernel:  6.1.0-lcrt build-id " + hex_bytes(vmlinux_id()) +
                               "\ndebug:   " + vmlinux + "\nmodule:  fixture build-id " +
                               hex_bytes(ko_id()) + "\ndebug:   " + ko + "\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "] (exact) " + line_of("leaf") + "\n")) << run.out;
  EXPECT_TRUE(has(run.out, "[fixture] [0x")) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("helper_calls_leaf") + "\n        inlined helper"))
      << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("call_a_calls_call_b") + "\n")) << run.out;
  EXPECT_FALSE(has(run.out, "warning")) << run.out;

  run = lcrt_cli("decode --json" + dirs + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j[0]["frames"][0]["line"], marker("leaf"));
  EXPECT_EQ(j[0]["frames"][1]["line"], marker("helper_calls_leaf"));
  EXPECT_EQ(j[0]["frames"][2]["line"], marker("call_a_calls_call_b"));

  // show and info take the same options and find the same files.
  EXPECT_EQ(lcrt_cli("show --source " + rec + dirs).out, lcrt_cli("decode" + dirs + rec).out);
  const std::string archive = dir_ + "/archive";
  std::filesystem::create_directories(archive);
  std::filesystem::copy_file(rec, archive + "/20261126T101500Z-seq7-00000000.rec");
  run = lcrt_cli("info --dir " + archive + " --source /nonexistent" + dirs + "20261126T1015");
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   " + vmlinux + "\n")) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("call_a_calls_call_b") + "\n")) << run.out;

  // --vmlinux names the kernel; the module is still found by build-id.
  run = lcrt_cli("decode --vmlinux " + kVmlinux + dirs + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   " + kVmlinux + " (--vmlinux)\nmodule:  fixture build-id " +
                               hex_bytes(ko_id()) + "\ndebug:   " + ko + "\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("helper_calls_leaf") + "\n")) << run.out;
}

// A record of another build: its kernel's debug file is not there, decode
// shows the record without lines and says why; a file at its path of
// another build-id is refused. The module, found, still has its lines.
TEST_F(BuildId, AnotherBuildHasNoLinesAndSaysWhy) {
  place(debug_, ko_id(), kKo);
  const Bytes other{0xde, 0xad, 0xbe, 0xef};
  const std::string rec = record_file("other-build.rec", other);
  CliResult run = lcrt_cli("decode --debug-dir " + debug_ + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "kernel:  6.1.0-lcrt build-id deadbeef\ndebug:   none (no " +
                               debug_path(debug_, other) + "; DEBUGINFOD_URLS not set)\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "call chain")) << run.out;
  EXPECT_FALSE(has(run.out, line_of("leaf"))) << run.out;
  EXPECT_FALSE(has(run.out, line_of("call_a_calls_call_b"))) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("helper_calls_leaf") + "\n")) << run.out;  // the .ko's
  EXPECT_FALSE(has(run.out, "warning")) << run.out;

  // The vmlinux linked at deadbeef's path: not the record's kernel.
  const std::string stale = place(debug_, other, kVmlinux);
  run = lcrt_cli("decode --debug-dir " + debug_ + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   none (" + stale + " has build-id " +
                               hex_bytes(vmlinux_id()) + "; DEBUGINFOD_URLS not set)\n"))
      << run.out;
  EXPECT_FALSE(has(run.out, line_of("leaf"))) << run.out;

  // Neither found: the module's line says why too, and --modules finds it.
  run = lcrt_cli("decode --debug-dir " + empty_ + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "module:  fixture build-id " + hex_bytes(ko_id()) +
                               "\ndebug:   none (no " + debug_path(empty_, ko_id()) +
                               "; DEBUGINFOD_URLS not set)\n"))
      << run.out;
  EXPECT_FALSE(has(run.out, kSource + ":")) << run.out;
  run = lcrt_cli("decode --debug-dir " + empty_ + " --modules " + kModules + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   " + kKo + "\n")) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("helper_calls_leaf") + "\n")) << run.out;
  // A --modules that does not have it: asked for, so a warning too.
  run = lcrt_cli("decode --debug-dir " + empty_ + " --modules " + empty_ + " " + rec);
  EXPECT_EQ(run.status, 0) << run.out;
  const std::string why = "no .ko with build-id " + hex_bytes(ko_id()) + " under " + empty_ +
                          "; no " + debug_path(empty_, ko_id()) + "; DEBUGINFOD_URLS not set";
  EXPECT_TRUE(has(run.out, "lcrt: warning: module fixture: " + why + "\n")) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   none (" + why + ")\n")) << run.out;
  EXPECT_FALSE(has(run.out, kSource + ":")) << run.out;
}

// A port of the loopback that no one listens on now.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  return ok ? ntohs(a.sin_port) : -1;
}

// The status of GET path on the loopback's port (0: no answer).
int http_status(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[256];
      for (ssize_t n;
           reply.find('\n') == std::string::npos && (n = ::read(fd, buf, sizeof(buf))) > 0;)
        reply.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  int status = 0;
  return std::sscanf(reply.c_str(), "HTTP/%*s %d", &status) == 1 ? status : 0;
}

// An executable of PATH, or "".
std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
  return "";
}

// Debian's debuginfod server on a free port of this machine, serving the
// ELF files of a directory; stopped (SIGTERM) when the test ends.
class DebuginfodServer {
 public:
  DebuginfodServer(const std::string& binary, const std::string& files, const std::string& dir) {
    port_ = free_port();
    const std::string port = std::to_string(port_);
    const std::string db = dir + "/debuginfod-" + port + ".sqlite";
    log_ = dir + "/debuginfod-" + port + ".log";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(binary.c_str(), "debuginfod", "-F", files.c_str(), "-p", port.c_str(), "-d",
              db.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  DebuginfodServer(const DebuginfodServer&) = delete;
  DebuginfodServer& operator=(const DebuginfodServer&) = delete;
  ~DebuginfodServer() {
    if (pid_ <= 0 || exited_) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Whether it serves id's debuginfo within a minute: its scan of the
  // directory runs after it starts listening.
  bool serves(const Bytes& id) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (pid_ > 0 && !exited_ && std::chrono::steady_clock::now() < end) {
      if (http_status(port_, "/buildid/" + hex_bytes(id) + "/debuginfo") == 200) return true;
      exited_ = ::waitpid(pid_, nullptr, WNOHANG) != 0;  // the port taken since, say
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  bool exited() const { return exited_; }

  std::string log() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  int port_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_;
};

// DEBUGINFOD_URLS: the files come from the server (the header names its
// URL), then from libdebuginfod's cache; a build-id it does not have is no
// line, and said.
TEST_F(BuildId, DebuginfodServesWhatNoDirectoryHas) {
  if (!debuginfod_built())
    GTEST_SKIP() << "this lcrt was built without libdebuginfod (Debian: libdebuginfod-dev)";
  const std::string binary = on_path("debuginfod");
  if (binary.empty()) GTEST_SKIP() << "no debuginfod server to run (Debian: debuginfod)";
  const std::string files = dir_ + "/served";
  std::filesystem::create_directories(files);
  std::filesystem::copy_file(kVmlinux, files + "/vmlinux");
  std::filesystem::copy_file(kKo, files + "/fixture.ko");
  // Another port when one was taken between free_port() and the server.
  std::optional<DebuginfodServer> started;
  for (int attempt = 0; attempt < 3 && !started; attempt++) {
    started.emplace(binary, files, dir_);
    if (!started->serves(vmlinux_id()) && started->exited()) started.reset();
  }
  ASSERT_TRUE(started) << "debuginfod did not start";
  DebuginfodServer& server = *started;
  ASSERT_TRUE(server.serves(vmlinux_id()) && server.serves(ko_id()))
      << "debuginfod did not serve the fixture; its log:\n"
      << server.log();

  const std::string cache = dir_ + "/cache";
  const std::string env = "DEBUGINFOD_URLS=" + server.url() + " DEBUGINFOD_CACHE_PATH=" + cache;
  const std::string rec = record_file("debuginfod.rec", vmlinux_id());
  CliResult run = lcrt_cli("decode --debug-dir " + empty_ + " " + rec, env);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   " + server.url() + "/buildid/" + hex_bytes(vmlinux_id()) +
                               "/debuginfo\nmodule:  fixture build-id " + hex_bytes(ko_id()) +
                               "\ndebug:   " + server.url() + "/buildid/" + hex_bytes(ko_id()) +
                               "/debuginfo\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "] (exact) " + line_of("leaf") + "\n")) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("helper_calls_leaf") + "\n")) << run.out;
  EXPECT_TRUE(has(run.out, "] " + line_of("call_a_calls_call_b") + "\n")) << run.out;
  EXPECT_FALSE(has(run.out, "warning")) << run.out;

  // Again: from the cache, without a server's URL.
  run = lcrt_cli("decode --debug-dir " + empty_ + " " + rec, env);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   " + cache + "/" + hex_bytes(vmlinux_id()) +
                               "/debuginfo (debuginfod cache)\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "] (exact) " + line_of("leaf") + "\n")) << run.out;

  // A build the server does not have.
  run = lcrt_cli("decode --debug-dir " + empty_ + " " + record_file("unknown.rec", {1, 2, 3, 4}),
                 env);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\ndebug:   none (no " + debug_path(empty_, {1, 2, 3, 4}) +
                               "; debuginfod (" + server.url() + "): No such file or directory)\n"))
      << run.out;
  EXPECT_FALSE(has(run.out, line_of("leaf"))) << run.out;
}

}  // namespace
}  // namespace lcrt
