"""LCRT in a real vendor kernel under QEMU with a real power cut.

Every crash test boots the board's kernel (Debian's options, two CPUs,
KASLR), crashes it, lets the QEMU process end, and starts a new QEMU process
on the same RAM file: what survives is what NVRAM would keep. KVER picks the
vendor kernel (default 6.1); the cross-section of the crash matrix covers the
other.
"""
import base64
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
from datetime import datetime, timezone
from pathlib import Path

from labtest import (DIRECT, KVER, ROOT, TOOL, BoardGuest, console_pc,
                     console_registers, frames, guest, proc_registers, tmpdir)
import tool  # noqa: E402  (lab/tool.py: the static lcrt for the guests)

REGION_SLOTS = 256    # slot 0 of the region, after the two header copies


class CrashTests(BoardGuest):
    """LKDTM crashes on one board, read back after a power cut."""

    BOARD = "arm"
    UNWINDER = "ARM unwind tables"

    def test_a_region_that_cannot_be_armed_is_unmapped(self):
        """A region past what mem= gives the kernel is mapped with
        memremap() where no page of the kernel's describes it (arm,
        x86_64), with vmap() where one still does (arm64); when arming then
        fails (the region holds no slot of the record size asked for), LCRT
        says why and undoes the mapping the way it was made: no warning, no
        mapping of the region left in vmalloc space (an ioremap by its
        physical address, a vmap by its caller), and on x86_64 no memory
        type (PAT) left for it, which the vunmap() the driver used for both
        leaves there (this test fails with it on x86_64 6.1). The same
        region with a record size it holds arms, and its mapping shows."""
        size, addr = guest.parse_nvram(self.guest.board.nvram)
        self.assertEqual(size, 4096)
        # x86 also keeps the mapping's memory type (PAT) until it is undone
        # as it was made: a vunmap() of a memremap() would leave it there.
        pat = "/sys/kernel/debug/x86/pat_memtype_list"
        check = ("test -e /proc/lcrt && echo ARMED || echo UNARMED; "
                 "grep -cE 'phys=0x0*%x|lcrt_' /proc/vmallocinfo || true; "
                 "if [ -e %s ]; then grep -c 'mem 0x0*%x-' %s || true; "
                 "else echo no-pat; fi" % (addr, pat, addr, pat))
        # Where no page of the kernel's describes it: on x86_64 a whole
        # sparsemem section (128 MiB) beyond the kernel's RAM.
        mem = "mem=128M" if self.BOARD.startswith("x86") else "mem=240M"
        self.guest.power_on_fresh()
        out, console, _ = self.guest.run(
            check, bootargs=f"{mem} lcrt.record_size=4096")
        self.assertIsNotNone(out, console[-3000:])
        words = out.split()
        self.assertEqual(words[:2], ["UNARMED", "0"], console[-3000:])
        if self.BOARD.startswith("x86"):
            self.assertEqual(words[2], "0", "the region's memory type is left")
        self.assertIn("lcrt: region of 4096 bytes is too small", console)
        self.assertNotRegex(console, r"WARNING:|Call [Tt]race|BUG:|vunmap",
                            console[-3000:])
        out, console, _ = self.guest.run(
            check, bootargs=f"{mem} lcrt.record_size=1024")
        self.assertEqual(out.split()[:2], ["ARMED", "1"], console[-3000:])
        if self.BOARD.startswith("x86"):
            self.assertEqual(out.split()[2], "1", out)

    def crash(self, what="EXCEPTION", **kw):
        out, console, _ = self.guest.run(f"echo {what} > {DIRECT}", **kw)
        self.assertIsNone(out, "the kernel did not crash:\n" + console[-2000:])
        self.assertIn("Kernel panic", console)
        return console

    def test_fresh_nvram_holds_no_record(self):
        self.guest.power_on_fresh()
        self.assertEqual(self.sh("cat /proc/lcrt").strip(), "no crash record")
        # The region is in /proc/iomem, and LCRT said what arming cost.
        size, addr = guest.parse_nvram(self.guest.board.nvram)
        out, console, _ = self.guest.run("grep 'LCRT NVRAM' /proc/iomem")
        self.assertRegex(out, rf"0*{addr:x}-0*{addr + size - 1:x} : LCRT NVRAM")
        m = re.search(r"lcrt: armed in (\d+) us", console)
        self.assertIsNotNone(m, console[-3000:])
        print(f"\n    [{self.BOARD} {KVER}] armed in {m.group(1)} us", end=" ")
        # The boot's self-test named a whole chain (the initcall's, from
        # LCRT through do_one_initcall to kernel_init), committed nothing,
        # and status says how many frames it named; lcrt.selftest=0 skips it.
        m = re.search(r"lcrt: self-test: (\d+) of (\d+) frames named, a record of "
                      r"(\d+) bytes, in (\d+) us", console)
        self.assertIsNotNone(m, console[-3000:])
        self.assertEqual(m.group(1), m.group(2))
        self.assertGreaterEqual(int(m.group(1)), 4)
        self.assertLessEqual(int(m.group(3)), 1024)
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        self.assertRegex(out, rf"selftest {m.group(1)}\nmedium nvram\nno crash record")
        self.assertRegex(out, r"records 0\n")
        self.assertRegex(out, r"next_seq 1\n")
        print(f"self-test {m.group(1)} frames in {m.group(4)} us", end=" ")
        out, console, _ = self.guest.run("cat /sys/kernel/lcrt/status",
                                         bootargs="lcrt.selftest=0")
        self.assertRegex(out, r"selftest -1\n")
        self.assertNotIn("self-test", console)

    def test_crash_power_cut_read_clear_power_cut(self):
        self.guest.power_on_fresh()
        console = self.crash()
        out = self.sh(f"cat /proc/lcrt; echo @@RAW; base64 /sys/kernel/lcrt/record")
        text, raw = out.split("@@RAW")
        fr = frames(text)
        self.assertTrue(fr, text)
        # The innermost frame is the faulting function, as the oops says.
        self.assertEqual(fr[0][1], "lkdtm_EXCEPTION", text)
        self.assertEqual(f"{fr[0][1]}+{fr[0][2]}", console_pc(console), text)
        self.assertEqual([f[0] for f in fr], list(range(len(fr))))
        # The record's own culprit: the function of the faulting instruction.
        self.assertRegex(text, rf"\nculprit: {re.escape(console_pc(console))} "
                               rf"\(fault, frame #0\)\n")
        # Its caller, or GCC's out-of-line part of it (direct_entry.cold).
        self.assertIn("direct_entry", [f[1].split(".")[0] for f in fr[1:]])
        self.assertRegex(text, r"reason:\s+(Oops: )?Fatal exception \(after Oops")
        self.assertRegex(text, r"event:\s+oops")
        self.assertRegex(text, r"task:\s+sh \(pid \d+\) on CPU [01]\n")
        self.assertRegex(text, r"context: task")
        # Recorded in die(), before the oops taints the kernel: the taint
        # the console's oops report gives.
        self.assertIn("Not tainted", console)
        self.assertRegex(text, r"taint:\s+0x0 \n")
        # The raw record: the oops, committed at die time, and the panic's
        # follow-up after it in the slot; at most the 1 KiB budget, and the
        # tool reads the same call chain from it.
        rec = base64.b64decode("".join(raw.split()))
        self.assertLessEqual(len(rec), 1024)
        m = re.search(r"LCRT record \d+ \(slot \d+, (\d+) bytes, captured in (\d+) ns",
                      text)
        fu = rec[(int(m.group(1)) + 7) // 8 * 8:]
        self.assertEqual(fu[:4], b"LCRT", rec.hex())
        self.assertTrue(int.from_bytes(fu[30:32], "little") & 0x40)
        self.assertEqual(fu[16:24], rec[16:24])    # the same seq
        print(f"\n    [{self.BOARD} {KVER}] EXCEPTION record: {len(rec)} bytes, "
              f"captured in {int(m.group(2))} ns", end=" ")
        with tempfile.NamedTemporaryFile(suffix=".rec") as f:
            f.write(rec)
            f.flush()
            tool = subprocess.run([TOOL, "decode", f.name], capture_output=True,
                                  text=True)
        self.assertEqual(tool.returncode, 0, tool.stderr)
        self.assertEqual(frames(tool.stdout), fr)
        # The crash signature starts at the culprit and its callers, on
        # every arch (GCC's .cold part of direct_entry included; arm64 6.1
        # keeps lkdtm_do_action out of line).
        self.assertRegex(tool.stdout, r"signature: [0-9a-f]{8} \(lkdtm_EXCEPTION < "
                                      r"(lkdtm_do_action < )?direct_entry < ")
        self.assertEqual(proc_registers(tool.stdout), proc_registers(text))
        # With the board's vmlinux (DWARF, as Debian's -dbg package has it)
        # the tool gives the faulting line that the kernel's own
        # scripts/decode_stacktrace.sh gives for the oops on the console.
        with tempfile.NamedTemporaryFile(suffix=".rec") as f:
            f.write(rec)
            f.flush()
            tool = subprocess.run([TOOL, "decode", "--vmlinux",
                                   self.guest.out / "vmlinux", f.name],
                                  capture_output=True, text=True)
        self.assertEqual(tool.returncode, 0, tool.stderr)
        mine = re.search(r"^\s+#0\s+lkdtm_EXCEPTION\+.* (\S+\.c:\d+)$",
                         tool.stdout, re.M)
        self.assertIsNotNone(mine, tool.stdout)
        decoded = subprocess.run(
            [self.guest.tree / "scripts" / "decode_stacktrace.sh",
             self.guest.out / "vmlinux", str(self.guest.tree)],
            input=f"PC is at {console_pc(console)}\n", capture_output=True,
            text=True, env=dict(os.environ, CROSS_COMPILE=self.guest.board.cross))
        theirs = re.search(r"lkdtm_EXCEPTION \((\S+:\d+)", decoded.stdout)
        self.assertIsNotNone(theirs, decoded.stdout + decoded.stderr)
        self.assertEqual(mine.group(1), theirs.group(1), tool.stdout)
        self.assertTrue(mine.group(1).startswith("drivers/misc/lkdtm/"),
                        tool.stdout)
        # Arguments from 1 KiB: the registers at the fault, unwound frame by
        # frame with the vmlinux's CFI, and the stack windows. The shell's
        # "EXCEPTION\n" is 10 bytes: vfs_write's count, known to be 0xa.
        self.assertRegex(tool.stdout, r"#\d+\s+vfs_write\+[^\n]*\n(?:        inlined[^\n]*\n)*"
                                      r"        args: file=0x[0-9a-f]+, buf=[^,]+, count=0xa, "
                                      r"pos=")
        print("\n    " + "\n    ".join(l for l in tool.stdout.splitlines()
                                       if "args:" in l or re.match(r"\s+#\d", l)), end=" ")

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
        slots = self.guest.region_bytes()[REGION_SLOTS:]
        self.assertEqual(slots, bytes(len(slots)))

    def test_registers_are_those_of_the_fault_and_windows_are_said(self):
        self.guest.power_on_fresh()
        console = self.crash()
        text = self.sh("cat /proc/lcrt")
        mine, theirs = proc_registers(text), console_registers(console)
        common = sorted(set(mine) & set(theirs))
        self.assertGreaterEqual(len(common), 8, f"{mine}\n{theirs}")
        for name in common:
            self.assertEqual(mine[name], theirs[name], name)
        # The unwinder of the board's vendor config, as the record names it.
        self.assertIn(f"{self.UNWINDER} unwinder", text)
        if self.UNWINDER == "kernel":
            # stack_trace_save*() knows no frame's stack: the record says so.
            self.assertIn("stack windows: none", text)
            return
        # Frame windows, as hex words per frame, innermost first, from sp up.
        wins = re.findall(r"^  #(\d+)\s+([0-9a-f]+):((?: [0-9a-f]+)+)", text, re.M)
        self.assertTrue(wins, text)
        # The first window is the faulting frame's, or (a leaf that has no
        # stack of its own: an empty window) its caller's; either starts at
        # the sp of the fault. An arm64 frame lies above its frame record
        # (fp, lr), which a window cut for the budget leaves out first.
        self.assertIn(int(wins[0][0]), (0, 1), text)
        start = int(wins[0][1], 16) - mine["sp"]
        if int(wins[0][0]) == 1:
            self.assertRegex(text, rf"(?m)^  #0\s+{mine['sp']:0{len(wins[0][1])}x}: "
                                   r"\(no stack words of its own\)", text)
        self.assertIn(start, (0, 16) if self.BOARD == "arm64" else (0,), text)
        self.assertEqual([int(w[0]) for w in wins], sorted(int(w[0]) for w in wins))
        # Within the 1 KiB budget, every frame the record keeps has its
        # window (cut to fewer words if need be; a leaf's is empty).
        size = int(re.search(r"^LCRT record \d+ \(slot \d+, (\d+) bytes", text,
                             re.M).group(1))
        self.assertLessEqual(size, 1024, text)
        empty = re.findall(r"^  #(\d+)\s+([0-9a-f]+): \(no stack words of its own\)",
                           text, re.M)
        self.assertEqual(sorted({int(w[0]) for w in wins + empty}),
                         list(range(len(frames(text)))), text)
        self.assertNotIn("windows left out", text)

    def test_the_tool_reads_the_record_on_the_device(self):
        """lcrt, built static for the board, runs in the guest after the
        power cut: show --format json gives what /proc/lcrt gives; collect
        archives the record, clears it, and a second collect finds nothing."""
        lcrt = tool.device_tool(self.guest.board)
        self.guest.power_on_fresh()
        self.crash()
        out = self.sh("cat /proc/lcrt; echo @@JSON; /lab/lcrt show --format json; "
                      "echo @@rc=$?; /lab/lcrt collect --dir /tmp/a; echo @@rc=$?; "
                      "/lab/lcrt collect --dir /tmp/a; echo @@rc=$?; ls -1 /tmp/a; "
                      "cat /proc/lcrt; /lab/lcrt show; echo @@rc=$?; "
                      "/lab/lcrt show --vmlinux /init; echo @@rc=$?; "
                      "/lab/lcrt --version",
                      files=[lcrt])
        text, _, rest = out.partition("@@JSON")
        shown, *runs = rest.split("@@rc=")
        j = json.loads(shown)
        j = j[0] if isinstance(j, list) else j
        self.assertEqual([f["function"] for f in j["frames"]],
                         [f[1] for f in frames(text)], out)
        self.assertEqual(j["frames"][0]["function"], "lkdtm_EXCEPTION", out)
        self.assertRegex(j["reason"], r"Fatal exception")
        self.assertRegex(j["signature"], r"^[0-9a-f]{8}$")
        # Each part: the exit code of a command, then what the next one said.
        rcs = [r.split("\n", 1)[0].strip() for r in runs]
        self.assertEqual(rcs, ["0", "0", "0", "2", "64"], out)
        first, second, after, vmlinux, version = runs
        self.assertRegex(first, r"/tmp/a: 1 archived, 0 archived before, 0 corrupt\n")
        self.assertRegex(first, rf"cleared record {j['seq']}\n")
        self.assertRegex(second, r"/tmp/a: 0 archived, 0 archived before, 0 corrupt\n")
        names = re.findall(r"^(\S+\.(?:json|rec))$", after, re.M)
        self.assertEqual(sorted(n.rsplit(".", 1)[1] for n in names), ["json", "rec"], out)
        self.assertIn(j["signature"], names[0])
        self.assertIn("no crash record", after)
        # The device build has no elfutils, and says so.
        self.assertIn("/init: this lcrt was built without elfutils", vmlinux)
        self.assertIn("no source lines: built without elfutils", version)

    def test_a_crash_while_collect_runs_is_never_cleared(self):
        """collect archives the record, then, before it clears (from its
        --before-clear command, run once the archive is on disk), an oops
        is recorded: the real kernel is asked to clear the archived record
        only, and the oops written between the read and the clear stays."""
        lcrt = tool.device_tool(self.guest.board)
        self.guest.power_on_fresh()
        self.crash()
        out = self.sh("/lab/lcrt collect --dir /tmp/a --before-clear "
                      f"\"sh -c 'echo EXCEPTION > {DIRECT}'; true\"; echo @@rc=$?; "
                      "ls -1 /tmp/a; echo @@LIVE; cat /proc/lcrt",
                      files=[lcrt], oops_panic=False)
        said, live = out.split("@@LIVE")
        self.assertIn("@@rc=0", said)
        self.assertRegex(said, r"/tmp/a: 1 archived, 0 archived before, 0 corrupt\n")
        self.assertRegex(said, r"cleared record 1\n")
        self.assertNotRegex(said, r"cleared record 2")
        self.assertEqual(len(re.findall(r"^\S+\.rec$", said, re.M)), 1, said)
        # The oops the command made is the region's record now, whole.
        self.assertRegex(live, r"LCRT record 2 ")
        self.assertRegex(live, r"event:\s+oops")
        self.assertEqual(frames(live)[0][1], "lkdtm_EXCEPTION", live)

    def test_oops_that_does_not_panic_is_recorded_once(self):
        self.guest.power_on_fresh()
        # The oops kills the inner shell only; the kernel's own messages
        # about it come before the marker.
        crash = (f"sh -c 'echo EXCEPTION > {DIRECT}'; "
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

    def region_seqs(self):
        tool = subprocess.run([TOOL, "decode", "--all", "--json", "-"],
                              input=self.guest.region_bytes(), capture_output=True)
        return [r["seq"] for r in json.loads(tool.stdout or b"[]")]

    def test_a_boot_loop_keeps_its_first_crashes_and_its_latest(self):
        """Keep-unread (the default): N+2 crashes on N slots keep the first
        N-1 and the latest; what was dropped is counted; clear N and clear
        upto N erase what they name."""
        self.guest.power_on_fresh()
        status = self.sh("cat /sys/kernel/lcrt/status")
        self.assertRegex(status, r"policy keep\n")
        self.assertRegex(status, r"mapping wc\n")
        slots = int(re.search(r"slots (\d+)", status).group(1))
        crashes = ["PANIC", "EXCEPTION", "BUG"] * slots
        crashes = crashes[:slots + 2]
        for what in crashes:
            self.crash(what)
        n = len(crashes)
        self.assertEqual(sorted(self.region_seqs()), list(range(1, slots)) + [n])
        ctl = "/sys/kernel/lcrt/control"
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt; "
                      f"echo clear 2 > {ctl}; echo rc=$?; "
                      f"echo clear 2 > {ctl}; echo rc=$?; "
                      f"echo 'clear to' > {ctl}; echo rc=$?; "
                      f"echo clear to {n - 1} > {ctl}; echo rc=$?; "
                      "cat /sys/kernel/lcrt/status")
        first, _, after = out.partition("rc=")
        self.assertRegex(first, rf"records {slots}\n")
        self.assertRegex(first, rf"dropped {n - slots}\n")
        self.assertRegex(first, rf"next_seq {n + 1}\n")
        self.assertRegex(first, rf"LCRT record {n} ")
        self.assertEqual(frames(first)[0][1], f"lkdtm_{crashes[-1]}", out)
        rcs = re.findall(r"rc=(\d+)", out)
        self.assertEqual(rcs[0], "0")
        self.assertNotEqual(rcs[1], "0")    # no record 2 any more
        self.assertNotEqual(rcs[2], "0")    # not a control word
        self.assertEqual(rcs[3], "0")
        self.assertRegex(after, r"records 1\n")
        self.assertEqual(self.region_seqs(), [n])

    def test_the_ring_overwrites_the_oldest_when_asked(self):
        self.guest.power_on_fresh()
        ring = "lcrt.ring=overwrite"
        slots = int(re.search(r"slots (\d+)", self.sh(
            "cat /sys/kernel/lcrt/status", bootargs=ring)).group(1))
        for what in ["EXCEPTION", "PANIC"] * slots:
            self.crash(what, bootargs=ring)
        n = 2 * slots
        self.assertEqual(sorted(self.region_seqs()), list(range(n - slots + 1, n + 1)))
        out = self.sh("cat /sys/kernel/lcrt/status", bootargs=ring)
        self.assertRegex(out, r"policy overwrite\n")
        self.assertRegex(out, rf"dropped {n - slots}\n")

    def test_two_oopses_then_one_power_cut_keep_both_in_order(self):
        self.guest.power_on_fresh()
        crash = f"sh -c 'echo EXCEPTION > {DIRECT}'"
        out = self.sh(f"{crash}; {crash}; echo @@DONE", oops_panic=False)
        self.assertIn("@@DONE", out)
        tool = subprocess.run([TOOL, "decode", "--all", "--json", "-"],
                              input=self.guest.region_bytes(), capture_output=True)
        recs = json.loads(tool.stdout)
        self.assertEqual(sorted(r["seq"] for r in recs), [1, 2])
        for r in recs:
            self.assertEqual(r["frames"][0]["function"], "lkdtm_EXCEPTION", r)

    def test_panics_before_the_initcalls_are_recorded(self):
        """Armed from the early parameter in setup_arch() (arm64, x86: a
        fixmap outlives paging_init()) or while start_kernel() parses the
        command line (32-bit arm): a panic in setup_arch(), one while the
        command line is parsed (before trap_init() and mm_init()) and one
        in an early initcall that runs before LCRT's own are recorded."""
        cases = [("lcrt.test_panic=cmdline", "lcrt_test_panic", "start_kernel"),
                 ("lcrt.test_panic=initcall", "lcrt_test_early", "do_one_initcall")]
        if self.guest.board.arch != "arm":
            cases.insert(0, ("lcrt.test_early_panic", "lcrt_test_early_panic",
                             "setup_arch"))
        for args, culprit, caller in cases:
            self.guest.power_on_fresh()
            # Before the console and PSCI, arm64 cannot reset: it halts.
            out, console, _ = self.guest.run("echo booted", bootargs=args,
                                             timeout=25)
            self.assertIsNone(out, console[-2000:])
            out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
            self.assertRegex(out, r"records 1\n")
            self.assertRegex(out, r"boot_count 2\n")
            self.assertRegex(out, r"event:\s+panic")
            self.assertRegex(out, r"reason:\s+lcrt_test: panic (while the command line|in an early initcall|in setup_arch)")
            # GCC may put the panic call in func.cold.
            fr = [f[1].split(".")[0] for f in frames(out)]
            if caller == "setup_arch" and self.guest.board.arch == "x86_64":
                # ORC is set up at the end of setup_arch() (unwind_init()):
                # before, the record has no chain, and says ORC found none.
                self.assertEqual(fr, [], out)
                self.assertIn("ORC unwinder", out)
                continue
            self.assertEqual(fr[0], culprit, out)
            self.assertIn(caller, fr, out)

    def test_a_region_of_random_bytes_boots_and_records(self):
        self.guest.power_on_fresh()
        self.sh("true")
        self.guest.fill(os.urandom(len(self.guest.region_bytes())))
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        slots = int(re.search(r"slots (\d+)", out).group(1))
        self.assertRegex(out, r"records 0\n")
        self.assertRegex(out, rf"corrupt {slots}\n")
        self.assertRegex(out, r"boot_count 1\n")    # a new header
        self.crash()
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        self.assertRegex(out, r"records 1\n")
        self.assertRegex(out, rf"corrupt {slots - 1}\n")
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION", out)

    def test_damaged_record_is_reported_corrupt_never_shown(self):
        self.guest.power_on_fresh()
        self.crash()
        self.guest.poke(REGION_SLOTS + 100, 0x01)
        out = self.sh("cat /proc/lcrt")
        self.assertIn("corrupt: CRC mismatch", out)
        self.assertNotIn("LCRT record", out)
        tool = subprocess.run([TOOL, "decode", "-"],
                              input=self.guest.region_bytes(), capture_output=True)
        self.assertEqual(tool.returncode, 3)   # only a corrupt record
        self.assertIn(b"CRC mismatch", tool.stderr)

    def test_the_record_names_its_time_its_boot_and_where_code_was_loaded(self):
        """A crash in a module: the record's wall-clock time lies between the
        host's clock before and after the crashing boot; its boot id is the
        one the crashed boot's proc gave (the journal's _BOOT_ID), not the
        next boot's; the KASLR offset is how far _stext moved from the
        vmlinux's; the module's text is where /sys/module says it was."""
        g = guest.Guest(self.BOARD, self.guest.nvram, kver=KVER,
                        modules=[ROOT / "lab" / "modules" / "lcrt_crash"])
        g.power_on_fresh()
        t0 = time.time()
        out, console, _ = g.run(
            # LCRT reads the boot id once the random pool is ready.
            "for i in 1 2 3 4 5 6 7 8 9 10; do dmesg | grep -q 'crng init done' "
            "&& break; sleep 0.5; done; sleep 0.5; "
            "insmod /lab/modules/lcrt_crash.ko crash=none; "
            "echo @@ID=$(cat /proc/sys/kernel/random/boot_id); "
            "echo @@TEXT=$(cat /sys/module/lcrt_crash/sections/.text); "
            "echo @@KTEXT=$(grep ' _stext$' /proc/kallsyms); "
            "echo 2 > /sys/kernel/debug/lcrt_crash/deep")
        t1 = time.time()
        self.assertIsNone(out, console[-2000:])
        boot_id = re.search(r"@@ID=([0-9a-f-]{36})\s", console).group(1)
        mod_text = int(re.search(r"@@TEXT=0x([0-9a-f]+)", console).group(1), 16)
        ktext = int(re.search(r"@@KTEXT=([0-9a-f]+) ", console).group(1), 16)
        out, _, _ = g.run("cat /proc/lcrt; echo @@NOW=$(cat /proc/sys/kernel/random/boot_id)")
        self.assertIsNotNone(out)
        m = re.search(r"\ntime:\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{9}) UTC\n", out)
        self.assertTrue(m, out)
        at = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=timezone.utc).timestamp()
        # The guest's clock starts from QEMU's RTC (the host's UTC), to the second.
        self.assertGreaterEqual(at, int(t0) - 1, out)
        self.assertLessEqual(at, t1 + 1, out)
        self.assertRegex(out, rf"\nboot:\s+{boot_id}\n")
        self.assertNotIn(f"@@NOW={boot_id}", out)
        linked = subprocess.run(["grep", " _stext$", str(g.out / "System.map")],
                                capture_output=True, text=True, check=True).stdout
        self.assertRegex(out, rf"\nload:\s+KASLR offset {ktext - int(linked.split()[0], 16):#x}\n")
        self.assertRegex(out, rf"\nload:\s+lcrt_crash text at {mod_text:#x}\n")
        self.assertRegex(out, r"#0\s+lcrt_crash_\w+.*\[lcrt_crash\]")

    def test_files_are_for_root_only(self):
        out = self.sh("stat -c '%a %n' /proc/lcrt /sys/kernel/lcrt/*")
        modes = dict(reversed(l.split()) for l in out.splitlines())
        self.assertEqual(modes["/proc/lcrt"], "400")
        self.assertEqual(modes["/sys/kernel/lcrt/control"], "200")
        self.assertEqual(modes["/sys/kernel/lcrt/record"], "400")
        self.assertEqual(modes["/sys/kernel/lcrt/nvram"], "400")
        # And a user who is not root is refused by every one of them.
        out = self.sh("mkdir -p /etc; echo 'nobody:x:65534:65534::/:/bin/sh' >> /etc/passwd; "
                      "su -s /bin/sh nobody -c 'for f in /proc/lcrt "
                      "/sys/kernel/lcrt/status /sys/kernel/lcrt/record "
                      "/sys/kernel/lcrt/nvram; do cat $f; done; "
                      "echo clear > /sys/kernel/lcrt/control; id -u' 2>&1")
        self.assertEqual(out.count("Permission denied"), 5, out)
        self.assertIn("65534", out)

    def test_the_board_is_what_debian_ships(self):
        """Two CPUs online, sleep sleeps, and (arm64, x86_64) KASLR moves
        the kernel between two boots."""
        cmd = ("echo @@CPUS=$(cat /sys/devices/system/cpu/online); "
               "echo @@T0=$(date +%s); sleep 2; echo @@T1=$(date +%s); "
               "echo @@STEXT=$(grep -w _stext /proc/kallsyms)")

        def said(out, key):
            # The kernel's own console lines (random: crng init done, ...)
            # may come between the command's.
            m = re.search(rf"^@@{key}=(\S+)", out, re.M)
            self.assertTrue(m, f"no {key} in:\n{out}")
            return m.group(1)
        first = self.sh(cmd)
        self.assertEqual(said(first, "CPUS"), "0-1")
        self.assertGreaterEqual(int(said(first, "T1")) - int(said(first, "T0")), 2)
        if self.guest.board.arch != "arm":
            second = self.sh(cmd)
            self.assertNotEqual(said(first, "STEXT"), said(second, "STEXT"),
                                "KASLR is off")


