#!/usr/bin/env python3
"""The LCRT lab: one tool from a vendor kernel package to a crash record.

  deps -> vendor source -> series applied -> kernel built for a board
       -> busybox initramfs -> QEMU boot on a file-backed NVRAM -> crash
       -> a new QEMU process on the same file (the power cut) -> read back

Everything downloaded or built is cached under .lab/ (git-ignored), so a
rerun takes seconds. Vendor interface (environment or make variables):
  KERNEL_SRC=DIR   a vendor tree that already has the series applied
  GUEST_CMD='...'  a shell command to run in the guest instead of the crash
  BOOTARGS='...'   added to the kernel command line
  BOARD=arm        the board (see BOARDS)
"""
import argparse
import dataclasses
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".lab"
KVER = "6.1"
JOBS = str(os.cpu_count() or 2)

APT_PACKAGES = [
    "linux-source-6.1", "quilt", "sparse", "bc", "bison", "flex", "cpio",
    "xz-utils", "libssl-dev", "libelf-dev", "device-tree-compiler", "kmod",
    "python3", "make", "gcc", "g++", "cmake", "clang-format", "clang-tidy",
    "busybox-static", "libcli11-dev",
    "nlohmann-json3-dev", "libgtest-dev", "zlib1g-dev", "libdw-dev",
]


@dataclasses.dataclass(frozen=True)
class Board:
    """What differs from one QEMU board to another: data, not code."""
    arch: str
    cross: str
    gcc_pkg: str
    qemu: str
    qemu_pkg: str
    machine: str
    cpu: str
    console: str
    image: str
    deb_arch: str
    ram_base: int        # guest physical address of the RAM file's byte 0
    nvram: str           # lcrt.nvram=SIZE@ADDR, inside the guest's RAM
    bootargs: str = ""
    variant: str = ""    # lab/boards/<arch>-<variant>.config on top
    kcflags: str = ""    # KCFLAGS for the kernel build

    @property
    def name(self):
        return f"{self.arch}-{self.variant}" if self.variant else self.arch


BOARDS = {
    "arm": Board(arch="arm", cross="arm-linux-gnueabihf-",
                 gcc_pkg="gcc-arm-linux-gnueabihf",
                 qemu="qemu-system-arm", qemu_pkg="qemu-system-arm",
                 machine="virt", cpu="cortex-a15", console="ttyAMA0",
                 image="arch/arm/boot/zImage", deb_arch="armhf",
                 ram_base=0x40000000, nvram="4K@0x4ff00000"),
    "arm64": Board(arch="arm64", cross="aarch64-linux-gnu-",
                   gcc_pkg="gcc-aarch64-linux-gnu",
                   qemu="qemu-system-aarch64", qemu_pkg="qemu-system-arm",
                   machine="virt", cpu="cortex-a57", console="ttyAMA0",
                   image="arch/arm64/boot/Image", deb_arch="arm64",
                   ram_base=0x40000000, nvram="4K@0x4ff00000"),
    "x86_64": Board(arch="x86_64", cross="", gcc_pkg="gcc",
                    qemu="qemu-system-x86_64", qemu_pkg="qemu-system-x86",
                    machine="pc", cpu="qemu64", console="ttyS0",
                    image="arch/x86/boot/bzImage", deb_arch="amd64",
                    ram_base=0, nvram="4K@0xf000000"),
}
# The paper's method: no kallsyms, names from GCC's -mpoke-function-name.
BOARDS["arm-poke"] = dataclasses.replace(BOARDS["arm"], variant="poke",
                                         kcflags="-mpoke-function-name")
# No frame pointers: the kernel's unwinder (arm unwind tables), no windows.
BOARDS["arm-unwind"] = dataclasses.replace(BOARDS["arm"], variant="unwind")

RAM = "256M"
DEFAULT_BOOTARGS = "panic=-1"   # and oops=panic, unless a test says not
DEFAULT_CRASH = ("echo EXCEPTION > /sys/kernel/debug/provoke-crash/DIRECT")

