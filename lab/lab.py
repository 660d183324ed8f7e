#!/usr/bin/env python3
"""The LCRT lab: one tool from a vendor kernel package to a crash record.

  deps -> vendor source (KVER) -> series applied -> kernel built for a board
       -> busybox initramfs -> QEMU boot on a file-backed NVRAM -> crash
       -> a new QEMU process on the same file (the power cut) -> read back

One job per module: common.py (paths, Debian), boards.py (boards and options
as data), series.py (the quilt series), kernels.py (trees, builds, modules,
KUnit), guest.py (initramfs, QEMU), matrix.py (the crash matrix); for the
systemd board, rootfs.py (Debian bookworm, debootstrap, the ext4 image) and
sysguest.py (systemd boots, the journal collector).

Vendor interface (environment or make variables):
  KERNEL_SRC=DIR        a vendor tree that already has the series applied
  KVER=6.1|6.12         Debian's vendor kernel (default 6.1)
  BOARD=arm|arm64|x86_64|...  the board (lab/boards.py)
  GUEST_CMD='...'       a shell command run in the guest, byte for byte
  BOOTARGS='...'        added to the kernel command line of every boot
  CRASH_BOOTARGS='...'  added to the first (crashing) boot only
  MODULE=DIR            an out-of-tree module built against the board's
                        kernel; its .ko files are in the guest's /lab/modules/
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import JOBS, ROOT, ensure_packages, log  # noqa: E402
import boards  # noqa: E402
import guest  # noqa: E402
import kernels  # noqa: E402
import series  # noqa: E402


def sparse(b, kv=None):
    """sparse (make C=2) over drivers/misc/lcrt, compiled again: the files
    it checked and the warnings sparse and the compiler printed about
    LCRT's own files."""
    ensure_packages(["sparse"])
    tree, out, kv = kernels.build_kernel(b, kv)
    # Compile LCRT again, so that the compiler's warnings are seen too.
    for obj in (out / "drivers/misc/lcrt").glob("*.o"):
        obj.unlink()
    p = subprocess.run(["make", f"-j{JOBS}", "-C", tree, f"O={out}",
                        f"ARCH={b.arch}", f"CROSS_COMPILE={b.cross}", "C=2",
                        "drivers/misc/lcrt/"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"lab: sparse build failed:\n{p.stdout}{p.stderr}")
    checked = re.findall(r"CHECK\s+\S*drivers/misc/lcrt/(\S+)", p.stdout)
    warnings = [l for l in (p.stdout + p.stderr).splitlines()
                if "drivers/misc/lcrt/" in l and
                re.search(r": (warning|error):", l)]
    return checked, warnings


def series_in_sync():
    return series.series_in_sync(kernels.pristine_trees())


# --------------------------------------------------------------------------
# commands

def cmd_deps(args):
    boards.deps()


def cmd_patches(args):
    names = series.generate_series(ROOT, kernels.pristine_trees())
    for stale in (ROOT / "patches").glob("*.patch"):
        if stale.name not in names:
            stale.unlink()
    log(f"wrote series with {len(names)} patches")


def cmd_check_patches(args):
    problems = series_in_sync()
    if problems:
        sys.exit("lab: out of sync with the sources (run 'make patches'): "
                 + ", ".join(problems))
    log("series and patches/ are in sync with the sources")


def cmd_lint(args):
    failed = False
    for kv in boards.KVERS:
        bad = {n: t for n, t in
               series.checkpatch(kernels.patched_tree(kv)).items() if t}
        for n, t in bad.items():
            print(f"checkpatch {n}:\n{t}")
        checked, warnings = sparse(boards.board(args.board), kv)
        print("\n".join(warnings))
        log(f"{kv}: checkpatch: {len(bad)} patches with problems; sparse: "
            f"{len(checked)} files checked, {len(warnings)} warnings")
        failed |= bool(bad or warnings or not checked)
    sys.exit(1 if failed else 0)


def cmd_kunit(args):
    failed = 0
    for kv in (args.kver or ",".join(boards.KVERS)).split(","):
        for arch in (args.arch or ",".join(kernels.KUNIT_ARCHES)).split(","):
            p, f, text, sk = kernels.kunit(arch, kv)
            print(text if f else "\n".join(
                l for l in text.splitlines() if "Testing complete" in l))
            log(f"kunit on {arch} {kv}: {p} passed, {f} failed, {sk} skipped")
            failed += f
    sys.exit(1 if failed else 0)


def cmd_kernel(args):
    kernels.build_kernel(boards.board(args.board))


def cmd_run(args):
    b = boards.board(args.board)
    if b.rootfs == "systemd":
        # One device kept across runs: its RAM file and its disk.
        import sysguest
        g = sysguest.SysGuest(kernels.CACHE / "run" / f"{b.name}-{kernels.kver()}",
                              b.name, keep_disk=True)
    else:
        g = guest.Guest(args.board)
    out, console, rc = g.run(args.cmd)
    print(console)


def cmd_rootfs(args):
    """The systemd guest's root filesystem (lab/rootfs.py): debootstrap
    once, then the image with the tool as make install puts it."""
    import rootfs
    b = boards.board(args.board or os.environ.get("BOARD") or "x86_64-systemd")
    if b.rootfs != "systemd":
        sys.exit(f"lab: {b.name} boots the busybox initramfs, it has no root filesystem")
    img = rootfs.image(b)
    stamp = dict(l.split(" ", 1) for l in (rootfs.base_dir(b) / ".lab-debootstrap")
                 .read_text().splitlines()[1:] if " " in l)
    log(f"{img.relative_to(ROOT)}: {img.stat().st_blocks * 512 / 2**20:.0f} MiB on "
        f"disk; its base took debootstrap {stamp.get('seconds', '?')} s, "
        f"{int(stamp.get('bytes', 0)) / 2**20:.0f} MiB")


def cmd_demo(args):
    t_all = time.time()
    g = guest.Guest(args.board)
    crash = os.environ.get("GUEST_CMD") or guest.DEFAULT_CRASH
    crash_args = os.environ.get("CRASH_BOOTARGS", "")
    g.power_on_fresh()
    print(f"=== {g.board.name} {g.kver}, boot 1: {crash}"
          + (f"\n=== first boot only: {crash_args}" if crash_args else ""))
    out, console, rc = g.run(crash, bootargs=crash_args)
    said = console.split("@@LAB-BEGIN\n", 1)
    if len(said) > 1:
        print("=== what the guest said (and the kernel, after the crash):")
        print("\n".join(said[1].splitlines()[:60]))
    else:
        tail = console.strip().splitlines()[-25:]
        print("=== the boot did not reach the shell:")
        print("\n".join("  | " + l for l in tail))
    if out is not None:
        print(f"=== the command finished (rc={rc}) without crashing the kernel:")
        print(out.rstrip())
    print(f"=== QEMU exited after {g.last_seconds:.1f} s; power cut; boot 2")
    region = g.region_bytes()
    out, console, rc = g.run("cat /proc/lcrt; echo '--- clear'; "
                             "echo clear > /sys/kernel/lcrt/control && "
                             "cat /proc/lcrt")
    if out is None:
        print(console)
        sys.exit("demo: the second boot did not reach the shell")
    print("$ cat /proc/lcrt")
    print(out.split("--- clear")[0].rstrip())
    print("$ echo clear > /sys/kernel/lcrt/control; cat /proc/lcrt")
    print(out.split("--- clear")[-1].strip())
    # What the tool adds off the device: the same region, as the host reads
    # it from the NVRAM file, decoded with the vmlinux (file:line, arguments).
    import tool
    dec = subprocess.run([tool.host_tool(), "decode", "--vmlinux",
                          g.out / "vmlinux", "-"], input=region,
                         capture_output=True)
    print("=== off the device: lcrt decode --vmlinux vmlinux (the NVRAM file, the flash partition or the UEFI variable store)")
    print((dec.stdout + dec.stderr).decode(errors="replace").rstrip())
    print(f"=== demo done in {time.time() - t_all:.0f} s")
    if "LCRT record" not in out:
        sys.exit("demo: no crash record after the power cut")
    if not os.environ.get("GUEST_CMD") and not crash_args and \
            not re.search(r"^\s+#\d+\s+lkdtm_EXCEPTION\+", out, re.M):
        sys.exit("demo: the record does not name lkdtm_EXCEPTION")


def cmd_prefixes(args):
    """Build each prefix of the series (from the first driver patch on) on
    a board: every patch must leave a kernel that builds and links."""
    import shutil
    b = boards.board(args.board)    # --board, else BOARD, else the default
    kv = kernels.kver()
    names = (ROOT / "series").read_text().split()
    tree = kernels.CACHE / "src" / f"linux-{kv}-prefix"
    out = kernels.CACHE / "build" / f"prefix-{b.name}-{kv}"
    for n in range(2, len(names) + 1):
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["cp", "-al", kernels.pristine_tree(kv), tree], check=True)
        series.apply_series(tree, upto=n)
        for name in ("patches", "series", ".pc"):
            p = tree / name
            if p.is_symlink():
                p.unlink()
            elif p.exists():
                shutil.rmtree(p)
        kernels.configure(b, tree, out, kv)
        log(f"building {kv} with patches 1-{n} ({names[n - 1]})")
        p = kernels.kmake(b, tree, out, "olddefconfig", Path(b.image).name,
                          capture=True, check=False)
        warn = [l for l in (p.stdout + p.stderr).splitlines()
                if "drivers/misc/lcrt/" in l]
        if p.returncode or warn:
            print(p.stdout[-3000:], p.stderr[-3000:])
            sys.exit(f"lab: patches 1-{n} do not build cleanly")
    shutil.rmtree(tree, ignore_errors=True)
    log(f"every prefix of the series builds on {b.name} {kv}")


