"""LCRT on NOR flash: the nor board (QEMU xilinx-zynq-a9, AMD CFI NOR as a
raw file, partition "lcrt" of the device tree) with a real power cut.

The flash file is written by QEMU as the guest programs it, so killing QEMU
(SIGKILL) in the middle of a panic's writes leaves what a power cut would.
lcrt.test_cut=N:B lets B bytes of the Nth write of the panic reach the chip,
prints "lcrt_test: power cut" and stops; the lab kills QEMU on that line.
The writes of an oops that panics (oops=panic), in order: 1 the pending
word, 2 the rest of the mark, 3 the body, 4 the commit word; then the
panic's follow-up: 5 its pending word, 6 its body, 7 its commit word.
"""
import json
import struct
import subprocess
import unittest

from labtest import DIRECT, TOOL, BoardGuest, frames, guest
CUT = r"lcrt_test: power cut"
BLOCK = 128 * 1024        # the zynq NOR's erase block
FLASH_MAGIC = 0x4652434c  # "LCRF"


class FlashTests(BoardGuest):
    BOARD = "nor"

    def decode(self, data, *args, rc=0):
        """lcrt decode of a dump of the partition: its JSON, the records
        first, then one {offset, slot, error} per torn or corrupt one."""
        p = subprocess.run([TOOL, "decode", "--all", "--json", *args, "-"],
                           input=data, capture_output=True)
        self.assertEqual(p.returncode, rc, p.stderr.decode(errors="replace"))
        return json.loads(p.stdout)

    def block_headers(self, data):
        """{block: (slot_size, nslots, next_seq, erase_count)} of the
        partition's formatted blocks."""
        out = {}
        for b in range(len(data) // BLOCK):
            h = data[b * BLOCK:b * BLOCK + 48]
            magic, _, _, _, size, block, _, slot, nslots, seq, erases, _ = \
                struct.unpack("<IIHHIIIIIQII", h)
            if magic == FLASH_MAGIC and block == b:
                out[b] = (slot, nslots, seq, erases)
        return out

    def test_a_crash_on_the_nor_is_read_back_after_the_power_cut(self):
        self.guest.power_on_fresh()
        out = self.sh("sleep 1; cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        st = self.status(out)
        self.assertEqual(st["medium"], "mtd", out)
        self.assertEqual(st["records"], "0", out)
        self.assertIn("no crash record", out)
        # The erase-ahead formatted both blocks of the fresh partition.
        heads = self.block_headers(self.guest.flash_bytes())
        self.assertEqual(sorted(heads), [0, 1], heads)
        self.assertEqual({h[:2] for h in heads.values()}, {(1024, 4)})
        console = self.crash()
        self.assertIn("Kernel panic", console)
        # The power cut: a new QEMU process on the same flash file.
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        st = self.status(out)
        self.assertEqual((st["medium"], st["records"], st["torn"]),
                         ("mtd", "1", "0"), out)
        fr = frames(out)
        self.assertEqual(fr[0][1], "lkdtm_EXCEPTION", out)
        self.assertRegex(out, r"\nculprit: lkdtm_EXCEPTION\+")
        self.assertRegex(out, r"reason:\s+.*Fatal exception")
        # The host reads the same record from a dump of the partition.
        recs = self.decode(self.guest.flash_bytes())
        self.assertEqual([r["seq"] for r in recs], [1], recs)
        self.assertEqual(recs[0]["frames"][0]["function"], "lkdtm_EXCEPTION")
        # ... and from the whole NOR file, given the partition's offset
        # (after mtdoops' partition), and not at another.
        whole = guest.flash_file(self.guest.nvram).read_bytes()
        at = dict((n, o) for n, o, _ in guest.FLASH_PARTS)["lcrt"]
        self.assertGreater(at, 0)
        recs = self.decode(whole, "--offset", str(at))
        self.assertEqual([r["seq"] for r in recs], [1], recs)
        p = subprocess.run([TOOL, "decode", "--offset", str(at + BLOCK), "-"],
                           input=whole, capture_output=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(b"no LCRT flash partition at offset", p.stderr)

    def test_power_cuts_leave_the_previous_record_and_this_one_torn(self):
        """A cut in the mark, the body and the commit word (several bytes
        into each) leaves record 1 whole and record 2 torn, never another
        record nor a corrupt one; a cut in the follow-up keeps the oops."""
        cuts = {(1, 2): "torn", (2, 0): "torn", (3, 0): "torn",
                (3, 300): "torn", (4, 0): "torn", (4, 1): "torn",
                (4, 3): "torn", (6, 100): "whole", (7, 2): "whole"}
        for (n, nbytes), want in cuts.items():
            with self.subTest(cut=f"{n}:{nbytes}"):
                self.guest.power_on_fresh()
                self.sh("sleep 1")     # the erase-ahead formats the blocks
                self.crash()
                console = self.crash(bootargs=f"lcrt.test_cut={n}:{nbytes}",
                                     kill_on=(CUT,))
                self.assertIn(CUT, console)
                self.assertNotIn("Rebooting", console)
                out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
                st = self.status(out)
                recs = self.decode(self.guest.flash_bytes())
                seqs = [r["seq"] for r in recs if "seq" in r]
                bad = [r["error"] for r in recs if "error" in r]
                if want == "torn":
                    self.assertEqual((st["records"], st["torn"],
                                      st["corrupt"]), ("1", "1", "0"), out)
                    self.assertRegex(out, r"the newest record \(slot \d+\) "
                                          r"is torn")
                    self.assertEqual(seqs, [1], recs)
                    self.assertEqual(len(bad), 1, recs)
                    # The seq of the torn one is said once its whole mark is out.
                    self.assertRegex(bad[0], r"^torn: the write of " +
                                     ("record 2" if n >= 3 else "a record"))
                else:
                    # The oops record is whole; its follow-up is torn.
                    self.assertEqual((st["records"], st["torn"],
                                      st["corrupt"]), ("2", "0", "0"), out)
                    self.assertEqual(seqs, [1, 2], recs)
                    self.assertEqual(bad, [], recs)
                    self.assertRegex(out, r"what followed is lost: torn")
                if (n, nbytes) == (4, 3):
                    # The next crash goes to another erased slot, whole.
                    self.crash()
                    out = self.sh("cat /sys/kernel/lcrt/status")
                    st = self.status(out)
                    self.assertEqual((st["records"], st["torn"],
                                      st["next_seq"]), ("2", "1", "4"), out)

    def test_a_crash_before_the_erase_ahead_programs_nothing(self):
        """Old data everywhere in the partition and no erase-ahead yet
        (lcrt.test_no_erase): the crash finds no erased slot and programs
        nothing, where mtdoops would program over the data. Once the blocks
        are erased ahead, crashes are kept."""
        self.guest.power_on_fresh()
        self.sh("true")
        old = bytes((i * 7 + 3) & 0xff for i in range(0x40000))
        self.guest.flash_write(old)
        console = self.crash(bootargs="lcrt.test_no_erase")
        self.assertIn("Kernel panic", console)
        self.assertEqual(self.guest.flash_bytes(), old,
                         "the panic programmed over data")
        out = self.sh("sleep 1; cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        st = self.status(out)
        self.assertEqual((st["records"], st["corrupt"]), ("0", "0"), out)
        self.assertEqual(sorted(self.block_headers(self.guest.flash_bytes())),
                         [0, 1])
        self.crash()
        out = self.sh("cat /proc/lcrt")
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION", out)

    def test_an_oops_that_does_not_panic_is_written_from_process_context(self):
        self.guest.power_on_fresh()
        crash = (f"sleep 1; sh -c 'echo EXCEPTION > {DIRECT}'; sleep 2; "
                 "echo @@AFTER; cat /sys/kernel/lcrt/status")
        out = self.sh(crash, oops_panic=False).split("@@AFTER")[-1]
        self.assertEqual(self.status(out)["records"], "1", out)
        # It is on the flash: after the power cut the next boot reads it.
        recs = self.decode(self.guest.flash_bytes())
        self.assertEqual([r["seq"] for r in recs], [1], recs)
        out = self.sh("cat /proc/lcrt")
        self.assertRegex(out, r"event:\s+oops")
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION", out)

    def test_clear_erases_the_block_from_process_context(self):
        self.guest.power_on_fresh()
        self.sh("sleep 1")
        self.crash()
        before = self.block_headers(self.guest.flash_bytes())
        out = self.sh("echo clear > /sys/kernel/lcrt/control; sleep 2; "
                      "cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        self.assertEqual(self.status(out)["records"], "0", out)
        self.assertIn("no crash record", out)
        data = self.guest.flash_bytes()
        self.assertEqual(self.decode(data, rc=2), [])
        after = self.block_headers(data)
        # The record's block was erased again (one more erase), the floor
        # of sequence numbers kept: the next record is 2, never 1 again.
        erased = [b for b in after if after[b][3] == before[b][3] + 1]
        self.assertEqual(len(erased), 1, (before, after))
        self.assertEqual(after[erased[0]][2], 2)
        out = self.sh("cat /sys/kernel/lcrt/status")
        self.assertEqual(self.status(out)["next_seq"], "2", out)
        # A word that is not a control word is refused and erases nothing.
        self.crash()
        data = self.guest.flash_bytes()
        out = self.sh("echo clearr > /sys/kernel/lcrt/control; echo rc=$?; "
                      "sleep 2; cat /sys/kernel/lcrt/status")
        self.assertIn("rc=1", out)
        self.assertEqual(self.status(out)["records"], "1", out)
        self.assertEqual(self.guest.flash_bytes(), data)


class FlashNor(FlashTests, unittest.TestCase):
    pass


if __name__ == "__main__":
    unittest.main()