# The quilt series, generated from the project's files. New files are copied
# from the project tree; hooks are the few edits to existing kernel files.
AUTHOR = "LCRT developers <lcrt-devel@lists.lcrt.dev>"


@dataclasses.dataclass(frozen=True)
class Hook:
    path: str
    text: str            # lines to add
    after: str = ""      # insert after the first line equal to this
    before: str = ""     # insert before the last line equal to this
    sorted_section: bool = False  # MAINTAINERS: keep the entries in order


@dataclasses.dataclass(frozen=True)
class Patch:
    name: str
    subject: str
    body: str
    files: tuple         # (project path, kernel path)
    hooks: tuple = ()


def _driver_files():
    """The driver, and its KUnit tests (kunit/ in the project) beside it."""
    d = ROOT / "drivers/misc/lcrt"
    files = [(str(p.relative_to(ROOT)), str(p.relative_to(ROOT)))
             for p in sorted(d.iterdir()) if p.is_file()]
    files += [(str(p.relative_to(ROOT)), f"drivers/misc/lcrt/{p.name}")
              for p in sorted((ROOT / "kunit").glob("*.c"))]
    return tuple(files)


MAINTAINERS_ENTRY = """LCRT - LINUX CRASH RECORD AND TRACE
M:\tLCRT developers <lcrt-devel@lists.lcrt.dev>
S:\tMaintained
F:\tDocumentation/ABI/testing/sysfs-kernel-lcrt
F:\tDocumentation/admin-guide/lcrt.rst
F:\tDocumentation/devicetree/bindings/reserved-memory/linux,lcrt.yaml
F:\tdrivers/misc/lcrt/
F:\tinclude/uapi/linux/lcrt.h
"""


def series_spec():
    return [
        Patch("0001-lcrt-add-the-crash-record-format.patch",
              "lcrt: add the on-media crash record format",
              "LCRT (Linux Crash Record and Trace) keeps a compact record of\n"
              "every kernel crash in non-volatile memory. Define the record\n"
              "once, in a uapi header, so that the kernel writer and the\n"
              "user-space readers share one definition.",
              (("include/uapi/linux/lcrt.h", "include/uapi/linux/lcrt.h"),)),
        Patch("0002-dt-bindings-reserved-memory-add-lcrt.patch",
              "dt-bindings: reserved-memory: add the LCRT NVRAM region",
              "Describe the reserved-memory node that tells LCRT where its\n"
              "non-volatile crash record region is.",
              (("Documentation/devicetree/bindings/reserved-memory/linux,lcrt.yaml",
                "Documentation/devicetree/bindings/reserved-memory/linux,lcrt.yaml"),)),
        Patch("0003-misc-lcrt-add-the-crash-recorder.patch",
              "misc: lcrt: record kernel crashes in NVRAM",
              "Add LCRT, a built-in driver that hooks the die and panic\n"
              "notifier chains, unwinds the call chain of the crash and writes\n"
              "one record of at most a byte budget (1 KiB by default) into a\n"
              "slot of an NVRAM region. After the reset /proc/lcrt shows the\n"
              "newest record and /sys/kernel/lcrt/control clears them.\n\n"
              "KUnit tests cover the record encoding and the call chain walker:\n"
              "kunit.py run --kunitconfig=drivers/misc/lcrt",
              _driver_files(),
              (Hook("drivers/misc/Kconfig", 'source "drivers/misc/lcrt/Kconfig"\n',
                    before="endmenu"),
               Hook("drivers/misc/Makefile", "obj-$(CONFIG_LCRT)\t\t+= lcrt/\n"),
               Hook("MAINTAINERS", MAINTAINERS_ENTRY + "\n",
                    sorted_section=True))),
        Patch("0004-docs-lcrt-add-the-admin-guide-and-abi.patch",
              "docs: lcrt: add the admin guide and the sysfs ABI",
              "Document how to configure the LCRT region, the files under\n"
              "/proc and /sys and the record format.",
              (("Documentation/admin-guide/lcrt.rst",
                "Documentation/admin-guide/lcrt.rst"),
               ("Documentation/ABI/testing/sysfs-kernel-lcrt",
                "Documentation/ABI/testing/sysfs-kernel-lcrt")),
              (Hook("Documentation/admin-guide/index.rst", "   lcrt\n",
                    after="   ramoops"),)),
    ]


