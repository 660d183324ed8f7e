// lcrt stats over real journal files: entries written in the journal export
// format (systemd's JOURNAL_EXPORT_FORMATS: "KEY=value" lines, a blank line
// after each entry) and made journal files by systemd-journal-remote, as a
// fleet's collector makes them from what systemd-journal-upload sends. The
// expected ranks, counts, devices and releases are worked out by hand from
// the entries below, not copied from the tool.
#include "lcrt/stats.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/lcrt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "encoder.hpp"
#include "lcrt/collect.hpp"
#include "lcrt/errors.hpp"
#include "lcrt/io.hpp"

namespace lcrt {
namespace {

namespace fs = std::filesystem;
using test::has;
using test::make_record;
using test::Spec;

using Json = nlohmann::ordered_json;

// --- crash_stats(): the ranking itself ---

CrashEntry entry(std::uint64_t usec, const std::string& device, const std::string& sig,
                 const std::string& release, const std::string& culprit = "f") {
  return {usec, device, sig, release, culprit, "reason of " + sig, "Oops in " + culprit};
}

TEST(Stats, RankedByCountThenDevicesThenTheLatest) {
  const std::vector<CrashEntry> entries{
      entry(10, "m1", "bbbb", "r1"), entry(20, "m1", "bbbb", "r1"),  // 2 on one device
      entry(30, "m1", "cccc", "r1"), entry(40, "m2", "cccc", "r1"),  // 2 on two
      entry(50, "m1", "aaaa", "r1"),                                 // 1, the latest
      entry(5, "m3", "dddd", "r1"),                                  // 1, earlier
      entry(60, "m1", "eeee", "r1"), entry(61, "m2", "eeee", "r1"),
      entry(62, "m3", "eeee", "r1"),  // 3
      entry(5, "m4", "ffff", "r1"),   // 1, as early as dddd: by signature
  };
  std::vector<std::string> order;
  for (const SignatureStats& s : crash_stats(entries)) order.push_back(s.signature);
  EXPECT_EQ(order, (std::vector<std::string>{"eeee", "cccc", "bbbb", "aaaa", "dddd", "ffff"}));
}

TEST(Stats, FirstAndLastReleaseByTimeNotByOrderNorName) {
  // In the order a journal may give them (another file's entries later);
  // "6.1.0-9" sorts after "6.1.0-11" by name, before it by time.
  const std::vector<CrashEntry> entries{
      entry(300, "m1", "aaaa", "6.1.0-10"),
      entry(100, "m2", "aaaa", "6.1.0-9", "old_name"),
      entry(500, "m2", "aaaa", "6.1.0-11", "new_name"),
      entry(200, "m3", "aaaa", "6.1.0-10"),
      entry(50, "m1", "aaaa", ""),   // an older lcrt: no release, but the first entry
      entry(600, "m1", "aaaa", ""),  // and the last
  };
  const auto got = crash_stats(entries);
  ASSERT_EQ(got.size(), 1U);
  const SignatureStats& s = got[0];
  EXPECT_EQ(s.count, 6U);
  EXPECT_EQ(s.devices, 3U);
  EXPECT_EQ(s.first_release, "6.1.0-9");
  EXPECT_EQ(s.last_release, "6.1.0-11");
  EXPECT_EQ(s.first_usec, 50U);
  EXPECT_EQ(s.last_usec, 600U);
  EXPECT_EQ(s.culprit, "f");  // the last entry's
  // No release at all: none to say.
  const auto none = crash_stats({entry(1, "m1", "aaaa", "")});
  EXPECT_EQ(none.at(0).first_release, "");
  EXPECT_EQ(none.at(0).last_release, "");
  EXPECT_TRUE(crash_stats({}).empty());
}

// --- over journal files ---

const char* remote() {
  for (const char* p :
       {"/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"})
    if (fs::exists(p)) return p;
  return nullptr;
}

#define NEED_JOURNAL_REMOTE()                                                      \
  do {                                                                             \
    if (!stats_built()) GTEST_SKIP() << "built without libsystemd: no lcrt stats"; \
    if (remote() == nullptr)                                                       \
      GTEST_SKIP() << "no systemd-journal-remote to make journal files (Debian: "  \
                      "systemd-journal-remote; make deps installs it)";            \
  } while (0)

// One journal entry: its fields, "KEY=value" each (no newline in a value).
using Entry = std::vector<std::string>;

// A journal file of these entries at dir/name.journal, by systemd-journal-remote.
std::string journal_file(const std::string& dir, const std::string& name,
                         const std::vector<Entry>& entries) {
  fs::create_directories(dir);
  const std::string exported = dir + "/" + name + ".export";
  {
    std::ofstream out(exported, std::ios::binary);
    for (const Entry& e : entries) {
      for (const std::string& f : e) {
        EXPECT_EQ(f.find('\n'), std::string::npos) << f;
        out << f << "\n";
      }
      out << "\n";
    }
  }
  const std::string journal = dir + "/" + name + ".journal";
  fs::remove(journal);
  const std::string cmd = std::string(remote()) + " --split-mode=none --output=" + journal + " " +
                          exported + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  fs::remove(exported);
  return journal;
}

constexpr std::uint64_t kT0 = 1795856472000000ULL;  // 2026-11-28T09:01:12Z, in microseconds
const std::string kM1 = "_MACHINE_ID=11111111111111111111111111111111";
const std::string kM2 = "_MACHINE_ID=22222222222222222222222222222222";
const std::string kM3 = "_MACHINE_ID=33333333333333333333333333333333";

// An entry of collect's (only the fields stats reads, and the journal's own).
Entry crash(std::uint64_t seconds, const std::string& machine, const std::string& sig,
            const std::string& release, const std::string& culprit, const std::string& reason) {
  Entry e{"__REALTIME_TIMESTAMP=" + std::to_string(kT0 + seconds * 1000000),
          "_BOOT_ID=6f0b2c3e1d5a4c2b9e8f0a1b2c3d4e5f",
          "_HOSTNAME=host-of-" + (machine.empty() ? "none" : machine.substr(machine.size() - 4)),
          std::string("MESSAGE_ID=") + kJournalMessageId,
          "MESSAGE=kernel crash recorded: " + culprit + " (" + sig + ")",
          "LCRT_SIGNATURE=" + sig,
          "LCRT_TITLE=Oops in " + culprit,
          "LCRT_CULPRIT=" + culprit,
          "LCRT_REASON=" + reason};
  if (!machine.empty()) e.push_back(machine);
  if (!release.empty()) e.push_back("LCRT_RELEASE=" + release);
  return e;
}

// A fleet of three machines and one known by its host name only, in two
// journal files (two collectors), each in no order of time:
//   aaaa1111: 5 crashes, on m1, m2 (twice) and two known by their host
//             names only, board-c and board-d: 4 devices; by time 6.1.0-9
//             (m2, +100 s, after board-c's 6.1.0-10 +200 s in its file)
//             first, 6.1.0-11 (m2, +500 s) last;
//   cccc3333: 2 crashes on m1 and m3: 2 devices, one release;
//   bbbb2222: 2 crashes, both on m1: 1 device, ranked after cccc3333;
//   no signature: 1 crash on m3;
// and two entries that are not collect's (another MESSAGE_ID).
struct Fleet {
  std::string dir;
  std::string first;
  std::string second;
};

Fleet fleet() {
  Fleet f;
  f.dir = ::testing::TempDir() + "lcrt-stats";
  fs::remove_all(f.dir);
  Entry host_only = crash(200, "", "aaaa1111", "6.1.0-10", "mydrv_irq", "Oops, err 0x17");
  host_only[2] = "_HOSTNAME=board-c";
  Entry other_host = crash(250, "", "aaaa1111", "6.1.0-10", "mydrv_irq", "Oops, err 0x17");
  other_host[2] = "_HOSTNAME=board-d";
  f.first =
      journal_file(f.dir, "first",
                   {crash(300, kM1, "aaaa1111", "6.1.0-10", "mydrv_irq", "Oops, err 0x17"),
                    crash(500, kM2, "aaaa1111", "6.1.0-11", "mydrv_irq", "Oops, err 0x5"),
                    crash(50, kM1, "bbbb2222", "6.1.0-9", "other_fn", "kernel BUG at x.c:12!"),
                    {"__REALTIME_TIMESTAMP=" + std::to_string(kT0), kM1, "MESSAGE=not collect's",
                     "MESSAGE_ID=00000000000000000000000000000001", "LCRT_SIGNATURE=aaaa1111"},
                    crash(400, kM3, "", "6.1.0-11", "?", "Oops")});
  f.second =
      journal_file(f.dir, "second",
                   {host_only,
                    crash(100, kM2, "aaaa1111", "6.1.0-9", "mydrv_irq", "Oops, err 0x17"),
                    other_host,
                    crash(60, kM1, "bbbb2222", "6.1.0-9", "other_fn", "kernel BUG at x.c:12!"),
                    crash(70, kM1, "cccc3333", "6.1.0-9", "third_fn", "Oops, err 0x4"),
                    crash(80, kM3, "cccc3333", "6.1.0-9", "third_fn", "Oops, err 0x4"),
                    {"__REALTIME_TIMESTAMP=" + std::to_string(kT0), kM2, "MESSAGE=not collect's",
                     "LCRT_SIGNATURE=aaaa1111"}});
  return f;
}

using Output = test::CliOutput;
using test::lcrt_apart;
using test::words_of_lines;

TEST(StatsJournal, RanksTheFleetsSignatures) {
  NEED_JOURNAL_REMOTE();
  const Fleet f = fleet();
  const Output run = lcrt_apart("stats --json --file " + f.first + " --file " + f.second);
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const Json j = Json::parse(run.out);
  ASSERT_EQ(j.size(), 4U) << j.dump(2);
  const std::vector<std::string> keys{"signature",    "count",      "devices",   "first_release",
                                      "last_release", "first_seen", "last_seen", "culprit",
                                      "reason",       "title"};
  for (const auto& o : j) {
    std::vector<std::string> got;
    for (const auto& item : o.items()) got.push_back(item.key());
    EXPECT_EQ(got, keys);
  }
  EXPECT_EQ(j[0]["signature"], "aaaa1111");
  EXPECT_EQ(j[0]["count"], 5);
  EXPECT_EQ(j[0]["devices"], 4);  // m1, m2, and board-c and board-d by their host names
  EXPECT_EQ(j[0]["first_release"], "6.1.0-9");
  EXPECT_EQ(j[0]["last_release"], "6.1.0-11");
  EXPECT_EQ(j[0]["first_seen"], "2026-11-28T09:02:52Z");  // +100 s
  EXPECT_EQ(j[0]["last_seen"], "2026-11-28T09:09:32Z");   // +500 s
  EXPECT_EQ(j[0]["culprit"], "mydrv_irq");
  EXPECT_EQ(j[0]["reason"], "Oops, err 0x5");  // the last one's
  EXPECT_EQ(j[0]["title"], "Oops in mydrv_irq");
  EXPECT_EQ(j[1]["signature"], "cccc3333");
  EXPECT_EQ(j[1]["count"], 2);
  EXPECT_EQ(j[1]["devices"], 2);
  EXPECT_EQ(j[1]["first_release"], "6.1.0-9");
  EXPECT_EQ(j[1]["last_release"], "6.1.0-9");
  EXPECT_EQ(j[2]["signature"], "bbbb2222");
  EXPECT_EQ(j[2]["count"], 2);
  EXPECT_EQ(j[2]["devices"], 1);
  EXPECT_EQ(j[2]["reason"], "kernel BUG at x.c:12!");
  EXPECT_TRUE(j[3]["signature"].is_null());
  EXPECT_EQ(j[3]["count"], 1);
  EXPECT_EQ(j[3]["culprit"], "?");

  // The text: the same, one line each, the reason last.
  const Output text = lcrt_apart("stats --file " + f.first + " --file " + f.second);
  ASSERT_EQ(text.status, 0) << text.err;
  const auto rows = words_of_lines(text.out);
  ASSERT_EQ(rows.size(), 5U) << text.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"SIGNATURE", "COUNT", "DEVICES", "FIRST-RELEASE",
                                               "LAST-RELEASE", "LAST-SEEN", "CULPRIT", "REASON"}));
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"aaaa1111", "5", "4", "6.1.0-9", "6.1.0-11",
                                      "2026-11-28T09:09:32Z", "mydrv_irq", "Oops,", "err", "0x5"}));
  EXPECT_EQ(rows[2].at(0), "cccc3333");
  EXPECT_EQ(rows[3].at(0), "bbbb2222");
  EXPECT_EQ(rows[4].at(0), "-");  // no signature
  EXPECT_EQ(rows[4].at(6), "?");
  fs::remove_all(f.dir);
}

