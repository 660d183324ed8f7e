"""Guests: a busybox initramfs with the run's command (and modules), QEMU on
a file-backed RAM that outlives the process, and the power cut between two
QEMU processes on the same file.
"""
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import CACHE, ensure_packages, foreign_deb, host_deb_arch, run, sha
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


def flash_file(nvram_file):
    """The NOR flash of a flash board, beside its RAM file."""
    return Path(f"{nvram_file}.nor")


def efi_vars_file(nvram_file):
    """The UEFI variable store of a firmware board, beside its RAM file."""
    return Path(f"{nvram_file}.vars")


def ovmf():
    """Debian's OVMF (2 MiB build: 56 KiB of variables): (code, the
    variable store as shipped)."""
    d = foreign_deb("amd64", "ovmf") / "usr/share/OVMF"
    return d / "OVMF_CODE.fd", d / "OVMF_VARS.fd"


def qemu_cmd(b, nvram_file, *extra, ram=RAM, nic="none"):
    serials = [a for s in b.serials for a in ("-serial", s)]
    flash = []
    if b.firmware == "ovmf":
        code, blank = ovmf()
        store = efi_vars_file(nvram_file)
        if not store.exists():
            shutil.copyfile(blank, store)
        flash = ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={code}",
                 "-drive", f"if=pflash,format=raw,unit=1,file={store}"]
    if b.flash:
        size, _ = parse_nvram(f"{b.flash}@0")
        nor = flash_file(nvram_file)
        if not nor.exists() or nor.stat().st_size != size:
            nor.write_bytes(b"\xff" * size)    # erased
        flash = ["-drive", f"if=pflash,format=raw,file={nor}"]
    return [b.qemu, "-M", f"{b.machine},memory-backend=ram", "-cpu", b.cpu,
            "-smp", str(b.smp), "-m", ram, "-object",
            f"memory-backend-file,id=ram,size={ram},mem-path={nvram_file},share=on",
            "-display", "none", "-monitor", "none", *serials,
            "-nic", nic, "-no-reboot", *flash, *extra]


# The flash board's NOR: the partitions of its device tree (offset, size).
FLASH_BASE = 0xe2000000
FLASH_PARTS = (("oops", 0x0, 0x40000), ("lcrt", 0x40000, 0x40000),
               ("data", 0x80000, 0x3f80000))


def flash_dtb(b, out):
    """The kernel's device tree of a flash board, with its NOR and the
    NOR's partitions (fixed-partitions: "oops" for mtdoops, "lcrt",
    "data")."""
    ensure_packages(["device-tree-compiler"])
    src = out / "arch/arm/boot/dts" / f"{b.dtb}.dtb"
    if not src.exists():
        src = out / "arch/arm/boot/dts/xilinx" / f"{b.dtb}.dtb"
    work = CACHE / "guest" / f"{b.name}-dt"
    work.mkdir(parents=True, exist_ok=True)
    dts = run(["dtc", "-q", "-I", "dtb", "-O", "dts", src],
              capture_output=True, text=True).stdout
    size, _ = parse_nvram(f"{b.flash}@0")
    parts = "".join(f"""
\t\t\tpartition@{off:x} {{
\t\t\t\tlabel = "{name}";
\t\t\t\treg = <{off:#x} {n:#x}>;
\t\t\t}};""" for name, off, n in FLASH_PARTS)
    dts += f"""
/ {{
\tflash@{FLASH_BASE:x} {{
\t\tcompatible = "cfi-flash";
\t\treg = <{FLASH_BASE:#x} {size:#x}>;
\t\tbank-width = <1>;
\t\tpartitions {{
\t\t\tcompatible = "fixed-partitions";
\t\t\t#address-cells = <1>;
\t\t\t#size-cells = <1>;{parts}
\t\t}};
\t}};
}};
"""
    # Named by what it holds: a kernel's tree and these partitions.
    key = sha(dts)
    dtb = work / f"{b.dtb}-{key}.dtb"
    if not dtb.exists():
        (work / f"{b.dtb}-{key}.dts").write_text(dts)
        run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb,
             work / f"{b.dtb}-{key}.dts"])
    return dtb


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