# --------------------------------------------------------------------------
# helpers

def log(msg):
    print(f"[lab] {msg}", flush=True)


def run(cmd, **kw):
    if isinstance(cmd, str):
        cmd = shlex.split(cmd)
    kw.setdefault("check", True)
    return subprocess.run([str(c) for c in cmd], **kw)


def sha(*parts):
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()[:12]


def board(name=None):
    name = name or os.environ.get("BOARD") or "arm"
    if name not in BOARDS:
        sys.exit(f"lab: unknown board {name!r} (known: {', '.join(BOARDS)})")
    return BOARDS[name]


# --------------------------------------------------------------------------
# deps: everything from Debian's registry, installed by the project itself

def missing_packages(pkgs):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n"]
                         + pkgs, capture_output=True, text=True).stdout
    ok = {l.split()[0] for l in out.splitlines() if l.endswith(" installed")}
    return [p for p in pkgs if p not in ok]


def apt_update(opts, sudo=()):
    """apt-get update; a mirror in mid-sync fails one index now and then,
    which leaves the others usable, so retry a little and go on."""
    for attempt in range(3):
        if subprocess.run([*sudo, "apt-get", *opts, "update", "-q"]).returncode == 0:
            return
        time.sleep(5 * (attempt + 1))
    log("apt-get update reported errors; going on with the indexes it got")