TEST(StatsJournal, ADirectoryOfJournalFilesAndOneFileAlone) {
  NEED_JOURNAL_REMOTE();
  const Fleet f = fleet();
  Output run = lcrt_apart("stats --json --directory " + f.dir);
  ASSERT_EQ(run.status, 0) << run.err;
  Json j = Json::parse(run.out);
  ASSERT_EQ(j.size(), 4U);
  EXPECT_EQ(j[0]["signature"], "aaaa1111");
  EXPECT_EQ(j[0]["count"], 5);
  EXPECT_EQ(j[0]["first_release"], "6.1.0-9");
  // The first file alone: aaaa1111 twice (m1, m2), the others once each.
  run = lcrt_apart("stats --json --file " + f.first);
  ASSERT_EQ(run.status, 0) << run.err;
  j = Json::parse(run.out);
  ASSERT_EQ(j.size(), 3U);
  EXPECT_EQ(j[0]["signature"], "aaaa1111");
  EXPECT_EQ(j[0]["count"], 2);
  EXPECT_EQ(j[0]["devices"], 2);
  EXPECT_EQ(j[0]["first_release"], "6.1.0-10");
  EXPECT_EQ(j[0]["last_release"], "6.1.0-11");
  // A journal without collect's entries.
  const std::string none = journal_file(
      f.dir + "/none", "none", {{"__REALTIME_TIMESTAMP=" + std::to_string(kT0), "MESSAGE=hello"}});
  run = lcrt_apart("stats --file " + none);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "no crash entries\n");
  EXPECT_EQ(lcrt_apart("stats --json --file " + none).out, "[]\n");
  fs::remove_all(f.dir);
}