class DeviceTreeTests:
    def test_region_from_the_device_tree(self):
        self.guest.power_on_fresh()
        self.crash(dt=True)
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt", dt=True)
        size, addr = guest.parse_nvram(self.guest.board.nvram)
        m = re.search(r"region (0x[0-9a-f]+)\+(\d+)", out)
        self.assertEqual((int(m.group(1), 16), int(m.group(2))), (addr, size))
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION")


class CrashArm(CrashTests, DeviceTreeTests, unittest.TestCase):
    BOARD = "arm"
    UNWINDER = "ARM unwind tables"

    def test_a_disabled_node_or_a_bad_region_arms_nothing(self):
        """A "linux,lcrt" node with status "disabled" reserves nothing, so
        LCRT must not write there; a region on the command line that is
        not 8-byte aligned or over the kernel's image is refused with its
        reason, and the disabled node is no fallback. (KUnit checks every
        form of region lcrt_region_check() refuses; here, on the paper's
        board, that the boot uses it.)"""
        _, addr = guest.parse_nvram(self.guest.board.nvram)
        check = "test -e /proc/lcrt && echo ARMED || echo UNARMED"
        self.guest.power_on_fresh()
        out, console, _ = self.guest.run(
            f"{check}; grep 'Kernel code' /proc/iomem", dt="disabled")
        self.assertRegex(out, r"^UNARMED\n", console[-3000:])
        # A board without a region is not an error: LCRT says nothing.
        self.assertEqual(re.findall(r"^.*lcrt: .*$", console, re.M), [])
        code = int(re.search(r"([0-9a-f]+)-[0-9a-f]+ : Kernel code", out)[1], 16)
        bad = [(f"4K@{addr + 4:#x}", "not 8-byte aligned"),
               (f"4K@{(code + 0x10000) & ~0xfff:#x}", "the kernel's image")]
        for region, why in bad:
            with self.subTest(region=region):
                out, console, _ = self.guest.run(
                    check, dt="disabled", bootargs=f"lcrt.nvram={region}")
                self.assertEqual(out.strip(), "UNARMED", console[-3000:])
                self.assertRegex(console, rf"lcrt: lcrt.nvram={re.escape(region)}"
                                 rf": [^\n]*{why}[^\n]*: not armed")
        # The same region, well formed, arms.
        out, console, _ = self.guest.run(
            check, dt="disabled", bootargs=f"lcrt.nvram={self.guest.board.nvram}")
        self.assertEqual(out.strip(), "ARMED", console[-3000:])