def ensure_packages(pkgs):
    missing = missing_packages(pkgs)
    if not missing:
        return
    log(f"apt-get install {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    apt_update([], sudo)
    run(sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
        + missing, env=env)


def deps(b=None):
    pkgs = list(APT_PACKAGES)
    for bd in ([b] if b else BOARDS.values()):
        pkgs += [bd.gcc_pkg, bd.qemu_pkg]
    ensure_packages(sorted(set(pkgs)))


# --------------------------------------------------------------------------
# vendor source and the series

def pristine_tree():
    """Debian's linux-source package, extracted once and never modified."""
    ensure_packages([f"linux-source-{KVER}"])
    dst = CACHE / "src" / f"linux-source-{KVER}"
    stamp = dst / ".lab-extracted"
    if not stamp.exists():
        log(f"extracting linux-source-{KVER}")
        shutil.rmtree(dst, ignore_errors=True)
        dst.parent.mkdir(parents=True, exist_ok=True)
        run(["tar", "-C", dst.parent, "-xf",
             f"/usr/src/linux-source-{KVER}.tar.xz"])
        stamp.touch()
    return dst


def _insert_hook(text, hook):
    lines = text.splitlines(keepends=True)
    new = hook.text.splitlines(keepends=True)
    if hook.sorted_section:
        title = new[0].rstrip("\n")
        # MAINTAINERS: entries are blank-line separated and titled. The file
        # is not strictly sorted, so go in right after the entry with the
        # greatest title below ours.
        heads = [i for i in range(1, len(lines) - 1)
                 if lines[i - 1] == "\n" and lines[i][:1].isalnum()
                 and re.match(r"[A-Z]:\t", lines[i + 1])]
        below = [i for i in heads if lines[i].upper() < title.upper()]
        if below:
            prev = max(below, key=lambda i: lines[i].upper())
            nxt = next((i for i in heads if i > prev), None)
            if nxt is not None:
                return "".join(lines[:nxt] + new + lines[nxt:])
        raise SystemExit(f"lab: no place for the {hook.path} entry")
    if hook.after:
        i = next((i for i, l in enumerate(lines)
                  if l.rstrip("\n") == hook.after), None)
        if i is None:
            raise SystemExit(f"lab: {hook.path}: no line {hook.after!r}")
        return "".join(lines[:i + 1] + new + lines[i + 1:])
    if hook.before:
        idx = [i for i, l in enumerate(lines) if l.rstrip("\n") == hook.before]
        if not idx:
            raise SystemExit(f"lab: {hook.path}: no line {hook.before!r}")
        i = idx[-1]
        return "".join(lines[:i] + new + lines[i:])
    return text + hook.text


def _diff(old, new, path, tmp):
    a, b = Path(tmp) / "a", Path(tmp) / "b"
    a.write_text(old if old is not None else "")
    b.write_text(new)
    label_a = f"a/{path}" if old is not None else "/dev/null"
    out = subprocess.run(["diff", "-u", "--label", label_a, "--label",
                          f"b/{path}", a if old is not None else "/dev/null",
                          b], capture_output=True, text=True)
    if out.returncode > 1:
        raise SystemExit(out.stderr)
    return out.stdout


def generate_series(outdir, pristine):
    """Write series and patches/ into outdir from the project's files."""
    outdir = Path(outdir)
    (outdir / "patches").mkdir(parents=True, exist_ok=True)
    spec = series_spec()
    names = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, p in enumerate(spec, 1):
            diffs = []
            for path in sorted({h.path for h in p.hooks}):
                old = (pristine / path).read_text()
                new = old
                for h in p.hooks:
                    if h.path == path:
                        new = _insert_hook(new, h)
                diffs.append(_diff(old, new, path, tmp))
            for src, dst in sorted(p.files, key=lambda f: f[1]):
                diffs.append(_diff(None, (ROOT / src).read_text(), dst, tmp))
            text = (f"From: {AUTHOR}\n"
                    f"Subject: [PATCH {n}/{len(spec)}] {p.subject}\n\n"
                    f"{p.body}\n\nSigned-off-by: {AUTHOR}\n---\n"
                    + "".join(diffs))
            (outdir / "patches" / p.name).write_text(text)
            names.append(p.name)
    (outdir / "series").write_text("".join(n + "\n" for n in names))
    return names


def cmd_patches(args):
    names = generate_series(ROOT, pristine_tree())
    for stale in (ROOT / "patches").glob("*.patch"):
        if stale.name not in names:
            stale.unlink()
    log(f"wrote series with {len(names)} patches")


def series_in_sync():
    """Regenerate the series into a temporary folder and compare."""
    with tempfile.TemporaryDirectory() as tmp:
        names = generate_series(tmp, pristine_tree())
        problems = []
        if (Path(tmp) / "series").read_text() != (ROOT / "series").read_text():
            problems.append("series")
        have = {p.name for p in (ROOT / "patches").glob("*.patch")}
        for n in sorted(have | set(names)):
            mine, fresh = ROOT / "patches" / n, Path(tmp) / "patches" / n
            if not mine.exists() or not fresh.exists() or \
                    mine.read_text() != fresh.read_text():
                problems.append(f"patches/{n}")
        return problems


def cmd_check_patches(args):
    problems = series_in_sync()
    if problems:
        sys.exit("lab: out of sync with the sources (run 'make patches'): "
                 + ", ".join(problems))
    log("series and patches/ are in sync with the sources")


def quilt_env():
    return dict(os.environ, QUILT_PATCHES="patches", QUILT_SERIES="series",
                QUILT_DIFF_ARGS="--no-timestamps --no-index -p ab",
                QUILT_REFRESH_ARGS="--no-timestamps --no-index -p ab",
                QUILT_PC=".pc")


def apply_series(tree, series_dir=ROOT):
    """quilt push -a --fuzz=0 of the project's series onto tree."""
    ensure_packages(["quilt"])
    for name in ("patches", "series"):
        link = tree / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path(series_dir) / name)
    out = subprocess.run(["quilt", "push", "-a", "--fuzz=0"], cwd=tree,
                         env=quilt_env(), capture_output=True, text=True)
    if out.returncode != 0 or "fuzz" in out.stdout:
        raise SystemExit(f"lab: the series does not apply cleanly:\n"
                         f"{out.stdout}{out.stderr}")
    return out.stdout