TEST(StatsJournal, BadInputIsAClearError) {
  if (!stats_built()) GTEST_SKIP() << "built without libsystemd: no lcrt stats";
  const std::string dir = ::testing::TempDir() + "lcrt-stats-bad";
  fs::remove_all(dir);
  fs::create_directories(dir);
  Output run = lcrt_apart("stats --file " + dir + "/missing.journal");
  EXPECT_EQ(run.status, 74);
  EXPECT_EQ(run.err, "lcrt: " + dir + "/missing.journal: No such file or directory\n");
  run = lcrt_apart("stats --directory " + dir + "/missing");
  EXPECT_EQ(run.status, 74);
  EXPECT_EQ(run.err, "lcrt: " + dir + "/missing: No such file or directory\n");
  const std::string garbage = test::write_temp("lcrt-stats-bad/garbage.journal", Bytes(4096, 'x'));
  run = lcrt_apart("stats --file " + garbage);
  EXPECT_EQ(run.status, 65) << run.err;
  EXPECT_EQ(run.err, "lcrt: " + garbage + ": not a journal file this libsystemd reads\n");
  EXPECT_EQ(run.out, "");
  run = lcrt_apart("stats --file " + garbage + " --directory " + dir);
  EXPECT_EQ(run.status, 64);
  EXPECT_TRUE(has(run.err, "--directory excludes --file")) << run.err;
  fs::remove_all(dir);
}

