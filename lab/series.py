"""The quilt series, generated from the project's files, and its checks.

New files are copied from the project tree; hooks are the few edits to
existing kernel files, each anchored where every vendor kernel the lab knows
(Debian's 6.1 and 6.12) has the same lines around it, so that one series
applies with `quilt push -a --fuzz=0` to both. One patch per job, in an
order where each prefix of the series builds.
"""
import dataclasses
import os
import re
import subprocess
import tempfile
from pathlib import Path

from common import ROOT, ensure_packages

AUTHOR = "LCRT developers <lcrt-devel@lists.lcrt.dev>"
CONTEXT = 3     # lines of context in a hunk (diff -u)


@dataclasses.dataclass(frozen=True)
class Hook:
    """Lines added to an existing kernel file, after a line that matches
    `after` (a regex). Among all such lines the first one in `prefer` order
    ('last', 'first' or 'sorted': after the greatest entry title below
    ours) whose context is the same in every tree is taken."""
    path: str
    text: str
    after: str
    prefer: str = "last"


@dataclasses.dataclass(frozen=True)
class Patch:
    name: str
    subject: str
    body: str
    files: tuple         # (project path, kernel path) of the new files
    hooks: tuple = ()


D = "drivers/misc/lcrt"

MAINTAINERS_ENTRY = """LCRT - LINUX CRASH RECORD AND TRACE
M:\tLCRT developers <lcrt-devel@lists.lcrt.dev>
S:\tMaintained
F:\tDocumentation/ABI/testing/sysfs-kernel-lcrt
F:\tDocumentation/admin-guide/lcrt.rst
F:\tDocumentation/devicetree/bindings/reserved-memory/linux,lcrt.yaml
F:\tdrivers/misc/lcrt/
F:\tinclude/uapi/linux/lcrt.h

"""


def _same(path):
    return (path, path)