def patched_tree():
    """A copy of the pristine tree with the current series applied."""
    src = pristine_tree()
    dst = CACHE / "src" / f"linux-{KVER}-lcrt"
    want = sha(*(p.read_bytes() for p in
                 [ROOT / "series"] + sorted((ROOT / "patches").glob("*"))))
    stamp = dst / ".lab-series"
    if stamp.exists() and stamp.read_text() == want:
        return dst
    if (dst / ".pc").exists():
        subprocess.run(["quilt", "pop", "-a", "-f", "-q"], cwd=dst,
                       env=quilt_env(), capture_output=True)
    if not dst.exists() or (dst / ".pc" / "applied-patches").exists():
        log("copying the pristine tree")
        shutil.rmtree(dst, ignore_errors=True)
        run(["cp", "-a", src, dst])
    log("applying the series")
    apply_series(dst)
    stamp.write_text(want)
    return dst


def kernel_tree():
    ext = os.environ.get("KERNEL_SRC")
    if ext:
        tree = Path(ext).resolve()
        if not (tree / "Makefile").exists():
            sys.exit(f"lab: KERNEL_SRC={ext} is not a kernel tree")
        if not (tree / "drivers/misc/lcrt").is_dir():
            sys.exit(f"lab: KERNEL_SRC={ext} has no drivers/misc/lcrt: "
                     "apply the series first (quilt push -a)")
        return tree, "ext-" + sha(str(tree))
    return patched_tree(), KVER


def checkpatch():
    """scripts/checkpatch.pl --strict on every patch, in the patched tree.

    Returns {patch name: the problems it printed ('' when clean)}."""
    tree = patched_tree()
    res = {}
    for name in (ROOT / "series").read_text().split():
        out = subprocess.run(["perl", "scripts/checkpatch.pl", "--strict",
                              "--terse", "--no-summary", "--showfile",
                              ROOT / "patches" / name], cwd=tree,
                             capture_output=True, text=True)
        res[name] = (out.stdout + out.stderr).strip()
    return res


def sparse(b):
    """sparse (make C=2) over drivers/misc/lcrt: the warnings it printed
    about LCRT's own files."""
    ensure_packages(["sparse"])
    tree, out = build_kernel(b)
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


KUNIT_ARCHES = {
    # kunit.py's own UML default, and QEMU arm (the paper's platform).
    "um": [],
    "arm": ["--arch=arm", "--cross_compile=arm-linux-gnueabihf-",
            "--kconfig_add", "CONFIG_UNWINDER_FRAME_POINTER=y"],
}


def kunit(arch="um"):
    """kunit.py run --kunitconfig=drivers/misc/lcrt on the tree, under UML
    or QEMU. Returns (passed, failed, output)."""
    tree, tag = kernel_tree()
    out = CACHE / "build" / f"kunit-{arch}-{tag}"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["python3", "tools/testing/kunit/kunit.py", "run",
           "--kunitconfig=drivers/misc/lcrt", f"--build_dir={out}",
           f"--jobs={JOBS}", "--timeout=300",
           "--kconfig_add", "CONFIG_DEBUG_KERNEL=y",
           "--kconfig_add", "CONFIG_FRAME_POINTER=y"] + KUNIT_ARCHES[arch]
    log(f"kunit.py on {arch}")
    p = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    text = p.stdout + p.stderr
    m = re.search(r"Ran (\d+) tests?: passed: (\d+)(?:, failed: (\d+))?", text)
    if not m:
        return 0, 1, text
    passed, failed = int(m.group(2)), int(m.group(3) or 0)
    if p.returncode != 0 and not failed:
        failed = 1
    return passed, failed, text


def cmd_kunit(args):
    failed = 0
    for arch in (args.arch or ",".join(KUNIT_ARCHES)).split(","):
        p, f, text = kunit(arch)
        print(text)
        log(f"kunit on {arch}: {p} passed, {f} failed")
        failed += f
    sys.exit(1 if failed else 0)


