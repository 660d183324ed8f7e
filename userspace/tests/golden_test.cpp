// Golden files: records taken from the lab's real vendor kernels (an LKDTM
// EXCEPTION on arm, arm64 and x86_64, 6.1 and 6.12), each checked against
// what the same kernel printed on its console for that oops: the culprit and
// its offset, the call trace, the registers and the build-id. The console is
// the oracle; nothing here was copied from the tool's output.
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "lcrt/record.hpp"

namespace lcrt {
namespace {

std::string slurp(const std::string& name) {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "func+0x4/0x10" as the console names a frame (GCC suffixes kept).
struct Site {
  std::string function;
  std::uint64_t offset = 0;
};

Site site(const std::smatch& m) { return {m[1].str(), std::stoull(m[2].str(), nullptr, 16)}; }

// The function the console blames for the fault.
Site console_pc(const std::string& console) {
  static const std::regex pc(
      R"((?:PC is at |pc : |RIP: 0010:)([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+)");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(console, m, pc));
  return site(m);
}

// The reliable frames of the console's call trace, after the faulting one
// ("? " guesses of x86 left out; arm's "A from B" gives B).
std::vector<Site> console_trace(const std::string& console) {
  static const std::regex arm(R"(^ [\w.]+ from ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+$)");
  static const std::regex other(R"(^ ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+$)");
  std::vector<Site> out;
  const std::size_t from = std::min(console.find("Call trace:"), console.find("Call Trace:"));
  std::size_t pos = from == std::string::npos ? 0 : from;
  while (pos < console.size()) {
    const std::size_t nl = console.find('\n', pos);
    const std::string line = console.substr(pos, nl == std::string::npos ? nl : nl - pos);
    std::smatch m;
    if (std::regex_match(line, m, arm) ||
        (from != std::string::npos && std::regex_match(line, m, other)))
      out.push_back(site(m));
    if (line.find("RIP: 0033") != std::string::npos) break;  // the user part
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  // arm64 lists the faulting function first: it is the pc, not a caller.
  const Site pc = console_pc(console);
  if (!out.empty() && out.front().function == pc.function) out.erase(out.begin());
  return out;
}

// The kernel's register dump before the trace: name -> value, with x86's
// names made the record's (rax -> ax, r8 stays r8) and arm64's lr -> x30.
std::map<std::string, std::uint64_t> console_registers(const std::string& console) {
  static const std::regex reg(R"(\b([A-Za-z][A-Za-z0-9]*)\s*:\s*\[?<?([0-9a-f]{8,16})\b)");
  std::string dump =
      console.substr(0, std::min({console.find("Call trace:"), console.find("Call Trace:"),
                                  console.find("Stack: (")}));
  std::map<std::string, std::uint64_t> out;
  for (std::sregex_iterator it(dump.begin(), dump.end(), reg), end; it != end; ++it) {
    std::string name = lower((*it)[1].str());
    if (name.size() == 3 && name[0] == 'r' && !std::isdigit(static_cast<unsigned char>(name[1])))
      name = name.substr(1);  // rax, rbp, rsp, rip -> ax, bp, sp, ip
    if (name == "lr" && console.find("x29:") != std::string::npos) name = "x30";
    out.emplace(name, std::stoull((*it)[2].str(), nullptr, 16));
  }
  return out;
}

class Golden : public ::testing::TestWithParam<const char*> {};

TEST_P(Golden, RecordAgreesWithTheConsoleOfTheSameCrash) {
  const std::string name = GetParam();
  const std::string raw = slurp(name + ".rec");
  const std::string console = slurp(name + ".console");
  const Bytes bytes(raw.begin(), raw.end());
  const Scan s = scan(bytes);
  const Found* f = newest(s.found);
  ASSERT_NE(f, nullptr) << name;
  const Record& r = *f->record;

  // The arch the file is named after, and the kernel's own build-id.
  const std::string arch = name.substr(0, name.find('-'));
  EXPECT_EQ(arch_name(r.arch), arch == "x86_64" ? std::string("x86_64") : arch);
  EXPECT_EQ(r.word_size, arch == "arm" ? 4 : 8);
  EXPECT_NE(console.find(hex_bytes(r.build_id)), std::string::npos) << name;
  EXPECT_LE(raw.size(), 1024U);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->kind, LCRT_EV_OOPS);
  EXPECT_NE(console.find("Comm: " + r.event->comm + " "), std::string::npos);
  // Committed at die time, continued by the panic's follow-up.
  EXPECT_TRUE(f->followup) << name;
  EXPECT_NE(joined_reason(*f).find("Fatal exception (after "), std::string::npos)
      << joined_reason(*f);

  // The culprit at the exact offset the console gives for the pc.
  ASSERT_FALSE(r.frames.empty());
  const Site pc = console_pc(console);
  EXPECT_EQ(r.frames[0].name, pc.function);
  EXPECT_EQ(r.frames[0].offset, pc.offset);
  EXPECT_TRUE(r.frames[0].exact);

  // Every frame the console's unwinder is sure of, in order, at the same
  // offset (the record may hold more: the caller of a leaf, from lr).
  const std::vector<Site> trace = console_trace(console);
  ASSERT_GE(trace.size(), 4U) << name;
  std::size_t k = 1;
  for (const Site& want : trace) {
    while (k < r.frames.size() &&
           !(r.frames[k].name == want.function && r.frames[k].offset == want.offset))
      ++k;
    EXPECT_LT(k, r.frames.size()) << name << ": " << want.function << " not in the record";
    ++k;
  }

  // The registers the kernel printed are the ones recorded.
  const auto regs = console_registers(console);
  const std::vector<std::string> names = register_names(r.arch);
  ASSERT_EQ(names.size(), r.regs.size());
  int compared = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto it = regs.find(names[i]);
    if (it == regs.end()) continue;
    EXPECT_EQ(r.regs[i], it->second) << name << ": " << names[i];
    ++compared;
  }
  EXPECT_GE(compared, 12) << name;
}

// The records of real kernels in tests/data, and a test name for each.
constexpr const char* kRealRecords[] = {"arm-6.1-exception",    "arm-6.12-exception",
                                        "arm64-6.1-exception",  "arm64-6.12-exception",
                                        "x86_64-6.1-exception", "x86_64-6.12-exception"};

std::string test_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string n = info.param;
  std::replace_if(
      n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(RealKernels, Golden, ::testing::ValuesIn(kRealRecords), test_name);

// JSON golden files: lcrt decode --json of each real record, byte for byte
// against tests/data/<name>.json. Those were reviewed field by field against
// the record's bytes and the console (seq, sizes, CRC, arch, word size, event,
// taint, build-id, frames), not taken on trust from the tool.
class GoldenJson : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenJson, DecodeJsonIsTheReviewedFile) {
  const std::string name = GetParam();
  const std::string cmd = std::string(LCRT_BINARY) + " decode --json " + LCRT_TEST_DATA + "/" +
                          name + ".rec 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) != 0;) out.append(buf, n);
  const int st = pclose(p);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << name;
  EXPECT_EQ(out, slurp(name + ".json")) << name;
}

INSTANTIATE_TEST_SUITE_P(RealKernels, GoldenJson, ::testing::ValuesIn(kRealRecords), test_name);

}  // namespace
}  // namespace lcrt
