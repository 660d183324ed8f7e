"""The series, and LCRT in a real kernel under QEMU with a real power cut.

Every crash test boots the vendor kernel built by the lab, crashes it, lets
the QEMU process end, and starts a new QEMU process on the same RAM file:
what survives is what NVRAM would keep.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lab"))
import lab  # noqa: E402

TOOL = ROOT / "userspace" / "build" / "lcrt"
lab.CACHE.mkdir(parents=True, exist_ok=True)
BOARD = os.environ.get("BOARD", "arm")


def frames(text):
    """[(index, function, offset/size)] of a /proc/lcrt or lcrt text."""
    return [(int(m.group(1)), m.group(2), m.group(3)) for m in
            re.finditer(r"^\s+#(\d+)\s+(\w[\w.]*)\+(0x[0-9a-f]+/0x[0-9a-f]+)",
                        text, re.M)]


def console_pc(console):
    """The faulting function+offset/size as the oops on the console says."""
    m = re.search(r"PC is at (\w[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)", console) or \
        re.search(r"pc : (\w[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)", console) or \
        re.search(r"RIP: 0010:(\w[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)", console)
    return m.group(1) if m else None


class Series(unittest.TestCase):
    def test_patches_are_in_sync_with_the_sources(self):
        self.assertEqual(lab.series_in_sync(), [])

    def test_series_applies_to_pristine_vendor_tree_without_fuzz(self):
        pristine = lab.pristine_tree()
        with tempfile.TemporaryDirectory(dir=lab.CACHE) as tmp:
            tree = Path(tmp) / "linux"
            # A hard-linked copy: patch replaces files, never writes in place.
            subprocess.run(["cp", "-al", pristine, tree], check=True)
            out = lab.apply_series(tree)
            self.assertIn("Now at patch", out)
            self.assertNotIn("fuzz", out)
            self.assertTrue((tree / "drivers/misc/lcrt/core.c").exists())
            self.assertIn('source "drivers/misc/lcrt/Kconfig"',
                          (tree / "drivers/misc/Kconfig").read_text())
        # The pristine tree is untouched.
        self.assertFalse((pristine / "drivers/misc/lcrt").exists())

    def test_checkpatch_strict_is_clean(self):
        res = lab.checkpatch()
        self.assertEqual(len(res), len((ROOT / "series").read_text().split()))
        for name, problems in res.items():
            self.assertEqual(problems, "", name)

    def test_sparse_is_clean(self):
        checked, warnings = lab.sparse(lab.board(BOARD))
        self.assertIn("core.c", checked)
        self.assertIn("store.c", checked)
        self.assertEqual(warnings, [])


def proc_registers(text):
    """{name: value} of the registers block of /proc/lcrt."""
    m = re.search(r"^registers:\n((?:  .*\n)+)", text, re.M)
    if not m:
        return {}
    return {k: int(v, 16) for k, v in
            re.findall(r"(\w+)\s+([0-9a-f]{8,16})\b", m.group(1))}


X86_NAMES = {"RAX": "ax", "RBX": "bx", "RCX": "cx", "RDX": "dx", "RSI": "si",
             "RDI": "di", "RBP": "bp", "R08": "r8", "R09": "r9", "R10": "r10",
             "R11": "r11", "R12": "r12", "R13": "r13", "R14": "r14",
             "R15": "r15"}


def console_registers(console):
    """{name: value} of the register dump of the first oops on the console,
    in LCRT's register names."""
    start = console.find("Internal error") if "Internal error" in console \
        else console.find("Oops")
    dump = console[start:start + 4000] if start >= 0 else ""
    regs = {}
    for name, value in re.findall(r"\b([A-Za-z][A-Za-z0-9]*)\s*: ?(?:\[<)?"
                                  r"([0-9a-f]{8,16})\b", dump):
        name = X86_NAMES.get(name) or (
            name.lower() if re.fullmatch(r"[rx]\d+|fp|ip|sp|pc|lr", name) else None)
        if name and name not in regs:
            regs[name] = int(value, 16)
    return regs


