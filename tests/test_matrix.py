"""A cross-section of the crash matrix (make matrix runs all of it): every
cell on the paper's platform (the arm vendor board, 6.1), and a few cells on
each other vendor board x kernel."""
import re
import unittest

import labtest  # noqa: F401  (puts lab/ on the path)
import matrix

# Cells that may be n/a, and the reason they must give.
MAY_BE_NA = {
    "HARDLOCKUP": r"no hardlockup detector|does not list|needs a PMU|"
                  r"culprit not knowable",
    "UNALIGNED_LOAD_STORE_WRITE": r"no panic with these knobs",
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
    """How a cell is judged, on made-up records (no QEMU)."""
    SOFT = next(c for c in matrix.CELLS if c.name == "SOFTLOCKUP")
    MAP = ("c033e000 T lkdtm_LOOP\nc033e000 T lkdtm_SOFTLOCKUP\n"
           "c033e010 t direct_entry\nc033e010 t other_name_here\n"
           "c033e020 T lkdtm_BUG\n")

    def rec(self, *frames, pc=0xc033e004):
        return {"event": "watchdog", "reason": "softlockup: hung tasks",
                "raw": 300, "bytes": 300, "pc": pc,
                "addrs": [0xc0100000 + i for i in range(len(frames) - 2)] +
                         [0xc033e004, 0xc033e014],
                "context": "hardirq", "cpu": 0, "frames": list(frames)}

    def test_a_folded_function_is_its_aliases(self):
        rec = self.rec("watchdog_timer_fn", "lkdtm_LOOP", "direct_entry")
        self.assertEqual(matrix.judge(self.SOFT, rec)[0], "fail")
        alias = matrix.aliases(self.MAP)
        self.assertNotIn("lkdtm_BUG", alias)
        self.assertEqual(matrix.judge(self.SOFT, rec, alias=alias)[0], "pass")

    def test_a_lockup_keeps_the_interrupted_registers(self):
        alias = matrix.aliases(self.MAP)
        rec = self.rec("watchdog_timer_fn", "lkdtm_SOFTLOCKUP", "direct_entry",
                       pc=0)
        result, reason = matrix.judge(self.SOFT, rec, alias=alias)
        self.assertEqual(result, "fail")
        self.assertIn("interrupted context", reason)

    def test_the_caller_is_not_the_culprit(self):
        rec = self.rec("watchdog_timer_fn", "__irq_svc", "direct_entry")
        alias = matrix.aliases(self.MAP)
        self.assertEqual(matrix.judge(self.SOFT, rec, alias=alias)[0], "fail")

    def test_a_watchdog_ignores_the_console_site(self):
        rec = self.rec("watchdog_timer_fn", "direct_entry")
        self.assertEqual(matrix.judge(self.SOFT, rec, site="direct_entry")[0],
                         "fail")


class Arm61(Matrix, unittest.TestCase):
    BOARD, KVER = "arm", "6.1"


class Arm612(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "arm", "6.12", FEW


class Arm6461(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "arm64", "6.1", FEW


class Arm64612(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "arm64", "6.12", FEW


class X8661(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "x86_64", "6.1", FEW


class X86612(Matrix, unittest.TestCase):
    BOARD, KVER, CELLS = "x86_64", "6.12", FEW


if __name__ == "__main__":
    unittest.main()
