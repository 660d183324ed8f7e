#include "encoder.hpp"

#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <sys/wait.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace lcrt::test {
namespace {

// The tool the tests run asks no debuginfod server that the environment's
// DEBUGINFOD_URLS names (a developer's, for other programs): only a test's
// own, named in its command (lcrt_cli(args, env)).
[[maybe_unused]] const bool kNoDebuginfod = [] { return ::unsetenv("DEBUGINFOD_URLS") == 0; }();

}  // namespace

Writer& Writer::u8(std::uint8_t v) {
  b_.push_back(v);
  return *this;
}

Writer& Writer::le(std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

Writer& Writer::varint(std::uint64_t v) {
  do {
    std::uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v != 0) byte |= 0x80;
    b_.push_back(byte);
  } while (v != 0);
  return *this;
}

Writer& Writer::svarint(std::int64_t v) {
  return varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

Writer& Writer::str8(const std::string& s) {
  return u8(static_cast<std::uint8_t>(s.size())).raw(s);
}

Writer& Writer::raw(const std::string& s) {
  b_.insert(b_.end(), s.begin(), s.end());
  return *this;
}

namespace {

void section(Writer& w, std::uint8_t type, const Bytes& payload) {
  w.u8(type).u8(0).le(payload.size(), 2);
  w.raw(std::string(payload.begin(), payload.end()));
}

}  // namespace

Bytes record(std::uint64_t seq) {
  Spec s;
  s.seq = seq;
  return make_record(s);
}

std::vector<std::pair<std::size_t, std::uint64_t>> slots_and_seqs(const Bytes& image) {
  std::vector<std::pair<std::size_t, std::uint64_t>> out;
  for (const auto& f : scan(image).found)
    if (f.record) out.emplace_back(f.slot.value_or(kNoSlot), f.record->seq);
  return out;
}

Bytes make_record(const Spec& s) {
  Writer ev;
  ev.u8(s.event.kind).u8(s.event.context).varint(s.event.cpu).varint(s.event.pid);
  ev.varint(s.event.preempt_count).varint(s.event.taint).varint(s.event.uptime_ns);
  ev.str8(s.event.comm);
  Writer reason;
  reason.raw(s.reason);
  Writer kernel;
  kernel.str8(s.release).u8(static_cast<std::uint8_t>(s.build_id.size()));
  kernel.raw(std::string(s.build_id.begin(), s.build_id.end()));
  Writer frames;
  frames.u8(1).u8(s.stop).varint(s.dropped);
  std::uint64_t prev = 0;
  for (const auto& f : s.frames) {
    frames.svarint(static_cast<std::int64_t>(f.pc - prev)).varint(f.offset).varint(f.size);
    frames.str8(f.name);
    prev = f.pc;
  }

  Writer body;
  section(body, LCRT_SEC_EVENT, ev.bytes());
  section(body, LCRT_SEC_REASON, reason.bytes());
  section(body, LCRT_SEC_KERNEL, kernel.bytes());
  if (s.boot) {
    Writer boot;
    boot.varint(s.boot->time_ns).u8(static_cast<std::uint8_t>(s.boot->id.size()));
    boot.raw(std::string(s.boot->id.begin(), s.boot->id.end()));
    section(body, LCRT_SEC_BOOT, boot.bytes());
  }
  if (s.load) {
    Writer load;
    load.varint(s.load->kaslr_offset).varint(s.load->modules.size());
    for (const auto a : s.load->modules) load.varint(a);
    section(body, LCRT_SEC_LOAD, load.bytes());
  }
  if (s.blocked) {
    Writer blocked;
    blocked.varint(s.blocked->pid).varint(s.blocked->state).varint(s.blocked->waited_ms);
    blocked.str8(s.blocked->comm);
    section(body, LCRT_SEC_BLOCKED, blocked.bytes());
  }
  section(body, LCRT_SEC_FRAMES, frames.bytes());
  if (s.culprit) {
    Writer culprit;
    culprit.u8(s.culprit->rule).varint(s.culprit->frame);
    section(body, LCRT_SEC_CULPRIT, culprit.bytes());
  }
  if (!s.regs.empty()) {
    Writer regs;
    for (auto v : s.regs) regs.le(v, s.word_size);
    section(body, LCRT_SEC_REGS, regs.bytes());
  }
  for (const auto& w : s.windows) {
    Writer win;
    win.varint(w.frame).varint(w.addr);
    for (auto v : w.words) win.le(v, s.word_size);
    section(body, LCRT_SEC_STACK, win.bytes());
  }
  Writer exact;
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < s.frames.size(); i++)
    if (s.frames[i].exact) count++;
  exact.varint(count);
  for (std::size_t i = 0; i < s.frames.size(); i++)
    if (s.frames[i].exact) exact.varint(i);
  if (count != 0) section(body, LCRT_SEC_EXACT, exact.bytes());
  Writer repeats;
  count = 0;
  for (const auto& f : s.frames)
    if (f.repeats != 0) count++;
  repeats.varint(count);
  for (std::size_t i = 0; i < s.frames.size(); i++)
    if (s.frames[i].repeats != 0) repeats.varint(i).varint(s.frames[i].repeats);
  if (count != 0) section(body, LCRT_SEC_REPEATS, repeats.bytes());
  if (!s.modules.empty()) {
    Writer mods;
    for (const auto& m : s.modules) {
      mods.str8(m.name).u8(static_cast<std::uint8_t>(m.build_id.size()));
      mods.raw(std::string(m.build_id.begin(), m.build_id.end()));
    }
    section(body, LCRT_SEC_MODULES, mods.bytes());
  }
  for (const auto& c : s.cpus) {
    Writer cpu;
    cpu.varint(c.cpu).u8(c.state).u8(c.flags).u8(static_cast<std::uint8_t>(c.frames.size()));
    std::uint64_t last = 0;
    for (const auto& f : c.frames) {
      cpu.svarint(static_cast<std::int64_t>(f.pc - last)).varint(f.offset).varint(f.size);
      cpu.str8(f.name);
      last = f.pc;
    }
    section(body, LCRT_SEC_CPU, cpu.bytes());
  }
  for (const auto& [type, payload] : s.extra) section(body, type, payload);

  Writer w;
  const std::size_t total = 32 + body.bytes().size();
  w.le(LCRT_MAGIC, 4).le(0, 4).le(s.version, 2).le(32, 2).le(total, 4).le(s.seq, 8);
  w.le(s.capture_ns, 4).u8(s.arch).u8(s.word_size).le(s.flags, 2);
  Bytes rec = w.bytes();
  rec.insert(rec.end(), body.bytes().begin(), body.bytes().end());
  reseal(rec);
  return rec;
}

