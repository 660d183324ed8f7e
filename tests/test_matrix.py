"""A cross-section of the crash matrix (make matrix runs all of it): every
cell on the paper's platform (the arm vendor board, 6.1), and a few cells on
each other vendor board on 6.1 and on arm on 6.12: every board and both
kernels. arm64 and x86_64 on 6.12 are left to make matrix (and to KUnit,
which runs on arm64 and x86_64 6.12): their kernel builds alone would cost
make check minutes it does not have (60 on 2 cores)."""
import base64
import re
import unittest

import labtest  # noqa: F401  (puts lab/ on the path)
import matrix

# Cells that may be n/a, and the reason they must give.
# A tail call (proven by the judge from the function's own code) takes a
# function off every stack: GCC does it to these LKDTM functions on 32-bit
# arm.
TAIL_CALL = r"culprit not knowable: \w+ ends in a tail call to \w+"
MAY_BE_NA = {
    "HARDLOCKUP": r"no hardlockup detector|does not list|needs a PMU|"
                  r"culprit not knowable",
    "UNALIGNED_LOAD_STORE_WRITE": r"the CPU does unaligned stores",
    "WARNING": TAIL_CALL,
    "SPINLOCKUP": TAIL_CALL,
    "HUNG_TASK": TAIL_CALL,
}
FEW = ["EXCEPTION", "BUG", "SOFTLOCKUP", "MODULE_OOPS", "HARDIRQ_CPU1"]


class Matrix:
    BOARD, KVER, CELLS = "arm", "6.1", None

    def test_cells(self):
        cells = [c for c in matrix.CELLS if not self.CELLS or c.name in self.CELLS]
        rows = matrix.run_board(self.BOARD, self.KVER, cells)
        self.assertEqual(sorted(r["crash"] for r in rows),
                         sorted(c.name for c in cells))
        for r in rows:
            with self.subTest(crash=r["crash"]):
                if r["result"] == "n/a" and r["crash"] in MAY_BE_NA:
                    self.assertRegex(r["reason"], MAY_BE_NA[r["crash"]])
                    continue
                self.assertEqual(r["result"], "pass", r["reason"])
                self.assertLessEqual(r["bytes"], 1024)
                print(f"\n    [{self.BOARD} {self.KVER}] {r['crash']}: "
                      f"{r['bytes']} B, {r['frames']} frames, "
                      f"{r['capture_ns']} ns, {r['reason']}", end="")