def series_spec():
    return [
        Patch("0001-lcrt-add-the-crash-record-format.patch",
              "lcrt: add the on-media crash record format",
              "LCRT (Linux Crash Record and Trace) keeps a compact record of\n"
              "every kernel crash in non-volatile memory. Define the record\n"
              "once, in a uapi header, so that the kernel writer and the\n"
              "user-space readers share one definition.",
              (_same("include/uapi/linux/lcrt.h"),)),
        Patch("0002-misc-lcrt-walk-the-call-chain-of-a-crash.patch",
              "misc: lcrt: walk the call chain of a crash",
              "Add the LCRT driver's skeleton and its first part, the walk of\n"
              "a crash's call chain: with frame records LCRT walks them\n"
              "itself and keeps each frame's own stack words; with ARM unwind\n"
              "tables or x86 ORC it walks with the kernel's own unwinder\n"
              "state, which knows each frame's stack pointer, and keeps the\n"
              "same windows; otherwise the kernel's unwinder gives the pcs.\n"
              "Every read stays inside a known stack and every loop is\n"
              "bounded. What differs per architecture (registers, stacks,\n"
              "call instructions, cache cleaning, the KASLR offset) is one\n"
              "file per architecture.",
              (_same(f"{D}/Kconfig"), _same(f"{D}/Makefile"),
               _same(f"{D}/lcrt.h"),
               _same(f"{D}/unwind.c"), _same(f"{D}/arch-arm.c"),
               _same(f"{D}/arch-arm64.c"), _same(f"{D}/arch-x86.c"),
               _same(f"{D}/unwind-arm.c"), _same(f"{D}/unwind-x86.c")),
              (Hook("drivers/misc/Kconfig", 'source "drivers/misc/lcrt/Kconfig"\n',
                    after=r'source "drivers/misc/.*/Kconfig"'),
               Hook("drivers/misc/Makefile", "obj-$(CONFIG_LCRT)\t\t+= lcrt/\n",
                    after=r"obj-\$\(CONFIG_\w+\)\s+\+= .*"))),
        Patch("0003-misc-lcrt-encode-and-check-crash-records.patch",
              "misc: lcrt: encode and check crash records",
              "A record is built section by section in a buffer within a byte\n"
              "budget, dropping the least important parts first, and sealed\n"
              "with a CRC; the reader checks a record before it trusts any\n"
              "field.",
              (_same(f"{D}/record.c"),)),
        Patch("0004-misc-lcrt-keep-records-in-slots-of-a-region.patch",
              "misc: lcrt: keep records in slots of a region",
              "Keep a double-buffered region header (geometry, sequence,\n"
              "boots, drops) and commit records into slots with a pending\n"
              "mark, so that a power cut at any byte loses no other record and\n"
              "leaves the one being written torn, never empty. A full region\n"
              "keeps its first records or overwrites the oldest, as\n"
              "configured; one CPU at a time owns it, and a panic takes it\n"
              "over.",
              (_same(f"{D}/region.c"), _same(f"{D}/owner.c"))),
        Patch("0005-misc-lcrt-record-oopses-and-panics.patch",
              "misc: lcrt: record oopses and panics in an NVRAM region",
              "Find the NVRAM region (lcrt.nvram=SIZE@ADDR, a \"linux,lcrt\"\n"
              "reserved-memory node, or the Kconfig defaults), check and\n"
              "reserve it, and map it write-combined (or write-back with cache\n"
              "cleaning).\n\n"
              "Hook the die and panic notifier chains and write one record\n"
              "per crash: event, reason, task, CPU, context, taint, build-id,\n"
              "wall-clock time, boot id, KASLR offset, registers and the call\n"
              "chain with its modules' load addresses, from static buffers,\n"
              "without locks or allocation. An oops is committed from the die\n"
              "notifier, before kdump and the panic notifiers; the panic that\n"
              "follows adds a follow-up record with its reason. Armed while\n"
              "the command line is parsed, then at early_initcall.\n\n"
              "Each record names its culprit, the function whose code did the\n"
              "wrong thing, past the crash machinery (entry, noinstr, sched\n"
              "and lock text, panic, oops, BUG, WARN, watchdog and hung-task\n"
              "code); a hung-task panic records the blocked task's chain, and\n"
              "a panic where each other CPU stopped.",
              (_same(f"{D}/store.c"), _same(f"{D}/core.c"),
               _same(f"{D}/boot.c"), _same(f"{D}/culprit.c"),
               _same(f"{D}/cpus.c"))),
        Patch("0006-misc-lcrt-show-and-clear-records.patch",
              "misc: lcrt: show and clear records in /proc and sysfs",
              "After the reset /proc/lcrt shows the newest record in words,\n"
              "/sys/kernel/lcrt/ gives the raw record and region to tools,\n"
              "and writing \"clear\" to /sys/kernel/lcrt/control erases them.",
              (_same(f"{D}/iface.c"),)),
        Patch("0007-misc-lcrt-add-kunit-tests.patch",
              "misc: lcrt: add KUnit tests and boot-time test crashes",
              "One file per subject. Test the record encoding (round trip,\n"
              "budget, CRC, bad input), the region (header, torn writes at\n"
              "every byte, ring policies,\n"
              "clear, any content, the owner's takeover) and the call chain\n"
              "walker (a real chain, and synthetic stacks that loop, leave the\n"
              "stack, are misaligned, zero, fault or too deep), the culprit\n"
              "rule and its per-architecture proofs, and the control file's\n"
              "words:\n\n"
              "  ./tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/lcrt\n\n"
              "CONFIG_LCRT_TEST_HOOKS adds lcrt.test_panic=cmdline|initcall,\n"
              "crashes at boot points that no crash module can reach.",
              ((f"{D}/.kunitconfig", f"{D}/.kunitconfig"),
               ("kunit/lcrt_kunit.h", f"{D}/lcrt_kunit.h"),
               ("kunit/format_kunit.c", f"{D}/format_kunit.c"),
               ("kunit/store_kunit.c", f"{D}/store_kunit.c"),
               ("kunit/unwind_kunit.c", f"{D}/unwind_kunit.c"),
               ("kunit/culprit_kunit.c", f"{D}/culprit_kunit.c"),
               ("kunit/control_kunit.c", f"{D}/control_kunit.c"),
               _same(f"{D}/test-hooks.c"))),
        Patch("0008-misc-lcrt-keep-records-on-nor-flash.patch",
              "misc: lcrt: keep records on NOR flash (an MTD partition)",
              "Most small boards have no NVRAM but a NOR flash. Where no NVRAM\n"
              "region is armed, keep the records on the MTD partition labelled\n"
              "\"lcrt\" (or lcrt.mtd=NAME) whose chip driver can write at a\n"
              "panic. The region's format and commit rules stay region.c's: the\n"
              "region lives in memory as the image of the partition's slots,\n"
              "and each write reaches the flash in order, with\n"
              "mtd_panic_write() at a panic and from a work otherwise. Flash\n"
              "programs bits from 1 to 0 only: the pending mark is one the\n"
              "commit reaches by clearing bits, slots are erased ahead in\n"
              "process context and a record goes only into a slot read back\n"
              "erased, so that a panic never erases nor programs over data.",
              (_same(f"{D}/mtd.c"),)),
        Patch("0009-misc-lcrt-keep-records-in-uefi-variables.patch",
              "misc: lcrt: keep records in UEFI variables",
              "A machine with UEFI firmware and no NVRAM region can keep the\n"
              "records in UEFI variables of LCRT's own vendor GUID: the region\n"
              "header in one, each slot's record in another. The region lives in\n"
              "memory with the rules of memory, and every range region.c syncs\n"
              "brings its variable up to date: at a panic at once with\n"
              "efivar_trylock() and the non-blocking SetVariable() (efi-pstore's\n"
              "path), otherwise from a work with the blocking calls. Firmware\n"
              "frees deleted variables only at a boot: the variables are taken\n"
              "only when the store has room for a crash.",
              (_same(f"{D}/efi.c"),)),
        Patch("0010-dt-bindings-reserved-memory-add-lcrt.patch",
              "dt-bindings: reserved-memory: add the LCRT NVRAM region",
              "Describe the reserved-memory node that tells LCRT where its\n"
              "non-volatile crash record region is.",
              (_same("Documentation/devicetree/bindings/reserved-memory/linux,lcrt.yaml"),)),
        Patch("0011-docs-lcrt-add-the-admin-guide-and-abi.patch",
              "docs: lcrt: add the admin guide and the sysfs ABI",
              "Document how to configure the LCRT region, the files under\n"
              "/proc and /sys and the record format, and name the\n"
              "maintainers.",
              (_same("Documentation/admin-guide/lcrt.rst"),
               _same("Documentation/ABI/testing/sysfs-kernel-lcrt")),
              (Hook("Documentation/admin-guide/index.rst", "   lcrt\n",
                    after=r"   ramoops", prefer="first"),
               Hook("MAINTAINERS", MAINTAINERS_ENTRY, after=r"",
                    prefer="sorted"))),
    ]