def cmd_lint(args):
    bad = {n: t for n, t in checkpatch().items() if t}
    for n, t in bad.items():
        print(f"checkpatch {n}:\n{t}")
    checked, warnings = sparse(board(args.board))
    print("\n".join(warnings))
    log(f"checkpatch: {len(bad)} patches with problems; sparse: "
        f"{len(checked)} files checked, {len(warnings)} warnings")
    if bad or warnings or not checked:
        sys.exit(1)


# --------------------------------------------------------------------------
# kernel, initramfs

def kmake(b, tree, out, *targets, capture=False):
    return run(["make", "-s", f"-j{JOBS}", "-C", tree, f"O={out}",
                f"ARCH={b.arch}", f"CROSS_COMPILE={b.cross}",
                f"KCFLAGS={b.kcflags}", *targets],
               capture_output=capture, text=True)


def fragment(b):
    """common.config, then the arch's, then the variant's; a later line for
    the same symbol wins."""
    names = ["common", b.arch] + ([b.name] if b.variant else [])
    lines = {}
    for name in names:
        for line in (ROOT / "lab/boards" / f"{name}.config").read_text().splitlines():
            m = re.match(r"(?:# )?(CONFIG_\w+)[= ]", line)
            lines[m.group(1) if m else f"#{len(lines)}"] = line
    return "\n".join(lines.values()) + "\n"


def configure(b, tree, out):
    frag = fragment(b)
    fpath = out / "lab.fragment"
    if (out / ".config").exists() and fpath.exists() and \
            fpath.read_text() == frag:
        return
    out.mkdir(parents=True, exist_ok=True)
    fpath.write_text(frag)
    log(f"configuring {b.name} (allnoconfig + lab/boards fragments)")
    run(["make", "-s", "-C", tree, f"O={out}", f"ARCH={b.arch}",
         f"CROSS_COMPILE={b.cross}", f"KCONFIG_ALLCONFIG={fpath}",
         "allnoconfig"])
    config = (out / ".config").read_text()
    have = config.splitlines()
    lost = [l for l in frag.splitlines()
            if l.startswith("CONFIG_") and l not in have]
    lost += [l for l in frag.splitlines()
             if re.fullmatch(r"# (CONFIG_\w+) is not set", l) and
             l.split()[1] + "=y" in have]
    if lost:
        (out / ".config").unlink()
        sys.exit("lab: the kernel dropped fragment options (unmet deps): "
                 + ", ".join(lost))


def build_kernel(b):
    deps(b)
    tree, tag = kernel_tree()
    out = CACHE / "build" / f"{b.name}-{tag}"
    configure(b, tree, out)
    log(f"building the {b.name} kernel in {out.relative_to(ROOT)}")
    t0 = time.time()
    kmake(b, tree, out, Path(b.image).name)
    log(f"kernel built in {time.time() - t0:.0f} s")
    return tree, out


def gen_init_cpio():
    tool = CACHE / "bin" / "gen_init_cpio"
    src = pristine_tree() / "usr/gen_init_cpio.c"
    if not tool.exists():
        tool.parent.mkdir(parents=True, exist_ok=True)
        run(["cc", "-O2", "-o", tool, src])
    return tool


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
    dst = CACHE / "guest" / b.deb_arch
    bb = dst / "bin" / "busybox"
    if bb.exists():
        return bb
    if b.deb_arch == subprocess.run(["dpkg", "--print-architecture"],
                                    capture_output=True, text=True).stdout.strip():
        ensure_packages(["busybox-static"])
        dst.mkdir(parents=True, exist_ok=True)
        (dst / "bin").mkdir(exist_ok=True)
        shutil.copy("/bin/busybox", bb)
        return bb
    log(f"fetching busybox-static:{b.deb_arch}")
    apt = CACHE / "apt" / b.deb_arch
    for d in ("lists/partial", "cache/archives/partial"):
        (apt / d).mkdir(parents=True, exist_ok=True)
    (apt / "status").touch()
    opts = ["-o", f"APT::Architecture={b.deb_arch}",
            "-o", f"APT::Architectures::={b.deb_arch}",
            "-o", f"Dir::State::Lists={apt / 'lists'}",
            "-o", f"Dir::State::status={apt / 'status'}",
            "-o", f"Dir::Cache={apt / 'cache'}"]
    dl = apt / "deb"
    dl.mkdir(exist_ok=True)
    apt_update(opts)
    run(["apt-get", *opts, "download", "busybox-static"], cwd=dl)
    deb = next(dl.glob("busybox-static_*.deb"))
    dst.mkdir(parents=True, exist_ok=True)
    run(["dpkg", "-x", deb, dst])
    return bb