class Judge(unittest.TestCase):
    """How a cell is judged, on made-up records (no QEMU): the record's own
    culprit line, nothing else."""
    SOFT = next(c for c in matrix.CELLS if c.name == "SOFTLOCKUP")
    MOD = next(c for c in matrix.CELLS if c.name == "MODULE_OOPS")
    PROC = ("LCRT record 3 (slot 0, 300 bytes, captured in 1500 ns)\n"
            "culprit: {culprit} (stuck, frame #2)\n"
            "event:   watchdog\nreason:  softlockup: hung tasks\n"
            "task:    sh (pid 70) on CPU 1\ncontext: hardirq, preempt count 0x10001\n"
            "call chain (innermost first, ARM unwind tables unwinder, ended at outermost frame):\n"
            "  #0  watchdog_timer_fn+0x10/0x200 [0xc0100010]\n"
            "  #1  __irq_svc+0x50/0x80 [0xc0100050]\n"
            "  #2  lkdtm_SOFTLOCKUP+0x4/0x20 [0xc033e004]\n"
            "  #3  direct_entry+0x4/0x20 [0xc033e014]\n"
            "registers:\n  pc      c033e004  sp      c1000000\n")

    def rec(self, culprit):
        proc = self.PROC.format(culprit=culprit)
        raw = base64.b64encode(b"\0" * 12 + (300).to_bytes(4, "little")
                               + b"\0" * 284).decode()
        return matrix.parse_record(f"{proc}@@RAW\n{raw}\n@@END")

    def test_the_record_is_parsed(self):
        r = self.rec("lkdtm_SOFTLOCKUP+0x4/0x20")
        self.assertEqual(r["culprit"], "lkdtm_SOFTLOCKUP")
        self.assertEqual(r["rule"], "stuck")
        self.assertEqual(r["frames"][2], "lkdtm_SOFTLOCKUP")

    def test_only_the_culprit_line_counts(self):
        self.assertEqual(matrix.judge(self.SOFT, self.rec("lkdtm_SOFTLOCKUP+0x4/0x20"))[0],
                         "pass")
        # The expected function elsewhere in the chain is not enough.
        result, reason = matrix.judge(self.SOFT, self.rec("direct_entry+0x4/0x20"))
        self.assertEqual(result, "fail")
        self.assertIn("culprit direct_entry, not lkdtm_SOFTLOCKUP", reason)
        r = self.rec("x+0x0/0x1")
        r["culprit"] = None
        self.assertIn("culprit none", matrix.judge(self.SOFT, r)[1])

    def test_no_alias_and_only_clones(self):
        # Another name, even of the same body, is not the culprit.
        self.assertEqual(matrix.judge(self.SOFT, self.rec("lkdtm_LOOP+0x4/0x20"))[0],
                         "fail")
        self.assertEqual(matrix.judge(self.SOFT, self.rec("lkdtm_SOFTLOCKUPX+0x4/0x20"))[0],
                         "fail")
        self.assertEqual(matrix.judge(
            self.SOFT, self.rec("lkdtm_SOFTLOCKUP.constprop.0+0x4/0x20"))[0], "pass")

    def test_the_module_is_part_of_the_name(self):
        r = self.rec("lcrt_crash_write+0x4/0x20 [lcrt_crash]")
        r.update(event="oops", reason="Fatal exception", context="task")
        self.assertEqual(matrix.judge(self.MOD, r)[0], "pass")
        r["culprit"] = "lcrt_crash_write"
        self.assertEqual(matrix.judge(self.MOD, r)[0], "fail")

    def test_a_lockup_keeps_the_interrupted_registers(self):
        r = self.rec("lkdtm_SOFTLOCKUP+0x4/0x20")
        r["pc"] = 0
        result, reason = matrix.judge(self.SOFT, r)
        self.assertEqual(result, "fail")
        self.assertIn("interrupted context", reason)

    def test_a_tail_call_moves_the_culprit_to_where_it_jumped(self):
        cell = matrix.default_cell("EXEC_DATA")
        self.assertEqual(cell.culprit, "execute_location")
        soft = self.SOFT
        # lkdtm_SOFTLOCKUP jumps to a helper that is on the stack: the
        # helper must be the culprit, or the cell fails.
        r = self.rec("helper_loop+0x4/0x20")
        r["frames"][2] = "helper_loop"
        self.assertEqual(matrix.judge(soft, r, tails={"helper_loop"})[0],
                         "pass")
        r = self.rec("direct_entry+0x4/0x20")
        r["frames"][2] = "helper_loop"
        result, reason = matrix.judge(soft, r, tails={"helper_loop"})
        self.assertEqual(result, "fail")
        self.assertIn("not helper_loop", reason)
        # Into machinery that waits: the culprit's frame is gone, n/a.
        r["frames"][2] = "queued_spin_lock_slowpath"
        self.assertEqual(matrix.judge(
            soft, r, tails={"queued_spin_lock_slowpath"})[0], "n/a")
        # Into the allocator's free path, whose check traps on behalf of
        # its caller: gone too.
        r["frames"][2] = "kmem_cache_free"
        self.assertEqual(matrix.judge(
            soft, r, tails={"kmem_cache_free"})[0], "n/a")

    def test_lkdtm_says_why_a_type_cannot_crash(self):
        cell = matrix.default_cell("ARRAY_BOUNDS")
        said = ("lkdtm: This is probably expected, since this kernel (6.1.192 "
                "x86_64) was built *without* CONFIG_UBSAN_BOUNDS=y\n")
        self.assertRegex(said, cell.xfail[0])
        self.assertNotRegex("lkdtm: Attempting slab linear overflow ...",
                            cell.xfail[0])
        cell = matrix.default_cell("ACCESS_USERSPACE")
        self.assertRegex("flags\t\t: fpu de pse smep", cell.absent[0])
        self.assertNotRegex("flags\t\t: fpu smep smap de", cell.absent[0])
        # arm64: cpuinfo never lists PAN; only a boot that never says it
        # detected PAN proves the CPU lacks it. 32-bit arm is not arm64.
        arm64 = "Features\t: fp asimd evtstrm aes crc32 cpuid\n"
        self.assertRegex("CPU features: detected: 32-bit EL0 Support\n"
                         + arm64, cell.absent[0])
        self.assertNotRegex("CPU features: detected: Privileged Access "
                            "Never\n" + arm64, cell.absent[0])
        self.assertNotRegex("Features\t: half thumb fastmult vfp edsp neon\n",
                            cell.absent[0])
        # A check that reports and never crashes, passed by Debian's
        # INIT_ON_ALLOC_DEFAULT_ON.
        cell = matrix.default_cell("SLAB_INIT_ON_ALLOC")
        self.assertRegex("lkdtm: Memory appears initialized (0, no earlier "
                         "values)\n", cell.xfail[0])
        # What only KASAN is sure to catch still runs: n/a only when it
        # did not crash.
        self.assertEqual(matrix.default_cell("KFENCE_READ_AFTER_FREE").quiet[0],
                         "CONFIG_KFENCE")
        cell = matrix.default_cell("SLAB_FREE_DOUBLE")
        self.assertFalse(cell.needs)
        self.assertEqual(cell.quiet[0], "CONFIG_KASAN")

    def test_a_type_that_does_not_crash_fails_unless_the_table_says_why(self):
        for c in matrix.CELLS:
            self.assertTrue(c.why, c.name)
            if c.xfail:
                self.assertTrue(c.xfail[1], c.name)


class Arm61(Matrix, unittest.TestCase):
    BOARD, KVER = "arm", "6.1"


class Arm612(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "arm", "6.12", FEW


class Arm6461(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "arm64", "6.1", FEW


class X8661(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "x86_64", "6.1", FEW


if __name__ == "__main__":
    unittest.main()