def _makefile_for(text, present):
    """A kbuild Makefile as it stands once the files in present exist: a
    line that names an object whose source is not there yet is left out,
    and the first object line assigns with := (a line of per-object flags
    counts as the object's). An object named after
    $(SRCARCH) (arch-$(SRCARCH).o) is there once one architecture's is."""
    def there(obj):
        pattern = re.escape(obj).replace(re.escape("$(SRCARCH)"), r"[\w-]+")
        return any(re.fullmatch(pattern, p) for p in present)

    out, first = [], True
    for line in text.splitlines(keepends=True):
        # Per-object flags (CFLAGS_foo.o) name the object after the prefix.
        objs = [re.sub(r"^[A-Z][A-Z_]*_", "", o)
                for o in re.findall(r"([\w$()-]+)\.o\b", line)]
        if line.startswith("obj-") or not objs:
            out.append(line)
            continue
        if all(there(o) for o in objs):
            if first:
                line = re.sub(r"\+=", ":=", line, count=1)
            first = False
            out.append(line)
    return "".join(out)


# --------------------------------------------------------------------------
# hooks

def _candidates(lines, hook):
    """Insertion indices (the new lines go before lines[i]) in preference
    order."""
    if hook.prefer == "sorted":
        title = hook.text.splitlines()[0]
        heads = [i for i in range(1, len(lines) - 1)
                 if lines[i - 1] == "\n" and lines[i][:1].isalnum()
                 and re.match(r"[A-Z]:\t", lines[i + 1])]
        below = [i for i in heads if lines[i].upper() < title.upper()]
        if not below:
            return []
        # Right after the entry with the greatest title below ours, then
        # the entry boundaries nearest to it.
        prev = max(below, key=lambda i: lines[i].upper())
        order = sorted(heads, key=lambda i: (abs(heads.index(i) -
                                                 heads.index(prev) - 1), i))
        return order
    idx = [i + 1 for i, l in enumerate(lines)
           if re.fullmatch(hook.after, l.rstrip("\n"))]
    return list(reversed(idx)) if hook.prefer == "last" else idx


def _context(lines, i):
    return lines[max(0, i - CONTEXT):i], lines[i:i + CONTEXT]


def _agrees(before, after, text):
    """The lines around an insertion are in text too; a context cut short
    by the start or the end of the file must be at its start or end."""
    ctx = "".join(before + after)
    if len(before) < CONTEXT and not text.startswith(ctx):
        return False
    if len(after) < CONTEXT and not text.endswith(ctx):
        return False
    return ctx in text


