// Writes the seed corpus of the fuzz targets, fuzz/corpus/{decode,scan,flash}/:
// valid records from the tests' encoder and the real arm record, and edge
// cases around each check of the decoder; for scan, images with and without
// a region header, torn slots and follow-ups; for flash, dumps of LCRT's
// flash partition (block headers, erased and cut slots). The files are
// checked in; run
//   lcrt_fuzz_corpus userspace/fuzz/corpus
// from the fuzz build after changing this, and commit what changed.
#include <linux/lcrt.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "encoder.hpp"

namespace lcrt::test {
namespace {

namespace fs = std::filesystem;

fs::path g_out;

void put(const std::string& dir, const std::string& name, const Bytes& b) {
  const fs::path p = g_out / dir / name;
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void set_le(Bytes& b, std::size_t off, std::uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Bytes payload(const Writer& w) { return w.bytes(); }

// A follow-up of seq: the panic after an oops.
Bytes followup(std::uint64_t seq) {
  Spec s;
  s.seq = seq;
  s.flags = LCRT_F_FOLLOWUP;
  s.event.kind = LCRT_EV_PANIC;
  s.reason = "Fatal exception";
  s.frames.resize(1);
  return make_record(s);
}

Bytes real_record() {
  std::ifstream in(std::string(LCRT_TEST_DATA) + "/arm-exception.rec", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

Spec arm64() {
  Spec s;
  s.arch = LCRT_ARCH_ARM64;
  s.word_size = 8;
  s.frames = {{0xffff800008a1b2c4, 0x24, 0x80, "lkdtm_EXCEPTION [lkdtm]", true},
              {0xffff800008a1a000, 0x1c, 0x60, "lkdtm_do_action [lkdtm]"},
              {0xffff800008321000, 0x90, 0x200, "direct_entry"},
              {0xffff800008010040, 0, 0, ""}};
  for (std::uint64_t i = 0; i < LCRT_REGS_ARM64; i++) s.regs.push_back(0xffff000012340000 + i);
  s.windows = {{0, 0xffff80000a0f3c50, {1, 2, 3, 4, 5}}, {1, 0xffff80000a0f3c80, {}}};
  s.modules = {{"lkdtm", {0x11, 0x22, 0x33, 0x44}}, {"nobid", {}}};
  return s;
}

// A hung task's record: the blocked task's chain, its culprit the waiter.
Spec hung() {
  Spec s = arm64();
  s.event.kind = LCRT_EV_WATCHDOG;
  s.reason = "hung_task: blocked tasks";
  s.culprit = Culprit{LCRT_CULPRIT_BLOCKED, 1};
  s.blocked = Blocked{77, 2, 122880, "kworker/0:1"};
  return s;
}

// A panic with other CPUs (stopped with a module frame, stopped in user
// space, one that did not stop) and a folded recursion (minor 1).
Spec cpus_repeats() {
  Spec s = arm64();
  s.event.kind = LCRT_EV_PANIC;
  s.reason = "Kernel panic - not syncing: kernel stack overflow";
  s.frames[1].repeats = 96;
  s.cpus = {Cpu{1,
                LCRT_CPU_STOPPED,
                0,
                {{0xffff800008b3af00, 0x2c, 0x40, "_raw_spin_lock"},
                 {0xffff800000a101a0, 0x20, 0x44, "lcrt_crash_take_two [lcrt_crash]"}}},
            Cpu{2, LCRT_CPU_STOPPED, LCRT_CPUF_USER, {{0xaaaadead1234, 0, 0, ""}}},
            Cpu{3, LCRT_CPU_RUNNING, 0, {}}};
  return s;
}

// A record of format 1.2: its crash's time and boot, the KASLR offset and
// its modules' load addresses.
Spec located() {
  Spec s = arm64();
  s.boot = Boot{1795688098123456789ULL, Bytes(16, 0x5a)};
  s.load = Load{0x37e00000, {0xffff800000a10000, 0}};
  return s;
}

void decode_corpus() {
  const std::string d = "decode";
  put(d, "valid-arm", make_record(Spec{}));
  put(d, "real-arm-exception", real_record());
  {
    Spec s;
    for (std::uint64_t i = 0; i < LCRT_REGS_ARM; i++) s.regs.push_back(0xc0000000 + i);
    s.windows = {{0, 0xc07c7e90, {1, 2, 0xffffffff, 4, 5, 6}}, {2, 0xc07c7eb8, {7}}};
    s.frames[0].exact = true;
    put(d, "valid-arm-regs-windows", make_record(s));
  }
  put(d, "valid-arm64-exact-modules", make_record(arm64()));
  {
    Spec s;
    s.arch = LCRT_ARCH_X86_64;
    s.word_size = 8;
    s.frames = {{0xffffffff81234567, 0x17, 0x90, "exc_invalid_op", true},
                {0xffffffff81000000, 0, 0, ""}};
    for (std::uint64_t i = 0; i < LCRT_REGS_X86_64; i++) s.regs.push_back(i * 0x1111);
    put(d, "valid-x86_64", make_record(s));
  }
  {
    Spec s;
    s.flags = 0x3f;
    s.stop = LCRT_STOP_LOOP;
    s.dropped = 12;
    s.event.taint = ~0ULL;
    s.event.kind = 200;
    s.event.context = 9;
    s.arch = 77;
    s.extra = {{200, Bytes{1, 2, 3}}, {99, Bytes{}}};  // types no version defines
    put(d, "valid-odd-values-unknown-sections", make_record(s));
  }
  {
    Spec s;
    s.event.comm = "a\x1b[2Jb\\\x7f\xff\xc3\xa9";
    s.reason = "x\r\n\xe2\x82\xac \xe0\x80\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xc2\x9b";
    s.release = std::string("6.1\0-\x01", 6);
    s.frames[0].name = "\xc0\xaf [m\x1b]";
    s.modules = {{"m\x1b", {}}};
    put(d, "valid-nasty-strings", make_record(s));
  }
  {
    Spec s;
    s.frames = {{0x1, 0, 0, "a"}, {0xffffffffffffffff, 0, 0, "b"}, {0x2, 0, 0, "c [m]"}};
    s.frames[1].exact = true;
    put(d, "valid-word4-wrapping-pcs", make_record(s));
  }
  {
    Writer w;
    w.le(LCRT_MAGIC, 4).le(0, 4).le(LCRT_VERSION, 2).le(32, 2).le(32, 4).le(1, 8).le(0, 4);
    w.u8(1).u8(4);
    w.le(0, 2);
    Bytes b = w.bytes();
    reseal(b);
    put(d, "valid-header-only", b);
  }
  const Bytes good = make_record(arm64());
  put(d, "empty", {});
  put(d, "no-magic", Bytes(64, 0xff));
  put(d, "truncated-header", Bytes(good.begin(), good.begin() + 20));
  put(d, "truncated-body",
      Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)));
  {
    Bytes b = good;
    b[good.size() - 3] ^= 0x40;
    put(d, "bad-crc", b);
  }
  {
    Spec s;
    s.version = 0x0200;
    put(d, "bad-version", make_record(s));
    s.version = 1;  // the first format, before major.minor
    put(d, "old-version-1", make_record(s));
    s.version = LCRT_VERSION + 3;
    put(d, "valid-newer-minor", make_record(s));
  }
  put(d, "torn", pending(good));
  put(d, "torn-before-the-header", pending(Bytes(64, 0)));
  put(d, "followup-alone", followup(7));
  {
    Bytes b = good;
    set_le(b, 10, 16, 2);
    reseal(b);
    put(d, "bad-header-size", b);
  }
  {
    Bytes b = good;
    set_le(b, 12, LCRT_MAX_RECORD_SIZE + 8, 4);
    put(d, "bad-total-size", b);
  }
  {
    // The first section claims more bytes than the record holds.
    Bytes b = good;
    set_le(b, 32 + 2, 0xfff0, 2);
    reseal(b);
    put(d, "lying-section-size-long", b);
  }
  {
    // The event section claims fewer bytes than its fields need.
    Bytes b = make_record(Spec{});
    set_le(b, 32 + 2, 5, 2);
    b.resize(32 + 4 + 5);
    set_le(b, 12, b.size(), 4);
    reseal(b);
    put(d, "lying-section-size-short", b);
  }
  {
    Bytes b = good;
    set_le(b, 12, 32 + 2, 4);
    reseal(b);
    put(d, "section-header-past-end", b);
  }
  const auto with = [](std::uint8_t type, const Bytes& p, Spec s = Spec{}) {
    s.extra = {{type, p}};
    return make_record(s);
  };
  put(d, "regs-not-whole-words", with(LCRT_SEC_REGS, Bytes{1, 2, 3}));
  {
    Spec s;
    s.word_size = 3;
    put(d, "regs-word-size-3", with(LCRT_SEC_REGS, Bytes{1, 2, 3}, s));
  }
  put(d, "frames-overlong-varint",
      with(LCRT_SEC_FRAMES,
           Bytes{1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}));
  put(d, "frames-cut-mid-frame", with(LCRT_SEC_FRAMES, Bytes{1, 0, 0, 0x80, 0x10, 0x10, 5, 'a'}));
  put(d, "stack-window-frame-99",
      with(LCRT_SEC_STACK, payload(Writer().varint(99).varint(0xc0001000).le(7, 4))));
  put(d, "stack-window-huge-frame",
      with(LCRT_SEC_STACK, payload(Writer().varint(~0ULL).varint(~0ULL).le(7, 4).le(8, 4))));
  put(d, "exact-index-out-of-range", with(LCRT_SEC_EXACT, payload(Writer().varint(1).varint(3))));
  put(d, "exact-huge-index", with(LCRT_SEC_EXACT, payload(Writer().varint(1).varint(~0ULL))));
  put(d, "exact-out-of-order",
      with(LCRT_SEC_EXACT, payload(Writer().varint(2).varint(1).varint(0))));
  put(d, "exact-count-lies", with(LCRT_SEC_EXACT, payload(Writer().varint(100).varint(0))));
  put(d, "exact-trailing-bytes",
      with(LCRT_SEC_EXACT, payload(Writer().varint(1).varint(0).u8(9).u8(9))));
  {
    Spec s = arm64();  // already has an EXACT section naming frame 0
    s.extra = {{LCRT_SEC_EXACT, payload(Writer().varint(1).varint(0))}};
    put(d, "exact-twice", make_record(s));
  }
  put(d, "modules-no-name", with(LCRT_SEC_MODULES, payload(Writer().str8("").u8(0))));
  put(d, "modules-build-id-past-end",
      with(LCRT_SEC_MODULES, payload(Writer().str8("lkdtm").u8(20).le(1, 4))));
  put(d, "modules-name-past-end", with(LCRT_SEC_MODULES, payload(Writer().u8(9).raw("ab"))));
  put(d, "event-comm-past-end",
      with(LCRT_SEC_EVENT, payload(Writer().u8(1).u8(0).raw("\x01\x02"))));
  put(d, "kernel-build-id-past-end",
      with(LCRT_SEC_KERNEL, payload(Writer().str8("6.12").u8(40).le(1, 8))));

  // The culprit and the blocked task of a hung task (minor 1).
  put(d, "valid-culprit-blocked", make_record(hung()));
  {
    Spec s = hung();
    s.frames[2].name = "";
    s.blocked->comm = "k\xff\x1b[2J\xc2\x9b";
    put(d, "valid-culprit-unnamed-nasty-comm", make_record(s));
  }
  {
    Spec s = hung();
    s.culprit->frame = s.frames.size();
    put(d, "culprit-past-the-frames", make_record(s));
    s.culprit->frame = ~0ULL;
    put(d, "culprit-huge-index", make_record(s));
  }
  put(d, "culprit-rule-only", with(LCRT_SEC_CULPRIT, Bytes{LCRT_CULPRIT_FAULT}));
  put(d, "culprit-varint-cut", with(LCRT_SEC_CULPRIT, Bytes{LCRT_CULPRIT_FAULT, 0x80}));
  put(d, "valid-culprit-unknown-rule", with(LCRT_SEC_CULPRIT, Bytes{LCRT_CULPRIT_BLOCKED + 1, 0}));
  {
    Spec s = hung();
    s.extra = {{LCRT_SEC_CULPRIT, Bytes{LCRT_CULPRIT_FAULT, 0}}};
    put(d, "culprit-twice", make_record(s));
    s.extra = {{LCRT_SEC_BLOCKED, payload(Writer().varint(1).varint(0).varint(0).str8("x"))}};
    put(d, "blocked-twice", make_record(s));
  }
  put(d, "blocked-comm-past-end",
      with(LCRT_SEC_BLOCKED, payload(Writer().varint(77).varint(2).varint(5).u8(16).raw("kw"))));

  // Other CPUs at a panic and folded recursions (minor 1).
  put(d, "valid-cpus-repeats", make_record(cpus_repeats()));
  {
    Spec s = cpus_repeats();
    s.word_size = 4;  // pcs cut to 32 bits
    s.arch = LCRT_ARCH_ARM;
    s.regs.clear();
    s.cpus[0].frames[1].name = "\xff\x1b[2J [m\x9b]";
    s.extra = {{LCRT_SEC_CPU, payload(Writer()
                                          .varint(~0ULL)
                                          .u8(200)
                                          .u8(0xff)
                                          .u8(1)
                                          .svarint(-1)
                                          .varint(0)
                                          .varint(0)
                                          .str8("x")
                                          .raw("newer"))}};
    put(d, "valid-cpus-odd-values-nasty-names", make_record(s));
  }
  {
    Spec s = cpus_repeats();
    s.frames[0].repeats = ~0ULL - 1;
    s.frames[3].repeats = 1;
    put(d, "valid-repeats-huge", make_record(s));
  }
  const auto cpu = [](std::uint8_t count) {
    return Writer().varint(1).u8(LCRT_CPU_STOPPED).u8(0).u8(count);
  };
  put(d, "cpu-empty", with(LCRT_SEC_CPU, Bytes{}));
  put(d, "cpu-no-frame-count", with(LCRT_SEC_CPU, payload(Writer().varint(1).u8(1).u8(0))));
  put(d, "cpu-frame-count-overrun", with(LCRT_SEC_CPU, payload(cpu(3).u8(0).u8(0).u8(0).u8(0))));
  put(d, "cpu-cut-mid-frame",
      with(LCRT_SEC_CPU, payload(cpu(2).u8(0).u8(0).u8(0).u8(0).raw("\x80\x80\x80\x80"))));
  put(d, "cpu-name-past-end",
      with(LCRT_SEC_CPU, payload(cpu(1).svarint(8).varint(1).varint(2).u8(9).raw("ab"))));
  const auto repeats = [](std::uint64_t count) { return Writer().varint(count); };
  put(d, "repeats-index-past-frames",
      with(LCRT_SEC_REPEATS, payload(repeats(1).varint(3).varint(4))));
  put(d, "repeats-huge-index", with(LCRT_SEC_REPEATS, payload(repeats(1).varint(~0ULL).varint(4))));
  put(d, "repeats-out-of-order",
      with(LCRT_SEC_REPEATS, payload(repeats(2).varint(1).varint(4).varint(0).varint(4))));
  put(d, "repeats-count-lies", with(LCRT_SEC_REPEATS, payload(repeats(100).varint(0).varint(1))));
  put(d, "repeats-max", with(LCRT_SEC_REPEATS, payload(repeats(1).varint(0).varint(~0ULL))));
  put(d, "repeats-cut", with(LCRT_SEC_REPEATS, payload(repeats(1).varint(0).u8(0x80))));
  {
    Spec s = cpus_repeats();
    s.extra = {{LCRT_SEC_REPEATS, payload(repeats(1).varint(0).varint(1))}};
    put(d, "repeats-twice", make_record(s));
  }

  // The crash's time and boot, where the code was loaded (minor 2).
  put(d, "valid-boot-load", make_record(located()));
  {
    Spec s = located();
    s.boot = Boot{~0ULL, {}};
    s.load = Load{~0ULL, {~0ULL}};
    put(d, "valid-boot-load-extremes", make_record(s));
    s.word_size = 4;
    s.arch = LCRT_ARCH_ARM;
    s.regs.clear();
    s.windows.clear();
    put(d, "valid-boot-load-word4", make_record(s));
  }
  put(d, "boot-empty", with(LCRT_SEC_BOOT, Bytes{}));
  put(d, "boot-time-cut", with(LCRT_SEC_BOOT, Bytes{0x80}));
  put(d, "boot-id-8-bytes", with(LCRT_SEC_BOOT, payload(Writer().varint(1).u8(8).le(~0ULL, 8))));
  put(d, "boot-id-past-end", with(LCRT_SEC_BOOT, payload(Writer().varint(1).u8(16).le(1, 4))));
  put(d, "load-count-lies", with(LCRT_SEC_LOAD, payload(Writer().varint(0).varint(~0ULL))));
  put(d, "load-cut", with(LCRT_SEC_LOAD, payload(Writer().varint(0).varint(2).varint(1).u8(0x80))));
  put(d, "load-more-than-modules",
      with(LCRT_SEC_LOAD, payload(Writer().varint(0x1000).varint(3).varint(1).varint(2).varint(3)),
           arm64()));
  {
    Spec s = located();
    s.extra = {{LCRT_SEC_BOOT, payload(Writer().varint(0).u8(0))},
               {LCRT_SEC_LOAD, payload(Writer().varint(0).varint(0))}};
    put(d, "boot-load-twice", make_record(s));
  }
}

// A region image: each record in a slot of slot bytes, the rest erased.
Bytes region(const std::vector<Bytes>& records, std::size_t slot, std::uint8_t erased = 0xff) {
  Bytes img(slot * records.size(), erased);
  for (std::size_t i = 0; i < records.size(); i++)
    std::copy(records[i].begin(), records[i].end(),
              img.begin() + static_cast<std::ptrdiff_t>(i * slot));
  return img;
}

Bytes seq(std::uint64_t n, Spec s = Spec{}) {
  s.seq = n;
  return make_record(s);
}

void scan_corpus() {
  const std::string d = "scan";
  put(d, "empty", {});
  put(d, "erased", Bytes(512, 0xff));
  put(d, "zeroed", Bytes(512, 0));
  put(d, "one-record", real_record());
  put(d, "three-slots", region({seq(3), seq(5), seq(4, arm64())}, 1024));
  {
    Bytes torn = seq(9);
    torn[60] ^= 1;
    put(d, "torn-between-valid", region({seq(7), torn, seq(8)}, 384, 0));
  }
  {
    // Records back to back: the next one starts at the 8-byte boundary.
    Bytes img;
    for (std::uint64_t n = 1; n <= 3; n++) {
      Bytes r = seq(n);
      r.resize((r.size() + 7) & ~std::size_t{7}, 0);
      img.insert(img.end(), r.begin(), r.end());
    }
    put(d, "back-to-back", img);
  }
  {
    Bytes img(8, 0);
    const Bytes r = seq(2);
    img.insert(img.begin() + 4, r.begin(), r.end());
    put(d, "unaligned-record", img);
  }
  {
    Bytes img = region({seq(1)}, 256);
    const Bytes r = seq(2, arm64());
    img.insert(img.end(), r.begin(), r.begin() + 40);
    put(d, "truncated-last-record", img);
  }
  {
    Writer w;
    for (int i = 0; i < 16; i++) w.le(LCRT_MAGIC, 4).le(0, 4);
    put(d, "magic-everywhere", w.bytes());
  }
  {
    Bytes img(60, 0xff);
    set_le(img, 56, LCRT_MAGIC, 4);
    put(d, "magic-at-the-end", img);
  }
  {
    Spec a;
    a.seq = ~0ULL;
    put(d, "same-seq-and-max-seq", region({seq(4), seq(4), make_record(a)}, 256));
  }
  put(d, "raw-followup", with_followup(seq(7), followup(7)));
  put(d, "raw-torn-followup", with_followup(seq(7), pending(followup(7))));
  put(d, "raw-pending", pending(seq(3)));
  put(d, "raw-culprit-followup", with_followup(seq(7, hung()), followup(7)));
  put(d, "raw-cpus-repeats", seq(8, cpus_repeats()));
  put(d, "raw-boot-load-followup", with_followup(seq(9, located()), followup(9)));

  // Region images with a header (struct lcrt_region_header, two copies).
  RegionSpec r;
  r.slot_size = 640;
  r.nslots = 4;
  put(d, "region-empty", make_region(r, {}));
  put(d, "region-records", make_region(r, {seq(3), {}, seq(5, arm64()), seq(4)}));
  {
    RegionSpec big = r;
    big.slot_size = 1024;
    big.nslots = 3;
    put(d, "region-cpus-repeats", make_region(big, {seq(3, hung()), seq(4, cpus_repeats())}));
  }
  {
    Bytes junk(16, 0x5a);
    Bytes damaged = seq(6);
    damaged[60] ^= 1;
    put(d, "region-torn-junk-damaged",
        make_region(r, {pending(seq(7)), junk, damaged, pending(Bytes(32, 0))}));
  }
  put(d, "region-followup",
      make_region(r, {with_followup(seq(5), followup(5)), seq(6),
                      with_followup(seq(7), pending(followup(7))), followup(8)}));
  {
    RegionSpec newer = r;
    newer.generation = r.generation + 1;
    newer.nslots = 2;
    newer.policy = LCRT_RING_OVERWRITE;
    put(d, "region-newer-second-copy", make_region(r, {seq(1), seq(2)}, &newer));
    Bytes img = make_region(newer, {seq(1), seq(2)}, &r);
    img[LCRT_REGION_HDR_SIZE + 20] ^= 1;  // the older copy torn
    put(d, "region-one-copy-torn", img);
  }
  {
    Bytes img = make_region(r, {seq(1), seq(2)});
    img.resize(LCRT_REGION_SLOTS + 640 + 100);
    put(d, "region-cut-in-a-slot", img);
  }
}

// A flash partition of nblocks blocks of 8 KiB, 4 slots of 1 KiB each,
// slots[i] at the start of slot i (erased after it and in the others).
Bytes flash(std::uint32_t nblocks, const std::vector<Bytes>& slots, std::uint64_t next_seq = 1) {
  constexpr std::uint32_t block = 8192;
  constexpr std::uint32_t slot = 1024;
  constexpr std::uint32_t nslots = 4;
  Bytes dump(std::size_t{nblocks} * block, 0xff);
  for (std::uint32_t b = 0; b < nblocks; b++) {
    Writer w;
    w.le(LCRT_FLASH_MAGIC, 4).le(0, 4).le(LCRT_FLASH_VERSION, 2).le(sizeof(lcrt_flash_block), 2);
    w.le(block, 4).le(b, 4).le(nblocks, 4).le(slot, 4).le(nslots, 4).le(next_seq, 8).le(1, 4);
    w.le(0, 4);
    Bytes h = w.bytes();
    const std::uint32_t crc = record_crc(h.data(), h.size());
    for (int i = 0; i < 4; i++) h[4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    std::copy(h.begin(), h.end(), dump.begin() + std::ptrdiff_t{b} * block);
  }
  for (std::size_t i = 0; i < slots.size(); i++) {
    const std::size_t at = (i / nslots) * block + LCRT_FLASH_BLOCK_HDR + (i % nslots) * slot;
    std::copy(slots[i].begin(), slots[i].end(), dump.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return dump;
}

void flash_corpus() {
  const std::string d = "flash";
  put(d, "erased", Bytes(16384, 0xff));
  put(d, "formatted", flash(2, {}));
  put(d, "two-records", flash(2, {seq(1), {}, {}, {}, seq(2)}, 3));
  {
    // A mark on flash: the magic, version, header size and seq only.
    Bytes mark(32, 0xff);
    const std::uint32_t m = LCRT_MAGIC_NOR_PENDING;
    for (int i = 0; i < 4; i++) mark[i] = static_cast<std::uint8_t>(m >> (8 * i));
    mark[8] = LCRT_VERSION & 0xff;
    mark[9] = LCRT_VERSION >> 8;
    mark[10] = 32;
    mark[11] = 0;
    for (int i = 0; i < 8; i++) mark[16 + i] = i == 0 ? 4 : 0;
    // A commit cut after one byte of its word.
    Bytes cut = seq(3);
    cut[1] = static_cast<std::uint8_t>(LCRT_MAGIC_NOR_PENDING >> 8);
    put(d, "torn", flash(2, {seq(2), cut, mark}, 5));
  }
  {
    // Block 0 being erased (its header gone): only block 1's slots.
    Bytes dump = flash(2, {seq(1), {}, {}, {}, seq(2)});
    std::fill(dump.begin(), dump.begin() + 64, 0xff);
    put(d, "block-erased", dump);
  }
  {
    // A whole chip: 4 KiB of something else, then the partition.
    Bytes chip(4096, 0x5a);
    const Bytes part = flash(2, {seq(7)});
    chip.insert(chip.end(), part.begin(), part.end());
    put(d, "chip", chip);
  }
}

}  // namespace
}  // namespace lcrt::test

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (userspace/fuzz/corpus)\n", argv[0]);
    return 64;
  }
  lcrt::test::g_out = argv[1];
  for (const char* d : {"decode", "scan", "flash"}) {
    fs::remove_all(lcrt::test::g_out / d);
    fs::create_directories(lcrt::test::g_out / d);
  }
  lcrt::test::decode_corpus();
  lcrt::test::scan_corpus();
  lcrt::test::flash_corpus();
  return 0;
}