def run_until(cmd, timeout, kill_on=()):
    """Run QEMU; kill it (SIGKILL: a power cut) as soon as its output
    matches one of the regular expressions kill_on. Returns (output, exit
    code)."""
    if not kill_on:
        try:
            p = subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout)
            return (p.stdout.decode(errors="replace") +
                    p.stderr.decode(errors="replace")), p.returncode
        except subprocess.TimeoutExpired as e:
            return ((e.stdout or b"").decode(errors="replace") +
                    "\n@@LAB-TIMEOUT\n"), -1
    p = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.set_blocking(p.stdout.fileno(), False)
    out, end, eof, timed_out = b"", time.time() + timeout, False, False
    while p.poll() is None:
        if time.time() >= end:
            p.kill()
            timed_out = True
            break
        if eof:     # the output closed: wait for the end, or the timeout
            time.sleep(0.2)
            continue
        select.select([p.stdout], [], [], 0.2)
        chunk = p.stdout.read()
        if chunk == b"":
            eof = True
        out += chunk or b""
        if chunk and any(re.search(k.encode(), out) for k in kill_on):
            p.kill()
            break
    p.wait()
    out += p.stdout.read() or b""
    p.stdout.close()
    if timed_out:
        return out.decode(errors="replace") + "\n@@LAB-TIMEOUT\n", -1
    return out.decode(errors="replace"), p.returncode


def boot(b, kernel, cpio, nvram_file, bootargs="", timeout=180, dt=False,
         oops_panic=True, kill_on=()):
    """One QEMU process. Returns (console text, exit code, seconds, the
    kernel command line).

    The region is named on the command line, or with dt=True by a
    reserved-memory node in the board's device tree; dt="disabled" gives
    that node status "disabled" (no region then, unless bootargs name
    one)."""
    region = "" if dt or not b.nvram else f"lcrt.nvram={b.nvram}"
    if oops_panic:
        region += " oops=panic"
    append = " ".join(x for x in (f"console={b.console}", DEFAULT_BOOTARGS,
                                  region.strip(), "rdinit=/init", b.bootargs,
                                  bootargs) if x)
    cmd = qemu_cmd(b, nvram_file, "-kernel", kernel, "-initrd", cpio,
                   "-append", append)
    if b.dtb:
        cmd += ["-dtb", flash_dtb(b, Path(kernel).parents[3])]
    elif dt:
        cmd += ["-dtb", region_dtb(b, disabled=dt == "disabled")]
    t0 = time.time()
    # A machine that cannot power itself off ends with the guest's command.
    if not b.poweroff:
        kill_on = (*kill_on, r"@@LAB-END rc=\d+\r?\n")
    text, rc = run_until(cmd, timeout, kill_on)
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
        """A board whose NVRAM (flash, UEFI variables) never held anything."""
        for f in (self.nvram, flash_file(self.nvram),
                  efi_vars_file(self.nvram)):
            if f.exists():
                f.unlink()

    def flash_bytes(self, part="lcrt"):
        """A partition of the board's NOR as a dump of it would give."""
        _, off, size = next(p for p in FLASH_PARTS if p[0] == part)
        with open(flash_file(self.nvram), "rb") as f:
            f.seek(off)
            return f.read(size)

    def flash_write(self, data, part="lcrt", offset=0):
        """Write bytes into a partition of the NOR, as another user could."""
        _, off, size = next(p for p in FLASH_PARTS if p[0] == part)
        with open(flash_file(self.nvram), "r+b") as f:
            f.seek(off + offset)
            f.write(data[:size - offset])

    def region_bytes(self):
        """The NVRAM region as the host sees it in the file after a power
        cut; on a flash board, the "lcrt" partition of the NOR; on a UEFI
        board, the file of the firmware's variable store."""
        if self.board.flash:
            return self.flash_bytes()
        if self.board.firmware:
            return efi_vars_file(self.nvram).read_bytes()
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
            files=(), kill_on=()):
        """Boot, run cmd in the guest, return (guest output, console, rc).

        guest output is None when the command did not finish (a crash).
        files are put in /lab/ of the guest."""
        work, cpio = initramfs(self.board, cmd, self.modules, files)
        try:
            extra = " ".join(x for x in (os.environ.get("BOOTARGS", ""),
                                         bootargs) if x)
            console, rc, secs, self.last_cmdline = boot(
                self.board, self.kernel, cpio, self.nvram, extra, dt=dt,
                kill_on=kill_on,
                oops_panic=oops_panic, timeout=timeout)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.last_seconds = secs
        m = re.search(r"@@LAB-BEGIN\n(.*)@@LAB-END rc=(\d+)", console, re.S)
        if not m:
            return None, console, rc
        return m.group(1), console, int(m.group(2))