class CrashTests:
    """LKDTM crashes on one board, read back after a power cut."""

    BOARD = "arm"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(dir=lab.CACHE)
        cls.guest = lab.Guest(cls.BOARD, Path(cls.tmp.name) / "ram.img")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def crash(self, what="EXCEPTION", **kw):
        out, console, _ = self.guest.run(
            f"echo {what} > /sys/kernel/debug/provoke-crash/DIRECT", **kw)
        self.assertIsNone(out, "the kernel did not crash:\n" + console[-2000:])
        self.assertIn("Kernel panic", console)
        return console

    def sh(self, cmd, **kw):
        out, console, _ = self.guest.run(cmd, **kw)
        self.assertIsNotNone(out, "the guest did not finish:\n" + console[-3000:])
        return out

    def test_fresh_nvram_holds_no_record(self):
        self.guest.power_on_fresh()
        self.assertEqual(self.sh("cat /proc/lcrt").strip(), "no crash record")

    def test_crash_power_cut_read_clear_power_cut(self):
        self.guest.power_on_fresh()
        console = self.crash()
        out = self.sh("cat /proc/lcrt; echo @@RAW; base64 /sys/kernel/lcrt/record")
        text, raw = out.split("@@RAW")
        fr = frames(text)
        self.assertTrue(fr, text)
        # The innermost frame is the faulting function, as the oops says.
        self.assertEqual(fr[0][1], "lkdtm_EXCEPTION", text)
        self.assertEqual(f"{fr[0][1]}+{fr[0][2]}", console_pc(console), text)
        self.assertEqual([f[0] for f in fr], list(range(len(fr))))
        self.assertIn("lkdtm_do_action", [f[1] for f in fr[1:]])
        self.assertRegex(text, r"reason:\s+.*Fatal exception")
        self.assertRegex(text, r"event:\s+oops")
        self.assertRegex(text, r"task:\s+sh \(pid \d+\)")
        self.assertRegex(text, r"context: task")
        self.assertRegex(text, r"taint:\s+0x80 D")
        # The raw record: at most the 1 KiB budget, and the tool reads
        # the same call chain from it.
        rec = base64.b64decode("".join(raw.split()))
        self.assertLessEqual(len(rec), 1024)
        m = re.search(r"LCRT record \d+ \(slot \d+, (\d+) bytes, captured in (\d+) ns",
                      text)
        self.assertEqual(int(m.group(1)), len(rec))
        print(f"\n    [{self.BOARD}] EXCEPTION record: {len(rec)} bytes, "
              f"captured in {int(m.group(2))} ns", end=" ")
        with tempfile.NamedTemporaryFile(suffix=".rec") as f:
            f.write(rec)
            f.flush()
            tool = subprocess.run([TOOL, "decode", f.name], capture_output=True,
                                  text=True)
        self.assertEqual(tool.returncode, 0, tool.stderr)
        self.assertEqual(frames(tool.stdout), fr)
        self.assertEqual(proc_registers(tool.stdout), proc_registers(text))

        # A wrong word changes nothing; clear erases; erased stays erased.
        out = self.sh("cat /proc/lcrt > /tmp/a; "
                      "echo clean > /sys/kernel/lcrt/control; echo rc=$?; "
                      "cat /proc/lcrt > /tmp/b; cmp /tmp/a /tmp/b && echo same; "
                      "echo clear > /sys/kernel/lcrt/control; echo rc=$?; "
                      "cat /proc/lcrt")
        self.assertRegex(out, r"Invalid argument")
        lines = out.splitlines()
        self.assertIn("same", lines)
        rcs = [l for l in lines if l.startswith("rc=")]
        self.assertNotEqual(rcs[0], "rc=0")
        self.assertEqual(rcs[1], "rc=0")
        self.assertEqual(lines[-1], "no crash record")
        self.assertEqual(self.sh("cat /proc/lcrt").strip(), "no crash record")
        self.assertEqual(self.guest.region_bytes(),
                         bytes(len(self.guest.region_bytes())))

    def test_registers_and_windows_are_those_of_the_fault(self):
        self.guest.power_on_fresh()
        console = self.crash()
        text = self.sh("cat /proc/lcrt")
        mine, theirs = proc_registers(text), console_registers(console)
        common = sorted(set(mine) & set(theirs))
        self.assertGreaterEqual(len(common), 8, f"{mine}\n{theirs}")
        for name in common:
            self.assertEqual(mine[name], theirs[name], name)
        # Frame windows, as hex words per frame, innermost first, from sp up.
        wins = re.findall(r"^  #(\d+)\s+([0-9a-f]+):((?: [0-9a-f]+)+)", text, re.M)
        self.assertTrue(wins, text)
        self.assertEqual(int(wins[0][0]), 0)
        self.assertGreaterEqual(int(wins[0][1], 16) + 64, mine["sp"])
        self.assertEqual([int(w[0]) for w in wins], sorted(int(w[0]) for w in wins))

    def test_bug_is_recorded_as_a_bug(self):
        self.guest.power_on_fresh()
        console = self.crash("BUG")
        text = self.sh("cat /proc/lcrt")
        self.assertRegex(text, r"event:\s+BUG")
        self.assertEqual(frames(text)[0][1], "lkdtm_BUG", text)
        self.assertEqual(f"lkdtm_BUG+{frames(text)[0][2]}", console_pc(console))
        m = re.search(r"\((?:slot \d+, )?(\d+) bytes, captured in (\d+) ns", text)
        self.assertLessEqual(int(m.group(1)), 1024)
        print(f"\n    [{self.BOARD}] BUG record: {m.group(1)} bytes, "
              f"captured in {m.group(2)} ns", end=" ")

    def test_panic_without_oops_names_the_caller_of_panic(self):
        self.guest.power_on_fresh()
        self.crash("PANIC")
        text = self.sh("cat /proc/lcrt")
        self.assertRegex(text, r"event:\s+panic")
        self.assertRegex(text, r"reason:\s+dumptest")
        self.assertEqual(frames(text)[0][1], "lkdtm_PANIC", text)

    def test_watchdog_panic_in_hardirq_reaches_the_looping_task(self):
        """The paper's case: the crash happens in interrupt context, and the
        culprit is found on the other side of the interrupt entry."""
        self.guest.power_on_fresh()
        self.crash("SOFTLOCKUP", bootargs="softlockup_panic=1 watchdog_thresh=1")
        text = self.sh("cat /proc/lcrt")
        self.assertRegex(text, r"event:\s+watchdog")
        self.assertRegex(text, r"context: hardirq")
        self.assertRegex(text, r"reason:\s+softlockup")
        names = [f[1] for f in frames(text)]
        self.assertTrue(names and names[0].startswith("watchdog_timer_fn"), text)
        self.assertTrue({"lkdtm_SOFTLOCKUP", "lkdtm_do_action"} & set(names), text)
        self.assertTrue([n for n in names if n.startswith("direct_entry")], text)

    def test_oops_that_does_not_panic_is_recorded_once(self):
        self.guest.power_on_fresh()
        # The oops kills the inner shell only; the kernel's own messages
        # about it come before the marker.
        crash = ("sh -c 'echo EXCEPTION > /sys/kernel/debug/provoke-crash/DIRECT'; "
                 "echo @@AFTER; cat /proc/lcrt")
        out = self.sh(crash, oops_panic=False).split("@@AFTER")[-1]
        self.assertRegex(out, r"event:\s+oops")
        self.assertNotIn("Fatal exception", out)
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION", out)
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        self.assertRegex(out, r"records 1\n")
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION", out)
        # lcrt.oops=0 turns it off.
        self.guest.power_on_fresh()
        out = self.sh(crash, oops_panic=False, bootargs="lcrt.oops=0")
        self.assertEqual(out.split("@@AFTER")[-1].strip(), "no crash record")

    def test_records_of_earlier_crashes_are_kept(self):
        self.guest.power_on_fresh()
        self.crash("EXCEPTION")
        self.crash("PANIC")
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        self.assertRegex(out, r"records 2\n")
        self.assertRegex(out, r"LCRT record 2 ")
        self.assertEqual(frames(out)[0][1], "lkdtm_PANIC")
        found = subprocess.run([TOOL, "decode", "--all", "/dev/stdin"],
                               input=self.guest.region_bytes(),
                               capture_output=True)
        self.assertEqual(found.returncode, 0)
        self.assertEqual(found.stdout.decode().count("LCRT record"), 2)

    def test_the_ring_keeps_the_newest_records(self):
        self.guest.power_on_fresh()
        status = self.sh("cat /sys/kernel/lcrt/status")
        slots = int(re.search(r"slots (\d+)", status).group(1))
        crashes = ["EXCEPTION", "PANIC"] * slots + ["BUG"]
        for what in crashes:
            self.crash(what)
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        self.assertRegex(out, rf"records {slots}\n")
        self.assertRegex(out, rf"next_seq {len(crashes) + 1}\n")
        self.assertRegex(out, rf"LCRT record {len(crashes)} ")
        self.assertEqual(frames(out)[0][1], "lkdtm_BUG", out)
        tool = subprocess.run([TOOL, "decode", "--all", "--json", "/dev/stdin"],
                              input=self.guest.region_bytes(), capture_output=True)
        seqs = sorted(r["seq"] for r in json.loads(tool.stdout))
        self.assertEqual(seqs, list(range(len(crashes) - slots + 1, len(crashes) + 1)))

    def test_damaged_record_is_reported_corrupt_never_shown(self):
        self.guest.power_on_fresh()
        self.crash()
        self.guest.poke(100, 0x01)
        out = self.sh("cat /proc/lcrt")
        self.assertIn("corrupt: CRC mismatch", out)
        self.assertNotIn("LCRT record", out)
        tool = subprocess.run([TOOL, "decode", "/dev/stdin"],
                              input=self.guest.region_bytes(), capture_output=True)
        self.assertEqual(tool.returncode, 2)
        self.assertIn(b"CRC mismatch", tool.stderr)

    def test_files_are_for_root_only(self):
        out = self.sh("stat -c '%a %n' /proc/lcrt /sys/kernel/lcrt/*")
        modes = dict(reversed(l.split()) for l in out.splitlines())
        self.assertEqual(modes["/proc/lcrt"], "400")
        self.assertEqual(modes["/sys/kernel/lcrt/control"], "200")
        self.assertEqual(modes["/sys/kernel/lcrt/record"], "400")
        self.assertEqual(modes["/sys/kernel/lcrt/nvram"], "400")


