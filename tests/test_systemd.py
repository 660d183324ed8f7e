"""The systemd guest: the x86_64 vendor board with a Debian bookworm root and
systemd as init (lab/rootfs.py, lab/sysguest.py), lcrt installed by make
install and lcrt-collect.service enabled, as a device would have them.

Always: the board's fragment leaves Debian's options alone and has what
systemd 252 needs; a boot's input disk; the journal collector on the
loopback; the image, once built, holds what make install and the lab put
there.

Under QEMU (LCRT_SYSTEMD=0 leaves them out), building the board's kernel
(make kernel BOARD=x86_64-systemd) and root (make rootfs) first if needed:
  - crash, power cut, boot: lcrt-collect.service archives and clears before
    a login could start, its journal entry has the LCRT_* fields and the
    catalog, lcrt list shows the record, and only what it archived is
    cleared (an oops after it stays, and the next boot collects it beside
    the first archive, still on the disk);
  - the fleet: two devices (machine ids of their own) crash, boot, and
    systemd-journal-upload sends their journals to a systemd-journal-remote
    on the host, where lcrt stats ranks the signature on 2 devices.
"""
import dataclasses
import json
import os
import re
import subprocess
import tarfile
import tempfile
import unittest
from pathlib import Path

from labtest import DIRECT, ROOT, TOOL, boards, common, kernels, tmpdir
import rootfs  # noqa: E402  (lab/)
import sysguest  # noqa: E402  (lab/)

BOARD = "x86_64-systemd"
KVER = os.environ.get("KVER") or "6.1"
# On by default (make check's cross-section); LCRT_SYSTEMD=0 leaves the
# boots out, as on a host that cannot run debootstrap.
ENABLED = os.environ.get("LCRT_SYSTEMD") != "0"
MESSAGE_ID = re.search(r'kJournalMessageId = "([0-9a-f]{32})"',
                       (ROOT / "userspace/include/lcrt/collect.hpp").read_text()).group(1)
# systemd 252's README, REQUIREMENTS, "Kernel Config Options" (required),
# and what lcrt-collect.service's sandbox needs so that it is applied.
SYSTEMD_REQUIRES = ["DEVTMPFS", "CGROUPS", "INOTIFY_USER", "SIGNALFD", "TIMERFD",
                    "EPOLL", "UNIX", "NET", "SYSFS", "PROC_FS", "FHANDLE"]
SANDBOX_NEEDS = ["SECCOMP", "SECCOMP_FILTER", "NET_NS", "UTS_NS", "TMPFS",
                 "BPF_SYSCALL", "CGROUP_BPF"]
UPLOADED = "/usr/local/lib/lab/uploaded"


def config_lines(name):
    """{CONFIG_X: value} of lab/boards/<name>.config."""
    return boards.parse_config((boards.BOARD_DIR / f"{name}.config").read_text())


def prepare_qemu():
    """Build what the QEMU tests need and can build (the board's kernel,
    the Debian root and its image); return why they cannot run here, or
    None."""
    if not ENABLED:
        return "LCRT_SYSTEMD=0: the systemd guest's QEMU tests are off"
    b = boards.board(BOARD)
    why = rootfs.supported(b)
    if why:
        return why
    if not sysguest.journal_remote():
        return "no systemd-journal-remote on the host (make deps)"
    if not kernels.built_image(b, KVER):
        kernels.build_kernel(b, KVER)
    rootfs.image(b)
    return None