def insert_hook(texts, hook):
    """Insert hook into texts[0] (the tree the patch is made against) at
    the first candidate whose context every other tree in texts shares."""
    lines = texts[0].splitlines(keepends=True)
    for i in _candidates(lines, hook):
        before, after = _context(lines, i)
        if all(_agrees(before, after, t) for t in texts[1:]):
            return "".join(lines[:i]) + hook.text + "".join(lines[i:])
    raise SystemExit(f"lab: {hook.path}: no place for the hook whose context "
                     "is the same in every vendor tree")


# --------------------------------------------------------------------------
# generation

def _diff(old, new, path, tmp):
    a, b = Path(tmp) / "a", Path(tmp) / "b"
    a.write_text(old if old is not None else "")
    b.write_text(new)
    label_a = f"a/{path}" if old is not None else "/dev/null"
    out = subprocess.run(["diff", "-u", f"-U{CONTEXT}", "--label", label_a,
                          "--label", f"b/{path}",
                          a if old is not None else "/dev/null", b],
                         capture_output=True, text=True)
    if out.returncode > 1:
        raise SystemExit(out.stderr)
    return out.stdout


def generate_series(outdir, pristines):
    """Write series and patches/ into outdir from the project's files. The
    patches are made against pristines[0]; every hook's context is checked
    against all of pristines."""
    outdir = Path(outdir)
    (outdir / "patches").mkdir(parents=True, exist_ok=True)
    spec = series_spec()
    names, present, made = [], set(), {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, p in enumerate(spec, 1):
            diffs = []
            for path in sorted({h.path for h in p.hooks}):
                olds = [(t / path).read_text() for t in pristines]
                news = list(olds)
                for h in p.hooks:
                    if h.path == path:
                        news[0] = insert_hook(news, h)
                diffs.append(_diff(olds[0], news[0], path, tmp))
            present |= {Path(dst).stem for _, dst in p.files
                        if dst.endswith(".c")}
            # Makefiles already added grow with the objects of this patch.
            for dst, src in sorted(made.items()):
                old = _makefile_for((ROOT / src).read_text(), present - {
                    Path(d).stem for _, d in p.files if d.endswith(".c")})
                new = _makefile_for((ROOT / src).read_text(), present)
                if old != new:
                    diffs.append(_diff(old, new, dst, tmp))
            for src, dst in sorted(p.files, key=lambda f: f[1]):
                text = (ROOT / src).read_text()
                if Path(dst).name == "Makefile":
                    made[dst] = src
                    text = _makefile_for(text, present)
                diffs.append(_diff(None, text, dst, tmp))
            text = (f"From: {AUTHOR}\n"
                    f"Subject: [PATCH {n}/{len(spec)}] {p.subject}\n\n"
                    f"{p.body}\n\nSigned-off-by: {AUTHOR}\n---\n"
                    + "".join(diffs))
            (outdir / "patches" / p.name).write_text(text)
            names.append(p.name)
    (outdir / "series").write_text("".join(n + "\n" for n in names))
    return names


def series_in_sync(pristines):
    """Regenerate the series into a temporary folder and compare."""
    with tempfile.TemporaryDirectory() as tmp:
        names = generate_series(tmp, pristines)
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


def quilt_env():
    return dict(os.environ, QUILT_PATCHES="patches", QUILT_SERIES="series",
                QUILT_DIFF_ARGS="--no-timestamps --no-index -p ab",
                QUILT_REFRESH_ARGS="--no-timestamps --no-index -p ab",
                QUILT_PC=".pc")


def apply_series(tree, series_dir=ROOT, upto=None):
    """quilt push -a --fuzz=0 (or up to patch number upto) of the project's
    series onto tree."""
    ensure_packages(["quilt"])
    for name in ("patches", "series"):
        link = Path(tree) / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path(series_dir) / name)
    cmd = ["quilt", "push", "--fuzz=0"] + (["-a"] if upto is None else [str(upto)])
    out = subprocess.run(cmd, cwd=tree, env=quilt_env(), capture_output=True,
                         text=True)
    if out.returncode != 0 or "fuzz" in out.stdout:
        raise SystemExit(f"lab: the series does not apply cleanly:\n"
                         f"{out.stdout}{out.stderr}")
    return out.stdout


def checkpatch(tree):
    """scripts/checkpatch.pl --strict on every patch, in a patched tree.

    Returns {patch name: the problems it printed ('' when clean)}."""
    res = {}
    for name in (ROOT / "series").read_text().split():
        out = subprocess.run(["perl", "scripts/checkpatch.pl", "--strict",
                              "--terse", "--no-summary", "--showfile",
                              ROOT / "patches" / name], cwd=tree,
                             capture_output=True, text=True)
        res[name] = (out.stdout + out.stderr).strip()
    return res