void reseal(Bytes& rec) {
  const std::uint32_t total = rec[12] | rec[13] << 8 | rec[14] << 16 | rec[15] << 24;
  const std::uint32_t crc = record_crc(rec.data(), total);
  for (int i = 0; i < 4; i++) rec[4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

Bytes pending(Bytes rec) {
  for (int i = 0; i < 4; i++) rec[i] = static_cast<std::uint8_t>(LCRT_MAGIC_PENDING >> (8 * i));
  return rec;
}

Bytes with_followup(Bytes first, const Bytes& followup) {
  first.resize((first.size() + 7) & ~std::size_t{7}, 0);
  first.insert(first.end(), followup.begin(), followup.end());
  return first;
}

Bytes region_header(const RegionSpec& r) {
  Writer w;
  w.le(r.magic, 4).le(0, 4).le(r.version, 2).le(r.header_size, 2).le(r.slot_size, 4);
  w.le(r.nslots, 4).u8(r.policy).le(0, 3).le(r.generation, 8).le(r.next_seq, 8);
  w.le(r.boot_count, 8).le(r.dropped, 8).le(0, 8);
  Bytes b = w.bytes();
  const std::size_t covered = std::min<std::size_t>(r.header_size, b.size());
  const auto crc = static_cast<std::uint32_t>(
      crc32(0L, b.data() + LCRT_CRC_OFFSET, static_cast<uInt>(covered - LCRT_CRC_OFFSET)));
  for (int i = 0; i < 4; i++) b[4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return b;
}

Bytes make_region(const RegionSpec& r, const std::vector<Bytes>& slots, const RegionSpec* second) {
  Bytes img(LCRT_REGION_SLOTS + std::size_t{r.slot_size} * r.nslots, 0);
  const Bytes a = region_header(r);
  const Bytes b = region_header(second != nullptr ? *second : r);
  std::copy(a.begin(), a.end(), img.begin());
  std::copy(b.begin(), b.end(), img.begin() + LCRT_REGION_HDR_SIZE);
  for (std::size_t i = 0; i < slots.size(); i++)
    std::copy(slots[i].begin(), slots[i].end(),
              img.begin() + static_cast<std::ptrdiff_t>(LCRT_REGION_SLOTS + i * r.slot_size));
  return img;
}

CliResult lcrt_cli(const std::string& args, const std::string& env) {
  const std::string cmd = env + (env.empty() ? "" : " ") + LCRT_BINARY + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

CliOutput lcrt_apart(const std::string& args) {
  const std::string err_file = ::testing::TempDir() + "lcrt-cli-stderr";
  FILE* p = popen((std::string(LCRT_BINARY) + " " + args + " 2>" + err_file).c_str(), "r");
  CliOutput r;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) r.out += buf;
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

std::vector<std::vector<std::string>> words_of_lines(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    rows.emplace_back();
    for (std::string w; words >> w;) rows.back().push_back(w);
  }
  return rows;
}

std::string write_temp(const std::string& name, const Bytes& b) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return path;
}

std::string crc_of(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& n : names) joined += n + "\n";
  const auto crc =
      crc32(0L, reinterpret_cast<const Bytef*>(joined.data()), static_cast<uInt>(joined.size()));
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%08lx", static_cast<unsigned long>(crc));
  return buf.data();
}

std::string decode_error(const Bytes& b) {
  try {
    decode(b);
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.code(), Error::kSections) << e.what();
    return e.what();
  }
  return "";
}

}  // namespace lcrt::test