def initramfs(b, cmd):
    """The base image (busybox, /init) plus the command of this run."""
    tool = gen_init_cpio()
    bb = busybox(b)
    work = CACHE / "guest" / f"{b.name}-run"
    work.mkdir(parents=True, exist_ok=True)
    (work / "init").write_text(GUEST_INIT)
    (work / "cmd").write_text(cmd + "\n")
    lst = work / "list"
    lst.write_text(f"""dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
dir /bin 0755 0 0
dir /sbin 0755 0 0
dir /lab 0755 0 0
file /bin/busybox {bb} 0755 0 0
slink /bin/sh busybox 0777 0 0
file /init {work / 'init'} 0755 0 0
file /lab/cmd {work / 'cmd'} 0755 0 0
""")
    cpio = work / "initramfs.cpio"
    with open(cpio, "wb") as f:
        run([tool, lst], stdout=f)
    return cpio


def parse_nvram(spec):
    size, addr = spec.split("@")
    mult = {"K": 1 << 10, "M": 1 << 20}.get(size[-1].upper(), 1)
    return int(size.rstrip("KkMm"), 0) * mult, int(addr, 0)


def qemu_cmd(b, nvram_file, *extra):
    return [b.qemu, "-M", f"{b.machine},memory-backend=ram", "-cpu", b.cpu,
            "-m", RAM, "-object",
            f"memory-backend-file,id=ram,size={RAM},mem-path={nvram_file},share=on",
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-nic", "none", "-no-reboot", *extra]


def region_dtb(b):
    """The board's own device tree plus a reserved-memory node for LCRT."""
    ensure_packages(["device-tree-compiler"])
    work = CACHE / "guest" / f"{b.arch}-dt"
    work.mkdir(parents=True, exist_ok=True)
    dtb = work / "lcrt.dtb"
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
    dts += f"""
/ {{
\treserved-memory {{
\t\t#address-cells = <2>;
\t\t#size-cells = <2>;
\t\tranges;
\t\tlcrt@{addr:x} {{
\t\t\tcompatible = "linux,lcrt";
\t\t\treg = <0x0 {addr:#x} 0x0 {size:#x}>;
\t\t}};
\t}};
}};
"""
    (work / "lcrt.dts").write_text(dts)
    run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, work / "lcrt.dts"])
    return dtb


def boot(b, kernel, cpio, nvram_file, bootargs="", timeout=120, dt=False,
         oops_panic=True):
    """One QEMU process. Returns (console text, exit code, seconds).

    The region is named on the command line, or with dt=True by a
    reserved-memory node in the board's device tree."""
    region = "" if dt else f"lcrt.nvram={b.nvram}"
    if oops_panic:
        region += " oops=panic"
    append = (f"console={b.console} {DEFAULT_BOOTARGS} {region} "
              f"rdinit=/init {b.bootargs} {bootargs}").strip()
    cmd = qemu_cmd(b, nvram_file, "-kernel", kernel, "-initrd", cpio,
                   "-append", append)
    if dt:
        cmd += ["-dtb", region_dtb(b)]
    t0 = time.time()
    try:
        p = subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        text = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode(errors="replace") + "\n@@LAB-TIMEOUT\n"
        rc = -1
    return text.replace("\r\n", "\n"), rc, time.time() - t0


