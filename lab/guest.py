"""Guests: a busybox initramfs with the run's command (and modules), QEMU on
a file-backed RAM that outlives the process, and the power cut between two
QEMU processes on the same file.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import CACHE, ensure_packages, foreign_deb, host_deb_arch, run
from boards import board
import kernels

RAM = "256M"
DEFAULT_BOOTARGS = "panic=-1"   # and oops=panic, unless a run says not
DEFAULT_CRASH = "echo EXCEPTION > /sys/kernel/debug/provoke-crash/DIRECT"

GUEST_INIT = r"""#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "@@LAB-BEGIN"
sh /lab/cmd
echo "@@LAB-END rc=$?"
poweroff -f
"""


def busybox(b):
    """Debian's busybox-static for the guest architecture."""
    if b.deb_arch == host_deb_arch():
        ensure_packages(["busybox-static"])
        return Path("/bin/busybox")
    return foreign_deb(b.deb_arch, "busybox-static") / "bin" / "busybox"


def gen_init_cpio():
    tool = CACHE / "bin" / "gen_init_cpio"
    if not tool.exists():
        src = kernels.pristine_tree() / "usr/gen_init_cpio.c"
        tool.parent.mkdir(parents=True, exist_ok=True)
        run(["cc", "-O2", "-o", tool, src])
    return tool


def initramfs(b, cmd, modules=(), files=()):
    """The base image (busybox, /init), the command of this run, byte for
    byte, modules under /lab/modules/ and other files under /lab/."""
    tool = gen_init_cpio()
    bb = busybox(b)
    work = Path(tempfile.mkdtemp(prefix=f"{b.name}-", dir=CACHE / "guest"))
    (work / "init").write_text(GUEST_INIT)
    (work / "cmd").write_bytes(cmd.encode("utf-8", "surrogateescape") + b"\n")
    entries = [
        "dir /dev 0755 0 0", "nod /dev/console 0600 0 0 c 5 1",
        "dir /proc 0755 0 0", "dir /sys 0755 0 0", "dir /tmp 1777 0 0",
        "dir /bin 0755 0 0", "dir /sbin 0755 0 0", "dir /lab 0755 0 0",
        "dir /lab/modules 0755 0 0",
        f"file /bin/busybox {bb} 0755 0 0", "slink /bin/sh busybox 0777 0 0",
        f"file /init {work / 'init'} 0755 0 0",
        f"file /lab/cmd {work / 'cmd'} 0755 0 0",
    ]
    entries += [f"file /lab/modules/{Path(m).name} {m} 0644 0 0"
                for m in modules]
    entries += [f"file /lab/{Path(f).name} {f} 0755 0 0" for f in files]
    (work / "list").write_text("\n".join(entries) + "\n")
    cpio = work / "initramfs.cpio"
    with open(cpio, "wb") as f:
        run([tool, work / "list"], stdout=f)
    return work, cpio


def parse_nvram(spec):
    size, addr = spec.split("@")
    mult = {"K": 1 << 10, "M": 1 << 20}.get(size[-1].upper(), 1)
    return int(size.rstrip("KkMm"), 0) * mult, int(addr, 0)


def qemu_cmd(b, nvram_file, *extra, ram=RAM, nic="none"):
    return [b.qemu, "-M", f"{b.machine},memory-backend=ram", "-cpu", b.cpu,
            "-smp", str(b.smp), "-m", ram, "-object",
            f"memory-backend-file,id=ram,size={ram},mem-path={nvram_file},share=on",
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-nic", nic, "-no-reboot", *extra]


def region_dtb(b, disabled=False):
    """The board's own device tree plus a reserved-memory node for LCRT
    (with status "disabled": one that reserves nothing)."""
    ensure_packages(["device-tree-compiler"])
    work = CACHE / "guest" / f"{b.name}-dt"
    work.mkdir(parents=True, exist_ok=True)
    name = "lcrt-disabled" if disabled else "lcrt"
    dtb = work / f"{name}.dtb"
    if dtb.exists():
        return dtb
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "virt.dtb"
        cmd = qemu_cmd(b, Path(tmp) / "ram")
        cmd[2] += f",dumpdtb={base}"
        run(cmd, capture_output=True)
        dts = run(["dtc", "-q", "-I", "dtb", "-O", "dts", base],
                  capture_output=True, text=True).stdout
    size, addr = parse_nvram(b.nvram)
    status = '\t\t\tstatus = "disabled";\n' if disabled else ""
    dts += f"""
/ {{
\treserved-memory {{
\t\t#address-cells = <2>;
\t\t#size-cells = <2>;
\t\tranges;
\t\tlcrt@{addr:x} {{
\t\t\tcompatible = "linux,lcrt";
\t\t\treg = <0x0 {addr:#x} 0x0 {size:#x}>;
{status}\t\t}};
\t}};
}};
"""
    (work / f"{name}.dts").write_text(dts)
    run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb,
         work / f"{name}.dts"])
    return dtb