class DeviceTreeTests:
    def test_region_from_the_device_tree(self):
        self.guest.power_on_fresh()
        self.crash(dt=True)
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt", dt=True)
        size, addr = lab.parse_nvram(self.guest.board.nvram)
        m = re.search(r"region (0x[0-9a-f]+)\+(\d+)", out)
        self.assertEqual((int(m.group(1), 16), int(m.group(2))), (addr, size))
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION")


def crash_and_read(test, board, what="EXCEPTION"):
    """Crash a fresh board once, power-cycle it, and read /proc/lcrt.
    Returns (the console of the crash, what /proc/lcrt said)."""
    with tempfile.TemporaryDirectory(dir=lab.CACHE) as tmp:
        guest = lab.Guest(board, Path(tmp) / "ram.img")
        out, crash_console, _ = guest.run(
            f"echo {what} > /sys/kernel/debug/provoke-crash/DIRECT")
        test.assertIsNone(out, crash_console[-2000:])
        out, console, _ = guest.run("cat /proc/lcrt")
    test.assertIsNotNone(out, console[-2000:])
    return crash_console, out


class PokedNames(unittest.TestCase):
    """The paper's method: an arm kernel without kallsyms, built with GCC's
    -mpoke-function-name, still names its frames."""

    def test_names_come_from_the_code_itself(self):
        crash_console, out = crash_and_read(self, "arm-poke")
        self.assertIn("names from -mpoke-function-name", out)
        fr = frames(out)
        self.assertEqual(fr[0][1], "lkdtm_EXCEPTION", out)
        self.assertIn("lkdtm_do_action", [f[1] for f in fr], out)
        # Without kallsyms the oops on the console has no names: LCRT does.
        self.assertNotIn("PC is at lkdtm_EXCEPTION", crash_console)
        self.assertIn("PC is at", crash_console)


class KernelUnwinder(unittest.TestCase):
    """Without frame pointers LCRT takes the kernel's own unwinder (arm's
    unwind tables) and says that it has no stack windows."""

    def test_fallback_without_frame_pointers(self):
        crash_console, out = crash_and_read(self, "arm-unwind")
        self.assertIn("kernel unwinder", out)
        self.assertIn("stack windows: none", out)
        fr = frames(out)
        self.assertEqual(f"{fr[0][1]}+{fr[0][2]}", console_pc(crash_console), out)
        self.assertIn("direct_entry", [f[1] for f in fr], out)
        self.assertTrue(proc_registers(out), out)


class CrashArm(CrashTests, DeviceTreeTests, unittest.TestCase):
    BOARD = "arm"


class CrashArm64(CrashTests, DeviceTreeTests, unittest.TestCase):
    BOARD = "arm64"


class CrashX86_64(CrashTests, unittest.TestCase):
    BOARD = "x86_64"


if __name__ == "__main__":
    unittest.main()