// The fleet's path itself: each machine's journal file sent by
// systemd-journal-upload over HTTP to a systemd-journal-remote on this
// machine (socket-activated on a port of its own: LISTEN_FDS), which writes
// what it receives into a directory, as on a collector; stats reads that.
TEST(StatsJournal, UploadedToARemoteCollector) {
  NEED_JOURNAL_REMOTE();
  const std::string upload = fs::path(remote()).replace_filename("systemd-journal-upload");
  if (!fs::exists(upload)) GTEST_SKIP() << "no " << upload << " (Debian: systemd-journal-remote)";
  const Fleet f = fleet();
  const std::string collector = f.dir + "/remote";
  fs::create_directories(collector);

  const int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(sock, 16), 0);
  ASSERT_EQ(::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // the collector: the socket as its fd 3 (sd_listen_fds)
    if (sock == 3)
      ::fcntl(3, F_SETFD, 0);  // dup2() would keep its FD_CLOEXEC
    else
      ::dup2(sock, 3);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    const std::string out = "--output=" + collector + "/";
    ::execl(remote(), "systemd-journal-remote", "--listen-http=-3", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(sock);
  for (const std::string& file : {f.first, f.second}) {
    const std::string cmd = "timeout 60 " + upload + " --url=http://127.0.0.1:" + port +
                            " --follow=no --file=" + file + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  ::kill(pid, SIGTERM);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;

  const Output run = lcrt_apart("stats --json --directory " + collector);
  ASSERT_EQ(run.status, 0) << run.err;
  const Json j = Json::parse(run.out);
  ASSERT_EQ(j.size(), 4U) << run.out;
  EXPECT_EQ(j[0]["signature"], "aaaa1111");
  EXPECT_EQ(j[0]["count"], 5);
  EXPECT_EQ(j[0]["devices"], 4);  // the machines' ids came through, not the uploader's
  EXPECT_EQ(j[0]["first_release"], "6.1.0-9");
  EXPECT_EQ(j[0]["last_release"], "6.1.0-11");
  EXPECT_EQ(j[1]["signature"], "cccc3333");
  EXPECT_EQ(j[2]["signature"], "bbbb2222");
  fs::remove_all(f.dir);
}

// From record to fleet: collect's own fields (journal_fields()) as a
// machine's journal holds them, gathered, then ranked; what stats shows
// holds names and releases, never an address.
TEST(StatsJournal, CollectsEntriesRankedWithoutAnAddress) {
  NEED_JOURNAL_REMOTE();
  const auto collected = [](std::uint64_t seq, const std::string& release, bool unnamed) {
    Spec s;
    s.seq = seq;
    s.release = release;
    s.reason = "Oops, err 0x17 at 0xbf000110";
    s.frames = {{0xbf000110, 0x10, 0x40, unnamed ? "" : "mydrv_irq [mydrv]"},
                {0xc0000ff0, 0x30, 0x100, "caller"}};
    s.culprit = Culprit{LCRT_CULPRIT_FAULT, 0};
    s.modules = {{"mydrv", {0x11}}};
    s.load = Load{0x2a00000, {0xbf000000}};
    s.boot = Boot{(kT0 + seq) * 1000, Bytes(16, 0x5a)};
    const auto found = scan(make_record(s)).found;
    EXPECT_EQ(found.size(), 1U);
    return journal_fields(found.at(0), "/var/lib/lcrt/x");
  };
  std::vector<Entry> entries;
  for (std::uint64_t i = 1; i <= 3; i++) {
    Entry e = collected(i, "6.12." + std::to_string(i), false);
    e.push_back("__REALTIME_TIMESTAMP=" + std::to_string(kT0 + i * 1000000));
    e.push_back(i == 2 ? kM2 : kM1);
    entries.push_back(e);
  }
  Entry unnamed = collected(4, "6.12.9", true);
  unnamed.push_back("__REALTIME_TIMESTAMP=" + std::to_string(kT0));
  unnamed.push_back(kM3);
  entries.push_back(unnamed);
  const std::string dir = ::testing::TempDir() + "lcrt-stats-collected";
  fs::remove_all(dir);
  const std::string file = journal_file(dir, "fleet", entries);
  const Output run = lcrt_apart("stats --json --file " + file);
  ASSERT_EQ(run.status, 0) << run.err;
  const Json j = Json::parse(run.out);
  ASSERT_EQ(j.size(), 2U) << run.out;
  EXPECT_EQ(j[0]["signature"], test::crc_of({"mydrv_irq", "caller"}));
  EXPECT_EQ(j[0]["count"], 3);
  EXPECT_EQ(j[0]["devices"], 2);
  EXPECT_EQ(j[0]["first_release"], "6.12.1");
  EXPECT_EQ(j[0]["last_release"], "6.12.3");
  EXPECT_EQ(j[0]["culprit"], "mydrv_irq");
  EXPECT_EQ(j[0]["reason"], "Oops, err 0x17 at ADDR");  // as collect wrote it
  EXPECT_EQ(j[0]["title"], "Oops in mydrv_irq");
  EXPECT_EQ(j[1]["signature"], test::crc_of({"caller"}));
  EXPECT_EQ(j[1]["culprit"], "?");
  const Output text = lcrt_apart("stats --file " + file);
  for (const std::string& out : {run.out, text.out})
    for (const char* addr :
         {"bf000110", "3204448528", "c0000ff0", "2a00000", "44040192", "bf000000", "3204448256"})
      EXPECT_FALSE(has(out, addr)) << addr << " in\n" << out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lcrt