class Guest:
    """A board with a built kernel and an NVRAM file that outlives QEMU."""

    def __init__(self, board_name=None, nvram_file=None):
        self.board = board(board_name)
        self.tree, self.out = build_kernel(self.board)
        self.kernel = self.out / self.board.image
        run_dir = CACHE / "run" / self.board.name
        run_dir.mkdir(parents=True, exist_ok=True)
        self.nvram = Path(nvram_file) if nvram_file else run_dir / "ram.img"

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

    def poke(self, offset, xor):
        """Damage one byte of the region, as a flaky NVRAM cell would."""
        size, addr = parse_nvram(self.board.nvram)
        with open(self.nvram, "r+b") as f:
            f.seek(addr - self.board.ram_base + offset)
            byte = f.read(1)[0]
            f.seek(addr - self.board.ram_base + offset)
            f.write(bytes([byte ^ xor]))

    def run(self, cmd, bootargs="", dt=False, oops_panic=True):
        """Boot, run cmd in the guest, return (guest output, console, rc).

        guest output is None when the command did not finish (a crash)."""
        cpio = initramfs(self.board, cmd)
        extra = " ".join(x for x in (os.environ.get("BOOTARGS", ""), bootargs) if x)
        console, rc, secs = boot(self.board, self.kernel, cpio, self.nvram,
                                 extra, dt=dt, oops_panic=oops_panic)
        m = re.search(r"@@LAB-BEGIN\n(.*)@@LAB-END rc=(\d+)", console, re.S)
        self.last_seconds = secs
        if not m:
            return None, console, rc
        return m.group(1), console, int(m.group(2))


# --------------------------------------------------------------------------
# commands

def cmd_deps(args):
    deps()


def cmd_kernel(args):
    build_kernel(board(args.board))


def cmd_run(args):
    g = Guest(args.board)
    out, console, rc = g.run(args.cmd)
    print(console)


def lcrt_innermost_lkdtm(text):
    for line in text.splitlines():
        m = re.match(r"\s+#\d+\s+(lkdtm_\w+)\+", line)
        if m:
            return m.group(1)
    return None


def cmd_demo(args):
    t_all = time.time()
    g = Guest(args.board)
    crash = os.environ.get("GUEST_CMD") or DEFAULT_CRASH
    g.power_on_fresh()
    print(f"=== boot 1: {crash}")
    out, console, rc = g.run(crash)
    tail = console.strip().splitlines()[-25:]
    print("\n".join("  | " + l for l in tail))
    if out is not None:
        print(f"=== the command finished (rc={rc}) without crashing the kernel")
    print(f"=== QEMU exited after {g.last_seconds:.1f} s; power cut; boot 2")
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
    print(f"=== demo done in {time.time() - t_all:.0f} s")
    if "LCRT record" not in out:
        sys.exit("demo: no crash record after the power cut")
    if not os.environ.get("GUEST_CMD") and \
            lcrt_innermost_lkdtm(out) != "lkdtm_EXCEPTION":
        sys.exit("demo: the innermost LKDTM frame is not lkdtm_EXCEPTION")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in [("deps", cmd_deps), ("patches", cmd_patches),
                     ("check-patches", cmd_check_patches),
                     ("kernel", cmd_kernel), ("demo", cmd_demo),
                     ("lint", cmd_lint)]:
        p = sub.add_parser(name)
        p.add_argument("--board", default=None)
        p.set_defaults(fn=fn)
    p = sub.add_parser("kunit", help="the KUnit suites under UML and QEMU")
    p.add_argument("--arch", default=None, help="um, arm (default: both)")
    p.set_defaults(fn=cmd_kunit)
    p = sub.add_parser("run", help="boot once and run a guest command")
    p.add_argument("--board", default=None)
    p.add_argument("cmd")
    p.set_defaults(fn=cmd_run)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