def cmd_matrix(args):
    import matrix
    sys.exit(matrix.main(args))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in [("deps", cmd_deps), ("patches", cmd_patches),
                     ("check-patches", cmd_check_patches),
                     ("kernel", cmd_kernel), ("demo", cmd_demo),
                     ("rootfs", cmd_rootfs),
                     ("lint", cmd_lint), ("prefixes", cmd_prefixes)]:
        p = sub.add_parser(name)
        p.add_argument("--board", default=None)
        p.set_defaults(fn=fn)
    p = sub.add_parser("kunit", help="the KUnit suites under UML and QEMU")
    p.add_argument("--arch", default=None, help="um,arm,arm64,x86_64 (default: all)")
    p.add_argument("--kver", default=None, help="6.1,6.12 (default: both)")
    p.set_defaults(fn=cmd_kunit)
    p = sub.add_parser("run", help="boot once and run a guest command")
    p.add_argument("--board", default=None)
    p.add_argument("cmd")
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("matrix", help="the crash matrix")
    p.add_argument("--boards", default="arm,arm64,x86_64,nor,x86_64-efi")
    p.add_argument("--kvers", default=",".join(boards.KVERS))
    p.add_argument("--crashes", default=None,
                   help="only these cells (names of the table's cells or of "
                        "LKDTM types), replacing theirs in --out")
    p.add_argument("--retry", default=None, metavar="WHY",
                   help="with --crashes: the cells are run a second time, "
                        "and their rows say so, and why")
    p.add_argument("--types", default=os.environ.get("MATRIX_TYPES", "all"),
                   help="all: every LKDTM type the kernel lists (default); "
                        "table: only the cells of lab/matrix.py's table")
    p.add_argument("--out", default=str(ROOT / "matrix"),
                   help="folder for matrix.md and matrix.json")
    p.add_argument("--systemd", default="also", choices=("also", "no", "only"),
                   help="the systemd guest's QEMU tests on each --kvers "
                        "(x86_64-systemd: collect at boot, the fleet): also "
                        "(default), no, or only them (the cells kept)")
    p.set_defaults(fn=cmd_matrix)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
