"""What the QEMU tests share: the lab, a board's guest per test class, and
readers of what a guest says."""
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lab"))

import boards  # noqa: E402,F401
import common  # noqa: E402
import guest  # noqa: E402,F401
import kernels  # noqa: E402,F401
import series  # noqa: E402,F401

TOOL = ROOT / "userspace" / "build" / "lcrt"
common.CACHE.mkdir(parents=True, exist_ok=True)
(common.CACHE / "guest").mkdir(parents=True, exist_ok=True)
DIRECT = "/sys/kernel/debug/provoke-crash/DIRECT"


def tmpdir():
    return tempfile.TemporaryDirectory(dir=common.CACHE)


# The vendor kernel the QEMU tests boot (KVER, default 6.1).
KVER = os.environ.get("KVER") or "6.1"


class BoardGuest:
    """A test class's guest: BOARD's kernel on KVER, with a RAM file (and a
    flash file) of its own that outlive each QEMU process."""

    BOARD = "arm"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tmpdir()
        cls.guest = guest.Guest(cls.BOARD, Path(cls.tmp.name) / "ram.img",
                                kver=KVER)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def crash(self, what="EXCEPTION", **kw):
        """Crash the guest through LKDTM; its console."""
        out, console, _ = self.guest.run(f"echo {what} > {DIRECT}", **kw)
        self.assertIsNone(out, "the kernel did not crash:\n" + console[-2000:])
        return console

    def status(self, text):
        """The "key value" lines of /sys/kernel/lcrt/status, as a dict."""
        return dict(re.findall(r"^(\w+) (.*)$", text, re.M))

    def sh(self, cmd, **kw):
        """The output of cmd, which must finish (no crash)."""
        out, console, _ = self.guest.run(cmd, **kw)
        self.assertIsNotNone(out, "the guest did not finish:\n" + console[-3000:])
        return out


def frames(text):
    """[(index, function, offset/size)] of the crashing CPU's call chain in
    a /proc/lcrt or lcrt text (not the other CPUs' chains below it)."""
    m = re.search(r"^call chain.*\n((?:[ \t].*\n?)*)", text, re.M)
    return [(int(m.group(1)), m.group(2), m.group(3)) for m in
            re.finditer(r"^\s+#(\d+)\s+(\w[\w.]*)\+(0x[0-9a-f]+/0x[0-9a-f]+)",
                        m.group(1) if m else "", re.M)]


def console_pc(console):
    """The faulting function+offset/size as the oops on the console says."""
    m = re.search(r"PC is at (\w[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)", console) or \
        re.search(r"pc : (\w[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)", console) or \
        re.search(r"RIP: 0010:(\w[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)", console)
    return m.group(1) if m else None


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
