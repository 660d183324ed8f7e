"""Vendor kernel trees and kernels: Debian's linux-source-<kver>, the series
applied, a board's config, the build, out-of-tree modules, KUnit.

KVER=6.1|6.12 picks the vendor kernel; KERNEL_SRC=DIR a tree of the vendor's
own that already has the series applied.
"""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import CACHE, JOBS, ROOT, ensure_packages, log, run, sha
from boards import KVERS, deps, fragment, parse_config
import series


def kver(value=None):
    v = value or os.environ.get("KVER") or KVERS[0]
    if v not in KVERS:
        sys.exit(f"lab: unknown KVER={v!r} (known: {', '.join(KVERS)})")
    return v


def pristine_tree(kv=None):
    """Debian's linux-source package, extracted once and never modified."""
    kv = kver(kv)
    ensure_packages([f"linux-source-{kv}"])
    dst = CACHE / "src" / f"linux-source-{kv}"
    stamp = dst / ".lab-extracted"
    if not stamp.exists():
        log(f"extracting linux-source-{kv}")
        shutil.rmtree(dst, ignore_errors=True)
        dst.parent.mkdir(parents=True, exist_ok=True)
        run(["tar", "-C", dst.parent, "-xf", f"/usr/src/linux-source-{kv}.tar.xz"])
        stamp.touch()
    return dst


def pristine_trees():
    return [pristine_tree(kv) for kv in KVERS]


def series_files():
    """The kernel paths the series touches."""
    files = set()
    for p in (ROOT / "patches").glob("*.patch"):
        files |= set(re.findall(r"^\+\+\+ b/(\S+)", p.read_text(), re.M))
    return files


def patched_tree(kv=None):
    """The pristine tree with the current series applied: a hard-linked
    copy (patch writes new files, never into the pristine ones). When the
    series changes, only the files whose contents change are rewritten, so
    that builds of it stay incremental."""
    kv = kver(kv)
    src = pristine_tree(kv)
    dst = CACHE / "src" / f"linux-{kv}-lcrt"
    want = sha(*(p.read_bytes() for p in
                 [ROOT / "series"] + sorted((ROOT / "patches").glob("*"))))
    stamp = dst / ".lab-series"
    if stamp.exists() and stamp.read_text() == want:
        return dst
    tmp = CACHE / "src" / f"linux-{kv}-lcrt.new"
    shutil.rmtree(tmp, ignore_errors=True)
    run(["cp", "-al", src, tmp])
    log(f"applying the series to {kv}")
    series.apply_series(tmp)
    if not dst.exists():
        tmp.rename(dst)
    else:
        files = series_files() | {str(p.relative_to(dst)) for p in
                                  (dst / "drivers/misc/lcrt").rglob("*")
                                  if p.is_file()}
        old = dst / ".lab-files"
        if old.exists():
            files |= set(old.read_text().split())
        for f in sorted(files):
            new, cur = tmp / f, dst / f
            if new.exists():
                if not cur.exists() or cur.read_bytes() != new.read_bytes():
                    cur.parent.mkdir(parents=True, exist_ok=True)
                    if cur.exists():
                        cur.unlink()   # it may be a link to the pristine file
                    shutil.copy2(new, cur)
            elif cur.exists():
                cur.unlink()
        shutil.rmtree(tmp)
    for name in ("patches", "series", ".pc"):
        p = dst / name
        if p.is_symlink() or p.is_file():
            p.unlink()
        elif p.is_dir():
            shutil.rmtree(p)
    (dst / ".lab-files").write_text("\n".join(sorted(series_files())) + "\n")
    stamp.write_text(want)
    return dst


def tree_version(tree):
    mk = (tree / "Makefile").read_text()
    v = re.search(r"^VERSION = (\d+)", mk, re.M).group(1)
    p = re.search(r"^PATCHLEVEL = (\d+)", mk, re.M).group(1)
    return f"{v}.{p}"


def kernel_tree(kv=None):
    """(tree, kver, tag): KERNEL_SRC when given, else the patched vendor
    tree. The tag names build folders."""
    ext = os.environ.get("KERNEL_SRC")
    if ext:
        tree = Path(ext).resolve()
        if not (tree / "Makefile").exists():
            sys.exit(f"lab: KERNEL_SRC={ext} is not a kernel tree")
        if not (tree / "drivers/misc/lcrt").is_dir():
            sys.exit(f"lab: KERNEL_SRC={ext} has no drivers/misc/lcrt: "
                     "apply the series first (quilt push -a)")
        v = tree_version(tree)
        return tree, (v if v in KVERS else kver(kv)), f"ext-{sha(str(tree))}"
    kv = kver(kv)
    return patched_tree(kv), kv, kv


def kmake(b, tree, out, *targets, capture=False, check=True):
    return run(["make", "-s", f"-j{JOBS}", "-C", tree, f"O={out}",
                f"ARCH={b.arch}", f"CROSS_COMPILE={b.cross}",
                f"KCFLAGS={b.kcflags}", *targets],
               capture_output=capture, text=True, check=check)