def sections(out):
    """{name: text} of a guest's output cut at its '@@S name' lines."""
    parts = re.split(r"^@@S (\w+)\n", out, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def export_entries(text):
    """The entries of journalctl -o export (text fields only): [{field: value}]."""
    entries = []
    for block in re.split(r"\n\n+", text.strip()):
        fields = dict(l.split("=", 1) for l in block.splitlines() if "=" in l)
        if fields:
            entries.append(fields)
    return entries


def props(text):
    """{property: value} of systemctl show."""
    return dict(l.split("=", 1) for l in text.splitlines() if "=" in l)


def host_records(region):
    """{seq: record} of a region image, decoded by the host's tool."""
    p = subprocess.run([TOOL, "decode", "--all", "--json", "-"], input=region,
                       capture_output=True)
    return {r["seq"]: r for r in json.loads(p.stdout or b"[]") if "seq" in r}


class Board(unittest.TestCase):
    """The board is data: the x86_64 vendor board's kernel (with
    lab/boards/systemd.config) and a Debian root."""

    def test_it_is_the_vendor_board_with_a_debian_root(self):
        sd, x86 = boards.board(BOARD), boards.board("x86_64")
        self.assertEqual(sd.rootfs, "systemd")
        self.assertEqual(x86.fragments, ("systemd",))
        self.assertEqual(dataclasses.replace(sd, name=x86.name, note=x86.note,
                                             rootfs="", kernel_of=""), x86)
        # One kernel: built once, in the vendor board's folder.
        self.assertEqual(kernels.build_dir(sd, "6.1"), kernels.build_dir(x86, "6.1"))

    def test_the_fragment_leaves_debians_options_alone(self):
        vendor = {f"CONFIG_{sym}" for sym, _ in boards.vendor_options()}
        self.assertEqual(sorted(vendor & set(config_lines("systemd"))), [])

    def test_the_fragment_has_what_systemd_needs(self):
        have = {**config_lines("common"), **config_lines("x86_64"),
                **config_lines("systemd")}
        for sym in SYSTEMD_REQUIRES + SANDBOX_NEEDS:
            self.assertEqual(have.get(f"CONFIG_{sym}"), "y", sym)
        # The unit uses the sandbox the fragment is there for.
        unit = (ROOT / "userspace/systemd/lcrt-collect.service").read_text()
        for setting in ("PrivateNetwork=yes", "ProtectHostname=yes",
                        "SystemCallFilter=", "RestrictAddressFamilies="):
            self.assertIn(setting, unit)

    def test_the_unit_collects_before_a_login(self):
        unit = (ROOT / "userspace/systemd/lcrt-collect.service").read_text()
        self.assertRegex(unit, r"\nBefore=.*\bsystemd-user-sessions\.service\b")
        run = rootfs.LAYER["etc/systemd/system/lab-run.service"][1]
        self.assertRegex(run, r"\nAfter=.*\bsystemd-user-sessions\.service\b")
        self.assertNotIn("lcrt", run)   # its only ordering is a login's


class Inputs(unittest.TestCase):
    """A boot's input disk and the collector, without QEMU."""

    def test_the_input_disk_carries_the_command_byte_for_byte(self):
        cmd = "x='it'\"'\"'s'; echo \"$x\" '$HOME' \"a  b\"; printf '\\303\\251\\n'"
        with tmpdir() as tmp:
            extra = Path(tmp) / "extra.bin"
            extra.write_bytes(b"\x00\x01binary")
            disk = rootfs.input_disk(Path(tmp) / "in.tar", cmd, [extra],
                                     upload_url="http://10.0.2.2:1234")
            self.assertEqual(disk.stat().st_size % 2**20, 0)
            with tarfile.open(disk) as tar:
                self.assertEqual(sorted(tar.getnames()),
                                 ["cmd", "extra.bin", "journal-upload.conf"])
                self.assertEqual(tar.extractfile("cmd").read(), cmd.encode() + b"\n")
                self.assertEqual(tar.extractfile("extra.bin").read(), b"\x00\x01binary")
                self.assertEqual(tar.extractfile("journal-upload.conf").read(),
                                 b"[Upload]\nURL=http://10.0.2.2:1234\n")
            # GNU tar, as the guest's lab-input.service unpacks it.
            out = Path(tmp) / "out"
            out.mkdir()
            subprocess.run(["tar", "-xf", disk, "-C", out], check=True)
            self.assertEqual((out / "cmd").read_bytes(), cmd.encode() + b"\n")

    @unittest.skipUnless(sysguest.journal_remote(), "no systemd-journal-remote")
    def test_the_collector_takes_an_upload(self):
        """The host's side of the fleet test: systemd-journal-remote,
        socket-activated on a port of its own, takes what
        systemd-journal-upload sends there."""
        upload = Path(sysguest.journal_remote()).with_name("systemd-journal-upload")
        if not upload.exists():
            self.skipTest(f"no {upload}")
        with tmpdir() as tmp:
            tmp = Path(tmp)
            export = ("__REALTIME_TIMESTAMP=1764000000000000\n"
                      "__MONOTONIC_TIMESTAMP=1000\n"
                      "_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                      "_MACHINE_ID=fedcba9876543210fedcba9876543210\n"
                      f"MESSAGE_ID={MESSAGE_ID}\nMESSAGE=test\n"
                      "LCRT_SIGNATURE=0badc0de\n\n")
            src = tmp / "device.journal"
            subprocess.run([sysguest.journal_remote(), f"--output={src}", "-"],
                           input=export.encode(), check=True, capture_output=True)
            col = sysguest.Collector(tmp / "remote")
            try:
                p = subprocess.run([upload, f"--url=http://127.0.0.1:{col.port}",
                                    "--follow=no", f"--file={src}"], capture_output=True,
                                   text=True, timeout=60)
            finally:
                rc = col.stop()
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(rc, 0, (tmp / "journal-remote.log").read_text())
            self.assertTrue(col.url.startswith(f"http://{sysguest.HOST_ADDR}:"))
            files = col.journals()
            self.assertTrue(files, (tmp / "journal-remote.log").read_text())
            got = subprocess.run(["journalctl", f"--directory={col.dir}", "-o",
                                  "export", f"MESSAGE_ID={MESSAGE_ID}"],
                                 capture_output=True, text=True).stdout
            e = export_entries(got)
            self.assertEqual([x.get("LCRT_SIGNATURE") for x in e], ["0badc0de"], got)
            self.assertEqual(e[0]["_MACHINE_ID"], "fedcba9876543210fedcba9876543210")


class Image(unittest.TestCase):
    """What make install and the lab put in the image (read with debugfs,
    no boot); built first unless LCRT_SYSTEMD=0."""

    @classmethod
    def setUpClass(cls):
        b = boards.board(BOARD)
        if ENABLED and not rootfs.supported(b):
            rootfs.image(b)
        cls.img = rootfs.built_image(b)
        if not cls.img:
            raise unittest.SkipTest(f"no image of the current sources: make rootfs BOARD={BOARD}")

    def cat(self, path):
        return rootfs.debugfs(self.img, f"cat {path}")

    def kind(self, path):
        m = re.search(r"Type: (\w+)", rootfs.debugfs(self.img, f"stat {path}"))
        return m.group(1) if m else None

    def test_make_install_put_the_tool_its_page_unit_catalog_completion(self):
        for path in ("/usr/bin/lcrt", "/usr/share/man/man1/lcrt.1",
                     "/usr/lib/systemd/system/lcrt-collect.service",
                     "/usr/lib/systemd/catalog/lcrt.catalog",
                     "/usr/share/bash-completion/completions/lcrt"):
            self.assertEqual(self.kind(path), "regular", path)
        unit = self.cat("/usr/lib/systemd/system/lcrt-collect.service")
        self.assertIn("\nExecStart=/usr/bin/lcrt collect\n", unit)
        self.assertIn("\nBefore=systemd-user-sessions.service\n", unit)

    def test_the_units_are_enabled_and_the_logins_masked(self):
        for link in ("multi-user.target.wants/lcrt-collect.service",
                     "multi-user.target.wants/lab-run.service",
                     "sysinit.target.wants/lab-input.service",
                     "multi-user.target.wants/systemd-journal-upload.service"):
            self.assertEqual(self.kind(f"/etc/systemd/system/{link}"), "symlink", link)
        for unit in rootfs.MASK:
            st = rootfs.debugfs(self.img, f"stat /etc/systemd/system/{unit}")
            self.assertIn('link dest: "/dev/null"', st, unit)

    def test_the_catalog_is_in_the_journals_database(self):
        with tempfile.NamedTemporaryFile(dir=common.CACHE) as f:
            rootfs.debugfs(self.img, f"dump /var/lib/systemd/catalog/database {f.name}")
            self.assertIn(b"Kernel crash recorded", Path(f.name).read_bytes())

    def test_the_journal_is_volatile_and_the_machine_id_set(self):
        self.assertIn("Storage=volatile", self.cat("/etc/systemd/journald.conf.d/lab.conf"))
        self.assertEqual(self.cat("/etc/machine-id").strip(), rootfs.IMAGE_MACHINE_ID)


class _QemuTest(unittest.TestCase):
    """A test class that boots the systemd guest: what it needs is built
    when the class starts (not when the file is imported)."""

    @classmethod
    def setUpClass(cls):
        why = prepare_qemu()
        if why:
            raise unittest.SkipTest(why)


# The crash, once the random pool is ready (the record keeps the boot id
# then); the boot id goes to the console through printk, which the panic
# cannot leave behind as it can a tty's buffer.
CRASH = ("head -c 1 /dev/random >/dev/null; "
         "echo @@BOOT_ID=$(cat /proc/sys/kernel/random/boot_id) > /dev/kmsg; "
         f"echo EXCEPTION > {DIRECT}")
# A read: the kernel's messages off the console, so that they do not land
# in what the guest prints.
QUIET = "echo 1 > /proc/sys/kernel/printk; "


class CollectAtBoot(_QemuTest):
    """Crash, power cut, boot: what a device with systemd does with it."""

    def setUp(self):
        self.dir = sysguest.scratch("collect")
        self.guest = sysguest.SysGuest(self.dir, BOARD, kver=KVER)

    def tearDown(self):
        sysguest.drop_images(self.dir)   # the consoles stay

    def boot(self, cmd, **kw):
        out, console, _ = self.guest.run(cmd, **kw)
        self.assertIsNotNone(out, "the guest did not finish:\n" + console[-4000:])
        print(f"\n    [{BOARD} {KVER}] boot in {self.guest.last_seconds:.0f} s", end="")
        return sections(out)

    def test_crash_power_cut_boot_collects_before_a_login(self):
        g = self.guest
        g.power_on_fresh()
        # Boot 1: systemd comes up and lab-run.service crashes the kernel.
        out, console, _ = g.run(CRASH)
        self.assertIsNone(out, console[-4000:])
        self.assertIn("@@LAB-BEGIN", console, console[-4000:])
        self.assertIn("Kernel panic", console)
        crashed = re.search(r"@@BOOT_ID=([0-9a-f-]{36})", console).group(1).replace("-", "")
        print(f"\n    [{BOARD} {KVER}] crash boot in {g.last_seconds:.0f} s", end="")

        # Boot 2, after the power cut: the unit ran at boot, before where a
        # login starts; then an oops that it must not clear.
        s = self.boot(
            QUIET + "journalctl --sync; "
            "echo @@S unit; systemctl show -p Result -p ExecMainStatus "
            "-p ExecMainStartTimestampMonotonic -p ExecMainExitTimestampMonotonic "
            "-p Before lcrt-collect.service; "
            "echo @@S run; systemctl show -p ExecMainStartTimestampMonotonic lab-run.service; "
            f"echo @@S export; journalctl -o export MESSAGE_ID={MESSAGE_ID}; "
            f"echo @@S catalog; journalctl -x -q --no-pager MESSAGE_ID={MESSAGE_ID}; "
            "echo @@S log; journalctl -q -o cat -u lcrt-collect.service; "
            "echo @@S list; lcrt list --json; echo rc=$?; "
            "echo @@S archive; ls -1 /var/lib/lcrt; stat -c '%a %U' /var/lib/lcrt; "
            "echo @@S region; cat /proc/lcrt; cat /sys/kernel/lcrt/status; "
            "echo @@S machine; cat /etc/machine-id; "
            f"echo @@S oops; sh -c 'echo EXCEPTION > {DIRECT}'; "
            "cat /sys/kernel/lcrt/status; echo @@S end",
            oops_panic=False)
        unit, run = props(s["unit"]), props(s["run"])
        self.assertEqual(unit["Result"], "success", s["unit"])
        self.assertEqual(unit["ExecMainStatus"], "0", s["unit"])
        self.assertIn("systemd-user-sessions.service", unit["Before"].split())
        done = int(unit["ExecMainExitTimestampMonotonic"])
        started = int(run["ExecMainStartTimestampMonotonic"])
        self.assertGreater(done, 0, s["unit"])
        self.assertLess(done, started, "collect ended after a login could start")
        print(f", collect done at {done / 1e6:.1f} s, a login at {started / 1e6:.1f} s", end="")

        entries = export_entries(s["export"])
        self.assertEqual(len(entries), 1, s["export"])
        e = entries[0]
        self.assertEqual(e["_SYSTEMD_UNIT"], "lcrt-collect.service")
        self.assertEqual(e["_MACHINE_ID"], g.machine_id)
        self.assertEqual(s["machine"].strip(), g.machine_id)
        self.assertEqual(e["PRIORITY"], "3")
        self.assertEqual(e["LCRT_SEQ"], "1")
        self.assertEqual(e["LCRT_EVENT"], "oops")
        self.assertEqual(e["LCRT_CULPRIT"], "lkdtm_EXCEPTION")
        self.assertRegex(e["LCRT_SIGNATURE"], r"^[0-9a-f]{8}$")
        self.assertIn("lkdtm_EXCEPTION", e["LCRT_TITLE"])
        self.assertRegex(e["LCRT_REASON"], r"Fatal exception")
        self.assertEqual(e["LCRT_CRASH_BOOT_ID"], crashed)
        self.assertNotEqual(e["_BOOT_ID"], crashed)
        self.assertRegex(e["LCRT_BUILD_ID"], r"^[0-9a-f]{40}$")
        notes = subprocess.run(["readelf", "-n", g.out / "vmlinux"],
                               capture_output=True, text=True).stdout
        self.assertIn(f"Build ID: {e['LCRT_BUILD_ID']}", notes)
        self.assertTrue(e["LCRT_ARCHIVE"].startswith("/var/lib/lcrt/"), e)
        # Logged before a login could start, as the unit's timestamps say.
        self.assertLess(int(e["__MONOTONIC_TIMESTAMP"]), started)
        self.assertIn("Kernel crash recorded", s["catalog"])
        self.assertRegex(s["log"], r"/var/lib/lcrt: 1 archived, 0 archived before, 0 corrupt\n")
        self.assertRegex(s["log"], r"cleared record 1\n")

        listed = json.loads(s["list"].rsplit("rc=", 1)[0])
        self.assertIn("rc=0", s["list"])
        self.assertEqual([(r["seq"], r["live"], r["signature"], r["culprit"]) for r in listed],
                         [(1, False, e["LCRT_SIGNATURE"], "lkdtm_EXCEPTION")], s["list"])
        self.assertEqual(listed[0]["boot_id"].replace("-", ""), crashed)
        names = s["archive"].split()
        self.assertEqual(sorted(n.rsplit(".", 1)[-1] for n in names if "." in n),
                         ["json", "rec"], s["archive"])
        self.assertIn(Path(e["LCRT_ARCHIVE"]).name, names)
        self.assertIn("700 root", s["archive"])
        self.assertIn("no crash record", s["region"])
        self.assertRegex(s["region"], r"records 0\n")
        self.assertRegex(s["oops"], r"records 1\n")
        # After the power cut: the region holds the oops, not what collect
        # archived.
        self.assertEqual(sorted(host_records(g.region_bytes())), [2])

        # Boot 3: the next collect archives the oops beside the first record,
        # which the disk kept; this boot's journal has the new entry only.
        s = self.boot(
            QUIET + f"journalctl --sync; echo @@S export; journalctl -o export MESSAGE_ID={MESSAGE_ID}; "
            "echo @@S list; lcrt list --json; echo @@S archive; ls -1 /var/lib/lcrt; "
            "echo @@S region; cat /proc/lcrt; echo @@S end")
        self.assertEqual([x["LCRT_SEQ"] for x in export_entries(s["export"])], ["2"], s["export"])
        listed = json.loads(s["list"])
        self.assertEqual(sorted((r["seq"], r["live"]) for r in listed),
                         [(1, False), (2, False)], s["list"])
        self.assertEqual(len([n for n in s["archive"].split() if n.endswith(".rec")]), 2)
        self.assertIn("no crash record", s["region"])
        self.assertEqual(host_records(g.region_bytes()), {})


class Fleet(_QemuTest):
    """Two devices crash and forward their journals with
    systemd-journal-upload to a systemd-journal-remote on the host; lcrt
    stats over what arrived ranks the crash on two devices."""

    def test_two_devices_upload_and_stats_ranks_them(self):
        top = sysguest.scratch("fleet")
        col = sysguest.Collector(top / "remote")
        stopped = None
        try:
            devices = []
            for name in ("a", "b"):
                g = sysguest.SysGuest(top / name, BOARD, kver=KVER)
                g.power_on_fresh()
                out, console, _ = g.run(CRASH)
                self.assertIsNone(out, console[-4000:])
                out, console, _ = g.run(
                    QUIET + f"{UPLOADED} {MESSAGE_ID} 300; echo @@rc=$?; "
                    f"echo @@S export; journalctl -o export MESSAGE_ID={MESSAGE_ID}; echo @@S end",
                    upload_url=col.url)
                self.assertIsNotNone(out, console[-4000:])
                self.assertIn("@@rc=0", out, out[-4000:])
                e = export_entries(sections(out)["export"])
                self.assertEqual(len(e), 1, out)
                devices.append((g.machine_id, e[0]["LCRT_SIGNATURE"]))
                print(f"\n    [{BOARD} {KVER}] device {name} uploaded "
                      f"(boot in {g.last_seconds:.0f} s)", end="")
            stopped = col.stop()
            self.assertEqual(stopped, 0, (top / "journal-remote.log").read_text())
            self.assertNotEqual(devices[0][0], devices[1][0])
            self.assertEqual(devices[0][1], devices[1][1])   # the same bug
            got = subprocess.run(["journalctl", f"--directory={col.dir}", "-o", "export",
                                  f"MESSAGE_ID={MESSAGE_ID}"], capture_output=True,
                                 text=True).stdout
            self.assertEqual(sorted(x["_MACHINE_ID"] for x in export_entries(got)),
                             sorted(d[0] for d in devices), got)
            p = subprocess.run([TOOL, "stats", "--json", "--directory", col.dir],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            top_sig = json.loads(p.stdout)[0]
            self.assertEqual(top_sig["signature"], devices[0][1], p.stdout)
            self.assertEqual(top_sig["count"], 2, p.stdout)
            self.assertEqual(top_sig["devices"], 2, p.stdout)
            self.assertEqual(top_sig["culprit"], "lkdtm_EXCEPTION", p.stdout)
        finally:
            if stopped is None:
                col.stop()
            sysguest.drop_images(top)   # the consoles and received journals stay


if __name__ == "__main__":
    unittest.main()
