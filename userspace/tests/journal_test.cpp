// The journal entry lcrt collect sends for a record it archived, field by
// field, and the catalog entry of its MESSAGE_ID. A journal entry leaves the
// root-only files: it carries names, offsets and ids, never an address.
// The expected values are written from the record put in (its time in
// microseconds: 1795688098123456789 ns / 1000; its boot id as 32 hex
// digits), not copied from the tool.
#include <gtest/gtest.h>
#include <linux/lcrt.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/collect.hpp"
#include "lcrt/record.hpp"

namespace lcrt {
namespace {

namespace fs = std::filesystem;
using test::crc_of;
using test::has;
using test::make_record;
using test::Spec;
using test::with_followup;

constexpr std::uint64_t kTimeNs = 1795688098123456789ULL;
const Bytes kBootId{0x6f, 0x0b, 0x2c, 0x3e, 0x1d, 0x5a, 0x4c, 0x2b,
                    0x9e, 0x8f, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
const std::string kPath = "/var/lib/lcrt/20261126T101500Z-seq7-x";

// An oops in a module function the kernel blamed, then the panic that
// followed it; format 1.2, with the time, boot and load addresses.
Spec oops() {
  Spec s;
  s.reason = "Oops, err 0x17";
  s.frames = {{0xbf000110, 0x10, 0x40, "mydrv_irq [mydrv]"}, {0xc0000ff0, 0x30, 0x100, "caller"}};
  s.culprit = Culprit{LCRT_CULPRIT_FAULT, 0};
  s.modules = {{"mydrv", {0x11, 0x22}}};
  s.boot = Boot{kTimeNs, kBootId};
  s.load = Load{0x2a00000, {0xbf000000}};
  return s;
}

Found found(const Spec& s, const Spec* followup = nullptr) {
  const Bytes b =
      followup != nullptr ? with_followup(make_record(s), make_record(*followup)) : make_record(s);
  Scan sc = scan(b);
  EXPECT_EQ(sc.found.size(), 1U);
  EXPECT_TRUE(sc.found.at(0).record);
  return sc.found.at(0);
}

Spec panic_after() {
  Spec p = oops();
  p.flags = LCRT_F_FOLLOWUP;
  p.event.kind = LCRT_EV_PANIC;
  p.reason = "Fatal exception in interrupt";
  return p;
}

// The value of KEY in fields, or "<absent>".
std::string value(const std::vector<std::string>& fields, const std::string& key) {
  for (const std::string& f : fields)
    if (f.rfind(key + "=", 0) == 0) return f.substr(key.size() + 1);
  return "<absent>";
}

TEST(Journal, TheFieldsOfARecordAndItsFollowUp) {
  const Spec p = panic_after();
  const std::vector<std::string> got = journal_fields(found(oops(), &p), kPath);
  const std::string sig = crc_of({"mydrv_irq", "caller"});
  const std::vector<std::string> want{
      "MESSAGE_ID=3c21b6267e694bedbc0abe47ca3da29c",
      "MESSAGE=kernel crash recorded: mydrv_irq (" + sig + ")",
      "PRIORITY=3",
      "SYSLOG_IDENTIFIER=lcrt",
      "LCRT_SIGNATURE=" + sig,
      "LCRT_TITLE=Oops in mydrv_irq",
      "LCRT_CULPRIT=mydrv_irq",
      "LCRT_REASON=Fatal exception in interrupt (after Oops, err 0x17)",
      "LCRT_RELEASE=6.1.0-lcrt",
      "LCRT_BUILD_ID=deadbeef",
      "LCRT_CRASH_BOOT_ID=6f0b2c3e1d5a4c2b9e8f0a1b2c3d4e5f",
      "LCRT_CRASH_TIME=1795688098123456",
      "LCRT_SEQ=7",
      "LCRT_EVENT=oops",
      "LCRT_ARCHIVE=" + kPath + ".json",
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(std::string(kJournalMessageId), "3c21b6267e694bedbc0abe47ca3da29c");
}

TEST(Journal, WhatTheRecordDoesNotSayIsLeftOut) {
  Spec s = oops();
  s.boot.reset();  // a record before format 1.2
  auto got = journal_fields(found(s), kPath);
  EXPECT_EQ(value(got, "LCRT_CRASH_TIME"), "<absent>");
  EXPECT_EQ(value(got, "LCRT_CRASH_BOOT_ID"), "<absent>");
  EXPECT_EQ(value(got, "LCRT_REASON"), "Oops, err 0x17");  // no follow-up: its own
  s.boot = Boot{0, {}};                                    // 1.2, but neither known
  got = journal_fields(found(s), kPath);
  EXPECT_EQ(value(got, "LCRT_CRASH_TIME"), "<absent>");
  EXPECT_EQ(value(got, "LCRT_CRASH_BOOT_ID"), "<absent>");
  s.boot = Boot{kTimeNs, {}};
  got = journal_fields(found(s), kPath);
  EXPECT_EQ(value(got, "LCRT_CRASH_TIME"), "1795688098123456");
  EXPECT_EQ(value(got, "LCRT_CRASH_BOOT_ID"), "<absent>");
  s.reason.clear();
  s.extra.clear();
  got = journal_fields(found(s), kPath);
  EXPECT_EQ(value(got, "LCRT_REASON"), "<absent>");  // an empty reason says nothing
  // Every field is KEY=value, the key in the journal's alphabet.
  static const std::regex kField("^[A-Z_][A-Z0-9_]*=.*$");
  for (const std::string& f : got) EXPECT_TRUE(std::regex_match(f, kField)) << f;
}

// Names, offsets and ids: no pc (hex or decimal), no KASLR offset, no
// module address, whatever the record holds. An unnamed culprit is "?", an
// address in the reason "ADDR".
TEST(Journal, NoFieldHoldsAnAddress) {
  Spec s = oops();
  s.frames = {{0xbf000110, 0, 0, ""}, {0xc0000ff0, 0x30, 0x100, "caller"}};
  s.reason = "general protection fault, probably for non-canonical address 0xdead000000000100";
  const Spec p = panic_after();
  const auto got = journal_fields(found(s, &p), kPath);
  EXPECT_EQ(value(got, "LCRT_CULPRIT"), "?");
  EXPECT_EQ(value(got, "MESSAGE"), "kernel crash recorded: ? (" + crc_of({"caller"}) + ")");
  EXPECT_EQ(value(got, "LCRT_REASON"),
            "Fatal exception in interrupt (after general protection fault, probably for "
            "non-canonical address ADDR)");
  for (const std::string& f : got)
    for (const char* addr : {"bf000110", "3204448528", "c0000ff0", "3221229552", "2a00000",
                             "44040192", "bf000000", "3204448256", "dead000000000100"})
      EXPECT_FALSE(has(f, addr)) << addr << " in " << f;
}

TEST(Journal, AddressesInTextBecomeAddr) {
  EXPECT_EQ(without_addresses("address ffff800008123456, err 0x17"), "address ADDR, err 0x17");
  EXPECT_EQ(without_addresses("at c0100010: 0XC0100010 (0x00000000)"), "at ADDR: ADDR (ADDR)");
  EXPECT_EQ(without_addresses("Oops: 817 [#1] ARM"), "Oops: 817 [#1] ARM");
  EXPECT_EQ(without_addresses("seven 1234567 hex"), "seven 1234567 hex");
  // Names keep their hex: a git describe, a symbol, a longer word.
  EXPECT_EQ(without_addresses("6.12.0-rc1-00001-gdeadbeef1234"), "6.12.0-rc1-00001-gdeadbeef1234");
  EXPECT_EQ(without_addresses("in fn_deadbeef00+0x4"), "in fn_deadbeef00+0x4");
  EXPECT_EQ(without_addresses("deadbeefcafe12z"), "deadbeefcafe12z");
  EXPECT_EQ(without_addresses("0xdeadbeef"), "ADDR");
  // A record's bytes are made printable first, as everywhere.
  EXPECT_EQ(without_addresses("a\x1b[2J\xff"), "a\\x1b[2J\\xff");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string kCatalog = std::string(LCRT_TEST_DATA) + "/../../systemd/lcrt.catalog";

// The catalog entry is for the entries' MESSAGE_ID, in the catalog format
// (systemd's journal-catalog: "-- ID", header lines, a blank line, the
// text), and says what each field of the entry is.
TEST(Catalog, ExplainsTheEntryOfItsMessageId) {
  const std::string text = slurp(kCatalog);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.rfind(std::string("-- ") + kJournalMessageId + "\n", 0), 0U) << text.substr(0, 60);
  std::size_t entries = 0;
  for (std::size_t at = 0; (at = text.find("\n-- ", at)) != std::string::npos; at++) entries++;
  EXPECT_EQ(entries, 0U);  // one entry, in English
  const std::string header = text.substr(0, text.find("\n\n"));
  EXPECT_TRUE(has(header, "\nSubject: ")) << header;
  EXPECT_TRUE(has(header, "\nDefined-By: lcrt")) << header;
  EXPECT_TRUE(has(header, "\nDocumentation: man:lcrt(1)")) << header;
  const Spec p = panic_after();
  for (const std::string& f : journal_fields(found(oops(), &p), kPath)) {
    const std::string key = f.substr(0, f.find('='));
    if (key.rfind("LCRT_", 0) == 0) {
      EXPECT_TRUE(has(text, "\n  " + key + " ")) << key << " is not explained";
    }
  }
}

// journalctl reads it: with the file under a root of its own, the catalog it
// builds there has the entry (journalctl --update-catalog, --list-catalog).
TEST(Catalog, JournalctlTakesIt) {
  if (std::system("command -v journalctl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no journalctl (Debian: systemd)";
  const std::string root = ::testing::TempDir() + "lcrt-catalog-root";
  fs::remove_all(root);
  fs::create_directories(root + "/usr/lib/systemd/catalog");
  fs::create_directories(root + "/var/lib/systemd/catalog");
  fs::copy_file(kCatalog, root + "/usr/lib/systemd/catalog/lcrt.catalog");
  ASSERT_EQ(std::system(("journalctl --root=" + root + " --update-catalog").c_str()), 0);
  const std::string list = root + "/list";
  ASSERT_EQ(std::system(("journalctl --root=" + root + " --list-catalog > " + list).c_str()), 0);
  const std::string got = slurp(list);
  EXPECT_TRUE(has(got, std::string(kJournalMessageId) + " lcrt: ")) << got;
  fs::remove_all(root);
}

}  // namespace
}  // namespace lcrt