def configure(b, tree, out, kv):
    frag, must = fragment(b, kv)
    fpath = out / "lab.fragment"
    if (out / ".config").exists() and fpath.exists() and \
            fpath.read_text() == frag:
        return
    out.mkdir(parents=True, exist_ok=True)
    fpath.write_text(frag)
    log(f"configuring {b.name} {kv} (allnoconfig + lab/boards"
        f"{' + Debian options' if b.vendor else ''})")
    run(["make", "-s", "-C", tree, f"O={out}", f"ARCH={b.arch}",
         f"CROSS_COMPILE={b.cross}", f"KCONFIG_ALLCONFIG={fpath}",
         "allnoconfig"])
    have = parse_config((out / ".config").read_text())
    lost = []
    for line in frag.splitlines():
        m = re.fullmatch(r"(CONFIG_\w+)=(.*)", line)
        if m and have.get(m.group(1)) != m.group(2):
            lost.append(line)
        m = re.fullmatch(r"# (CONFIG_\w+) is not set", line)
        if m and have.get(m.group(1), "n") != "n":
            lost.append(line)
    if lost:
        (out / ".config").unlink()
        sys.exit(f"lab: {b.name} {kv}: the kernel did not take these options "
                 "(unmet dependencies?): " + ", ".join(lost))


def build_dir(b, tag):
    return CACHE / "build" / f"{b.kernel_of or b.name}-{tag}"


def built_image(b, kv=None):
    """The board's kernel image if a build left one (KERNEL_SRC's or the
    vendor tree's, as kernel_tree() names its folder), without preparing a
    tree or building anything; else None."""
    ext = os.environ.get("KERNEL_SRC")
    tag = f"ext-{sha(str(Path(ext).resolve()))}" if ext else kver(kv)
    img = build_dir(b, tag) / b.image
    return img if img.exists() else None


def dtb_target(b, tree):
    """The make target of the board's device tree (6.5 moved arm's into
    vendor folders)."""
    vendor = Path(tree) / "arch/arm/boot/dts/xilinx"
    return f"xilinx/{b.dtb}.dtb" if vendor.is_dir() else f"{b.dtb}.dtb"


def build_kernel(b, kv=None):
    """Configure and build the board's kernel; returns (tree, out, kver)."""
    deps(b)
    tree, kv, tag = kernel_tree(kv)
    out = build_dir(b, tag)
    configure(b, tree, out, kv)
    log(f"building the {b.name} {kv} kernel in {out.relative_to(ROOT)}")
    t0 = time.time()
    targets = [Path(b.image).name]
    if "CONFIG_MODULES=y" in (out / ".config").read_text().splitlines():
        targets.append("modules")
    if b.dtb:
        targets.append(dtb_target(b, tree))
    kmake(b, tree, out, *targets)
    log(f"kernel built in {time.time() - t0:.0f} s")
    return tree, out, kv


def build_module(b, tree, out, src):
    """Build the out-of-tree module folder src (a Kbuild dir) against the
    board's kernel, in a copy under the build folder. Returns its .ko files."""
    src = Path(src).resolve()
    if not src.is_dir():
        sys.exit(f"lab: MODULE={src} is not a folder")
    if "CONFIG_MODULES=y" not in (out / ".config").read_text().splitlines():
        sys.exit(f"lab: the {b.name} kernel has no module support")
    work = out / "lab-modules" / src.name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(src, work)
    log(f"building the module {src} for {b.name}")
    p = kmake(b, tree, out, f"M={work}", "modules", capture=True, check=False)
    if p.returncode != 0:
        sys.exit(f"lab: MODULE={src} did not build:\n{p.stdout}{p.stderr}")
    kos = sorted(work.rglob("*.ko"))
    if not kos:
        sys.exit(f"lab: MODULE={src} built no .ko")
    return kos


# kunit.py, as documented: run --kunitconfig=drivers/misc/lcrt, nothing
# added but the arch's QEMU and cross compiler.
KUNIT_ARCHES = {
    "um": [],
    "arm": ["--arch=arm", "--cross_compile=arm-linux-gnueabihf-"],
    "arm64": ["--arch=arm64", "--cross_compile=aarch64-linux-gnu-"],
    "x86_64": ["--arch=x86_64"],
}
KUNIT_PKGS = {"arm": ["gcc-arm-linux-gnueabihf", "qemu-system-arm"],
              "arm64": ["gcc-aarch64-linux-gnu", "qemu-system-arm"],
              "x86_64": ["qemu-system-x86"], "um": []}


def kunit(arch="um", kv=None):
    """kunit.py run --kunitconfig=drivers/misc/lcrt on the patched tree,
    under UML or QEMU. Returns (passed, failed, output, skipped)."""
    ensure_packages(KUNIT_PKGS[arch])
    tree, kv, tag = kernel_tree(kv)
    out = CACHE / "build" / f"kunit-{arch}-{tag}"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["python3", "tools/testing/kunit/kunit.py", "run",
           "--kunitconfig=drivers/misc/lcrt", f"--build_dir={out}",
           f"--jobs={JOBS}", "--timeout=300"] + KUNIT_ARCHES[arch]
    log(f"kunit.py on {arch} {kv}")
    p = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    text = p.stdout + p.stderr
    passed, failed, skipped = kunit_counts(text)
    if passed is None:
        return 0, 1, text, 0
    if p.returncode != 0 and not failed:
        failed = 1
    return passed, failed, text, skipped


def kunit_counts(text):
    """(passed, failed, skipped) from kunit.py's summary line ("Ran N
    tests: passed: P, failed: F, crashed: C, skipped: S, errors: E", each
    count only when not zero): crashes and errors count as failures, a
    skipped test never as a pass. (None, 0, 0) without a summary."""
    m = re.search(r"Ran (\d+) tests?: (.*)", text)
    if not m:
        return None, 0, 0
    n = {k: int(v) for k, v in re.findall(r"(\w+): (\d+)", m.group(2))}
    return (n.get("passed", 0),
            n.get("failed", 0) + n.get("crashed", 0) + n.get("errors", 0),
            n.get("skipped", 0))
