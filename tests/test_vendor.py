"""The vendor interface, used as a vendor would: through make.

GUEST_CMD reaches the guest byte for byte, sleep sleeps, MODULE=DIR puts a
module built against the board's kernel in /lab/modules/, CRASH_BOOTARGS go
to the crashing boot only, KVER picks the kernel.
"""
import os
import re
import subprocess
import unittest

from labtest import ROOT, common, frames

KVER = os.environ.get("KVER") or "6.1"


def make_demo(**env):
    """make demo with these make variables on the command line."""
    args = ["make", "-s", "demo"] + [f"{k}={v}" for k, v in env.items()]
    clean = {k: v for k, v in os.environ.items()
             if k not in ("GUEST_CMD", "BOOTARGS", "CRASH_BOOTARGS", "MODULE",
                          "KERNEL_SRC")}
    p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                       env=clean)
    return p.returncode, p.stdout + p.stderr


class VendorInterface(unittest.TestCase):
    def test_guest_cmd_reaches_the_guest_byte_for_byte(self):
        cmd = ("x='it'\"'\"'s'; echo \"$x\" '$HOME' \"a  b\"; false; "
               "echo rc=$?; t0=$(date +%s); sleep 2; echo slept=$(( $(date +%s) - t0 )); "
               "echo PANIC > /sys/kernel/debug/provoke-crash/DIRECT")
        rc, out = make_demo(BOARD="arm", KVER=KVER, GUEST_CMD=cmd)
        self.assertEqual(rc, 0, out[-3000:])
        self.assertIn(f"boot 1: {cmd}\n", out)
        self.assertIn("it's $HOME a  b\n", out)
        self.assertIn("rc=1\n", out)
        self.assertRegex(out, r"slept=[23]\n")
        self.assertEqual(frames(out)[0][1], "lkdtm_PANIC", out[-3000:])
        # The demo ends with what the tool adds off the device: the same
        # record decoded with the vmlinux, each frame's file:line.
        host = out.split("=== off the device: lcrt decode --vmlinux vmlinux")[-1]
        self.assertRegex(host, r"#0\s+lkdtm_PANIC\+0x[0-9a-f]+/0x[0-9a-f]+ \[0x[0-9a-f]+\]"
                               r".* drivers/misc/lkdtm/bugs\.c:\d+\n")
        self.assertRegex(host, r"debug:\s+\S+/vmlinux \(--vmlinux\)")

    def test_a_module_crash_is_named_with_its_module(self):
        rc, out = make_demo(BOARD="arm", KVER=KVER,
                            MODULE="lab/modules/lcrt_crash",
                            GUEST_CMD="insmod /lab/modules/lcrt_crash.ko crash=oops")
        self.assertEqual(rc, 0, out[-3000:])
        # The record carries the build-id of the .ko that crashed, as the
        # ELF note of the file the lab built says it.
        ko = common.CACHE / "build" / f"arm-{KVER}" / "lab-modules" / \
            "lcrt_crash" / "lcrt_crash.ko"
        notes = subprocess.run(["readelf", "-n", str(ko)], capture_output=True,
                               text=True, check=True).stdout
        build_id = re.search(r"Build ID: ([0-9a-f]{40})", notes).group(1)
        self.assertRegex(out, rf"module:\s+lcrt_crash build-id {build_id}\n")
        self.assertRegex(out, r"#0\s+lcrt_crash_write(\.\w+\.\d+)*\+0x[0-9a-f]+/0x[0-9a-f]+ "
                              r"\[lcrt_crash\]")
        self.assertRegex(out, r"#\d+\s+lcrt_crash_oops(\.\w+\.\d+)*\+0x[0-9a-f]+/0x[0-9a-f]+ "
                              r"\[lcrt_crash\]")

    def test_crash_bootargs_crash_the_first_boot_only(self):
        rc, out = make_demo(BOARD="arm", KVER=KVER,
                            CRASH_BOOTARGS="lkdtm.cpoint_name=DIRECT "
                                           "lkdtm.cpoint_type=BUG")
        self.assertEqual(rc, 0, out[-3000:])
        self.assertRegex(out, r"event:\s+BUG")
        names = [f[1] for f in frames(out)]
        self.assertIn("lkdtm_BUG", names, out[-3000:])
        self.assertIn("do_one_initcall", names, out[-3000:])   # during boot
        # The second boot came up and cleared it.
        self.assertRegex(out, r"cat /proc/lcrt\nno crash record")

    def test_unknown_kver_and_board_are_clear_errors(self):
        rc, out = make_demo(KVER="5.4")
        self.assertNotEqual(rc, 0)
        self.assertIn("unknown KVER='5.4'", out)
        rc, out = make_demo(BOARD="sparc")
        self.assertNotEqual(rc, 0)
        self.assertIn("unknown board 'sparc'", out)


if __name__ == "__main__":
    unittest.main()