def boot(b, kernel, cpio, nvram_file, bootargs="", timeout=180, dt=False,
         oops_panic=True):
    """One QEMU process. Returns (console text, exit code, seconds, the
    kernel command line).

    The region is named on the command line, or with dt=True by a
    reserved-memory node in the board's device tree; dt="disabled" gives
    that node status "disabled" (no region then, unless bootargs name
    one)."""
    region = "" if dt else f"lcrt.nvram={b.nvram}"
    if oops_panic:
        region += " oops=panic"
    append = " ".join(x for x in (f"console={b.console}", DEFAULT_BOOTARGS,
                                  region.strip(), "rdinit=/init", b.bootargs,
                                  bootargs) if x)
    cmd = qemu_cmd(b, nvram_file, "-kernel", kernel, "-initrd", cpio,
                   "-append", append)
    if dt:
        cmd += ["-dtb", region_dtb(b, disabled=dt == "disabled")]
    t0 = time.time()
    try:
        p = subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        text = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode(errors="replace") + "\n@@LAB-TIMEOUT\n"
        rc = -1
    return text.replace("\r\n", "\n"), rc, time.time() - t0, append


class Guest:
    """A board with a built kernel and an NVRAM file that outlives QEMU.

    BOOTARGS (environment) go to every boot; MODULE=DIR is built against
    the kernel and its .ko files are put in /lab/modules/ of every boot."""

    def __init__(self, board_name=None, nvram_file=None, kver=None,
                 modules=()):
        self.board = board(board_name)
        self.tree, self.out, self.kver = kernels.build_kernel(self.board, kver)
        self.kernel = self.out / self.board.image
        run_dir = CACHE / "run" / f"{self.board.name}-{self.kver}"
        run_dir.mkdir(parents=True, exist_ok=True)
        (CACHE / "guest").mkdir(parents=True, exist_ok=True)
        self.nvram = Path(nvram_file) if nvram_file else run_dir / "ram.img"
        self.modules = []
        for src in list(modules) + ([os.environ["MODULE"]]
                                    if os.environ.get("MODULE") else []):
            self.modules += kernels.build_module(self.board, self.tree,
                                                 self.out, src)
        self.last_seconds = 0.0
        self.last_cmdline = ""

    def power_on_fresh(self):
        """A board whose NVRAM has never held anything."""
        if self.nvram.exists():
            self.nvram.unlink()

    def region_bytes(self):
        """The NVRAM region as the host sees it in the file after a power cut."""
        size, addr = parse_nvram(self.board.nvram)
        with open(self.nvram, "rb") as f:
            f.seek(addr - self.board.ram_base)
            return f.read(size)

    def fill(self, data):
        """Write bytes over the region, as another user of it could."""
        size, addr = parse_nvram(self.board.nvram)
        with open(self.nvram, "r+b") as f:
            f.seek(addr - self.board.ram_base)
            f.write(data[:size])

    def kexec_helper(self):
        """lab/kexec/kexec-crash.c built for the guest (no libc needed)."""
        src = Path(__file__).resolve().parent / "kexec" / "kexec-crash.c"
        out = self.out / "lab-kexec" / "kexec-crash"
        out.parent.mkdir(exist_ok=True)
        if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
            run([f"{self.board.cross}gcc", "-static", "-nostdlib", "-O2",
                 "-ffreestanding", "-fno-builtin", "-fno-stack-protector",
                 "-fno-tree-loop-distribute-patterns", "-o", out, src])
        return out

    def poke(self, offset, xor):
        """Damage one byte of the region, as a flaky NVRAM cell would."""
        size, addr = parse_nvram(self.board.nvram)
        with open(self.nvram, "r+b") as f:
            f.seek(addr - self.board.ram_base + offset)
            byte = f.read(1)[0]
            f.seek(addr - self.board.ram_base + offset)
            f.write(bytes([byte ^ xor]))

    def run(self, cmd, bootargs="", dt=False, oops_panic=True, timeout=180,
            files=()):
        """Boot, run cmd in the guest, return (guest output, console, rc).

        guest output is None when the command did not finish (a crash).
        files are put in /lab/ of the guest."""
        work, cpio = initramfs(self.board, cmd, self.modules, files)
        try:
            extra = " ".join(x for x in (os.environ.get("BOOTARGS", ""),
                                         bootargs) if x)
            console, rc, secs, self.last_cmdline = boot(
                self.board, self.kernel, cpio, self.nvram, extra, dt=dt,
                oops_panic=oops_panic, timeout=timeout)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.last_seconds = secs
        m = re.search(r"@@LAB-BEGIN\n(.*)@@LAB-END rc=(\d+)", console, re.S)
        if not m:
            return None, console, rc
        return m.group(1), console, int(m.group(2))