class CrashArm64(CrashTests, DeviceTreeTests, unittest.TestCase):
    BOARD = "arm64"
    UNWINDER = "frame-pointer"


class CrashX86_64(CrashTests, unittest.TestCase):
    BOARD = "x86_64"
    UNWINDER = "ORC"

    def test_a_loaded_crash_kernel_does_not_lose_the_record(self):
        """kdump as Debian's kdump-tools sets it up: a crash kernel loaded
        with kexec_file_load() and crash_kexec_post_notifiers unset. die()
        jumps to the crash kernel before any panic notifier runs; the oops
        was committed by the die notifier before that, and is kept. (Only
        here: Debian's arm64 and armhf configs have no kexec_file_load,
        and the guests have no kexec-tools.)"""
        self.guest.power_on_fresh()
        b = self.guest.board
        kernel = self.guest.kernel
        crash_cmdline = (f"console={b.console} panic=-1 maxcpus=1 reset_devices "
                         f"lcrt.nvram={b.nvram} {b.bootargs}")
        # The helper's line leaves the tty before the oops stops the CPUs.
        out, console, _ = self.guest.run(
            f"/lab/kexec-crash /lab/{kernel.name} '{crash_cmdline}' && "
            f"sleep 1 && echo EXCEPTION > {DIRECT}", bootargs="crashkernel=64M",
            files=[self.guest.kexec_helper(), kernel], timeout=150)
        self.assertIsNone(out, console[-3000:])
        self.assertIn("kexec_file_load returned 0", console)
        first, _, crash_kernel = console.partition("Linux version")[2].partition("Linux version")
        self.assertTrue(crash_kernel, "the crash kernel did not boot:\n" + console[-3000:])
        self.assertNotIn("Kernel panic", first)    # no panic notifier ran
        tool = subprocess.run([TOOL, "decode", "--all", "--json", "-"],
                              input=self.guest.region_bytes(), capture_output=True)
        recs = {r["seq"]: r for r in json.loads(tool.stdout) if "seq" in r}
        self.assertEqual(recs[1]["frames"][0]["function"], "lkdtm_EXCEPTION", recs)
        self.assertNotIn("followup", recs[1])
        # The crash kernel, armed as well, recorded its own end after it.
        self.assertEqual(sorted(recs), list(range(1, len(recs) + 1)))


class PokedNames(unittest.TestCase):
    """The paper's method, on its toy board: an arm kernel without kallsyms,
    built with GCC's -mpoke-function-name, still names its frames."""

    def test_names_come_from_the_code_itself(self):
        with tmpdir() as tmp:
            g = guest.Guest("arm-poke", Path(tmp) / "ram.img", kver=KVER)
            out, crash_console, _ = g.run(f"echo EXCEPTION > {DIRECT}")
            self.assertIsNone(out, crash_console[-2000:])
            out, console, _ = g.run("cat /proc/lcrt")
        self.assertIsNotNone(out, console[-2000:])
        self.assertIn("names from -mpoke-function-name", out)
        fr = frames(out)
        self.assertEqual(fr[0][1], "lkdtm_EXCEPTION", out)
        self.assertIn("direct_entry", [f[1] for f in fr], out)
        # Without kallsyms the oops on the console has no names: LCRT does.
        self.assertNotIn("PC is at lkdtm_EXCEPTION", crash_console)
        self.assertIn("PC is at", crash_console)


if __name__ == "__main__":
    unittest.main()
