"""LCRT in UEFI variables: the x86_64-efi board (the x86_64 kernel started
by Debian's OVMF; its variable store a file that QEMU writes as the
firmware programs its flash) with a real power cut.

lcrt.test_cut=N:0 stops the panic before its Nth variable write reaches the
firmware, N:1 right after it ("lcrt_test: power cut"); the lab kills QEMU
on that line. A panic's writes, in order: 1 the pending mark (the slot's
variable holds the record header: torn), 2 the record.
"""
import json
import subprocess
import unittest

from labtest import TOOL, BoardGuest, frames, guest
CUT = r"lcrt_test: power cut"
EFIVARS = "/sys/firmware/efi/efivars"
# Another vendor's variables, to fill the store (efivarfs: 4 bytes of
# attributes, then the data, in one write).
FILL_GUID = "3c2a1f5e-7d4b-4e8a-9c6d-2b1a0f9e8d7c"


def fill_cmd(r):
    """Variables of 4000, then 1000, then 200 bytes until efivarfs refuses
    one (names Fill<r>_<n>: a variable of an earlier boot is immutable)."""
    return (f"mount -t efivarfs none {EFIVARS}; n=0; "
            "for size in 4000 1000 200; do "
            "  { printf '\\007\\000\\000\\000'; head -c $size /dev/zero; } "
            "      > /tmp/v; "
            "  while dd if=/tmp/v bs=8192 2>/dev/null "
            f"      of={EFIVARS}/Fill{r}_$n-{FILL_GUID}; "
            "  do n=$((n+1)); done; n=$((n+1)); "
            "done; echo filled $n")


class EfiTests(BoardGuest):
    BOARD = "x86_64-efi"

    def decode(self, rc=0):
        """lcrt decode of the variable store file: its JSON, the records
        first, then one {offset, slot, error} per torn or corrupt one."""
        p = subprocess.run([TOOL, "decode", "--all", "--json",
                            guest.efi_vars_file(self.guest.nvram)],
                           capture_output=True)
        self.assertEqual(p.returncode, rc, p.stderr.decode(errors="replace"))
        return json.loads(p.stdout)

    def test_a_crash_in_uefi_variables_is_read_back_and_cleared(self):
        self.guest.power_on_fresh()
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        st = self.status(out)
        self.assertEqual((st["medium"], st["records"]), ("efi", "0"), out)
        self.assertIn("no crash record", out)
        self.assertIn("Kernel panic", self.crash())
        # The power cut: a new QEMU process on the same variable store.
        out = self.sh("cat /sys/kernel/lcrt/status; cat /proc/lcrt")
        st = self.status(out)
        self.assertEqual((st["medium"], st["records"], st["torn"]),
                         ("efi", "1", "0"), out)
        self.assertEqual(frames(out)[0][1], "lkdtm_EXCEPTION", out)
        self.assertRegex(out, r"\nculprit: lkdtm_EXCEPTION\+")
        # The panic's follow-up reached the variable too.
        self.assertRegex(out, r"reason:\s+.*Fatal exception")
        # The host reads the same record from the firmware's file.
        recs = self.decode()
        self.assertEqual([r["seq"] for r in recs], [1], recs)
        self.assertEqual(recs[0]["frames"][0]["function"], "lkdtm_EXCEPTION")
        # clear deletes the variable (the work writes it: a moment); the
        # header variable keeps the numbers and the boots going.
        out = self.sh("echo clear > /sys/kernel/lcrt/control; sleep 1; "
                      "cat /proc/lcrt")
        self.assertIn("no crash record", out)
        self.assertEqual(self.decode(rc=2), [])
        out = self.sh("cat /sys/kernel/lcrt/status")
        st = self.status(out)
        self.assertEqual((st["records"], st["next_seq"], st["boot_count"]),
                         ("0", "2", "5"), out)

    def test_power_cuts_leave_the_previous_record_and_this_one_torn(self):
        """A cut before the mark leaves record 1 alone; a cut after the
        mark, before the record, leaves record 2 torn and 1 whole."""
        self.guest.power_on_fresh()
        self.crash("PANIC")
        for cut, torn in (("1:0", "0"), ("2:0", "1")):
            with self.subTest(cut=cut):
                console = self.crash("PANIC", kill_on=(CUT,),
                                     bootargs=f"lcrt.test_cut={cut}")
                self.assertIn(CUT, console)
                self.assertNotIn("Rebooting", console)
                # The kernel reads the torn one back (the last cut only:
                # the host's decode of the file says the same).
                if torn == "1":
                    out = self.sh("cat /sys/kernel/lcrt/status")
                    st = self.status(out)
                    self.assertEqual((st["records"], st["torn"],
                                      st["corrupt"]), ("1", torn, "0"), out)
                recs = self.decode(rc=0)
                self.assertEqual([r["seq"] for r in recs if "seq" in r], [1],
                                 recs)
                self.assertEqual(len([r for r in recs if "error" in r]),
                                 int(torn), recs)

    def test_a_full_variable_store_is_refused_at_boot(self):
        """Another user fills the store (efivarfs refuses a write that
        leaves less than the kernel keeps free): the next boot takes no
        variable, says why, and boots on."""
        self.guest.power_on_fresh()
        # Twice: the firmware frees what was deleted at the next boot.
        for r in range(2):
            out = self.sh(fill_cmd(r), timeout=600)
            self.assertRegex(out, r"filled [1-9]\d*", out)
        out, console, _ = self.guest.run(
            "ls /sys/kernel/lcrt/ /proc/lcrt 2>&1; dmesg | grep 'lcrt:'")
        self.assertIsNotNone(out, console[-3000:])
        self.assertRegex(out, r"UEFI variables: the store is full \(\d+ bytes "
                              r"free of \d+, a crash needs \d+", out)
        self.assertNotIn("UEFI variables: 4 slots", out)
        self.assertRegex(out, r"/proc/lcrt: No such file", out)


class EfiOvmf(EfiTests, unittest.TestCase):
    pass


if __name__ == "__main__":
    unittest.main()
