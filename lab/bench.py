#!/usr/bin/env python3
"""make bench: LCRT against pstore/ramoops in the same boot, on the vendor
boards and both kernels.

Each board's vendor kernel is built once more with pstore/ramoops as Debian
has it (deflate; lab/boards/bench-<kver>.config), from a copy of the patched
tree with measurement-only edits, never part of the series: fs/pstore's
pstore_dump() and LCRT's two notifiers (its whole work in the die and panic
paths: lock, capture, seal, commit and cache maintenance) print their time,
and lcrt_build() adds up its phases (unwind, names, culprit, other CPUs,
encoding) and its commit. Both regions lie outside the kernel's RAM (mem=
on arm and arm64, memmap= on x86_64). ramoops runs at its upstream default
record size (4 KiB) and at LCRT's budget (1 KiB). Both run cold: LCRT's
boot self-test, which would run its capture path once before the crash, is
off (lcrt.selftest=0). Every cell is RUNS crashes, one a boot; each boot
first reads back and clears what the previous crash left. Crashes are the
matrix's cells (lab/matrix.py: command, boot options, culprit), so the
bench judges the culprit the way the matrix does. Results:
bench/results/bench.json (one row per board, crash and ramoops size) and
bench.md.

Scaling (bench/results/scaling.{json,md,png}): the lab's module oopses
through 4, 16 and 64 frames of its own recursion (no panic: several
crashes a boot) with budgets of 256 B to 4 KiB (lcrt.record_size), one
boot per budget. The first crash of a boot is the "cold" capture, the
first run of the capture path in that processor mode; the later ones are
"warm". Under QEMU's TCG the cold figure is mostly the translation of code
run the first time, which hardware does not have.

Flash (bench/results/flash.{json,md}, lab/bench_flash.py): on the nor
board, LCRT against mtdoops in the same boot, from an erased flash.
BENCH=ramoops,scaling,flash (the default) picks the parts.
"""
import base64
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import boards  # noqa: E402
import guest  # noqa: E402
import kernels  # noqa: E402
import matrix  # noqa: E402  (the crash cells and their culprits)
from common import (CACHE, ROOT, ensure_packages, log, provenance,  # noqa: E402
                    readme_section, run)

# The crashes of the race, by the matrix's cell names; DEEP_OOPS is the
# module's oops under 64 frames of its own recursion (a text log must cut).
CRASHES = ["EXCEPTION", "BUG", "PANIC", "DEEP_OOPS", "SOFTLOCKUP", "ABBA"]
BUDGET = 1024
RAMOOPS_SIZES = (4096, 1024)    # the upstream default, and LCRT's budget
RUNS = int(os.environ.get("BENCH_RUNS") or 5)
# Measurement-only edits of the bench's copy of the tree; a new version
# makes the copy again.
EDITS = "4"
RAMOOPS = {"arm": (0x4f000000, "mem=240M"), "arm64": (0x4f000000, "mem=240M"),
           "x86_64": (0xe000000, "memmap=64K$0xe000000")}
RAMOOPS_SIZE = 0x10000
DIRECT = "/sys/kernel/debug/provoke-crash/DIRECT"
TOOL = ROOT / "userspace" / "build" / "lcrt"
CRASH_MODULE = ROOT / "lab" / "modules" / "lcrt_crash"
DEEP = "/sys/kernel/debug/lcrt_crash/deep"
DEPTHS = (4, 16, 64)
BUDGETS = (256, 512, 1024, 2048, 4096)
REPEAT = 3
OUT = ROOT / "bench" / "results"


def edit(path, edits):
    """Apply (old, new) replacements to a file of the bench's copy, each
    exactly once, into a new inode (the patched tree keeps its file)."""
    text = path.read_text()
    for old, new in edits:
        if text.count(old) != 1:
            sys.exit(f"bench: {path.name}: {old.strip()[:60]!r} is not there once")
        text = text.replace(old, new)
    tmp = path.with_suffix(".new")
    tmp.write_text(text)
    os.replace(tmp, path)


# LCRT's phases, summed over one capture, printed by its notifiers.
PHASES = ("unwind", "names", "culprit", "cpus", "encode", "commit")


def lcrt_edits():
    """core.c: each notifier's time, and the phases of its capture."""
    def timed(i, call):
        return (f"\t{{ u64 lcrt_bt = ktime_get_mono_fast_ns();\n\t{call}"
                f"\tlcrt_bench_ns[{i}] += ktime_get_mono_fast_ns() - lcrt_bt; }}\n")
    printer = "".join(f" {p}=%llu" for p in PHASES)
    args = "".join(f", lcrt_bench_ns[{i}]" for i in range(len(PHASES)))
    wrappers = "".join(
        f"static int lcrt_bench_{n}(struct notifier_block *nb, unsigned long val,\n"
        f"\t\t\t   void *data)\n{{\n"
        f"\tu64 t0 = ktime_get_mono_fast_ns();\n\tint ret;\n\n"
        f"\tmemset(lcrt_bench_ns, 0, sizeof(lcrt_bench_ns));\n"
        f"\tret = lcrt_{n}_notify(nb, val, data);\n"
        f"\tif ({cond})\n"
        f"\t\tpr_emerg(\"lcrt-bench: lcrt_{n}_notify %llu ns{printer}\\n\",\n"
        f"\t\t\t ktime_get_mono_fast_ns() - t0{args});\n"
        f"\treturn ret;\n}}\n\n"
        for n, cond in (("die", "val == DIE_OOPS"), ("panic", "true")))
    return [
        ('#include "lcrt.h"\n',
         f'#include "lcrt.h"\n\nstatic u64 lcrt_bench_ns[{len(PHASES)}];\n'),
        ("\t\tlcrt_unwind(&lcrt_trace, regs);\n",
         "\t" + timed(0, "\tlcrt_unwind(&lcrt_trace, regs);\n").replace("\n\t", "\n\t\t")),
        ("\tlcrt_symbolize(&lcrt_trace);\n", timed(1, "lcrt_symbolize(&lcrt_trace);\n")),
        ("\tlcrt_culprit(&lcrt_trace, event, reason, irq_pc);\n",
         timed(2, "lcrt_culprit(&lcrt_trace, event, reason, irq_pc);\n")),
        ("\t\tf.ncpus = lcrt_other_cpus(lcrt_cpus, ARRAY_SIZE(lcrt_cpus));\n",
         "\t" + timed(3, "\tf.ncpus = lcrt_other_cpus(lcrt_cpus, ARRAY_SIZE(lcrt_cpus));\n")
         .replace("\n\t", "\n\t\t")),
        ("\treturn lcrt_encode(&f, lcrt_buf, min(budget, lcrt_buf_size), seq);\n",
         "\t{ u64 lcrt_bt = ktime_get_mono_fast_ns();\n"
         "\tsize_t lcrt_blen = lcrt_encode(&f, lcrt_buf, min(budget, lcrt_buf_size), seq);\n\n"
         "\tlcrt_bench_ns[4] += ktime_get_mono_fast_ns() - lcrt_bt;\n"
         "\treturn lcrt_blen; }\n"),
        ("\tslot = lcrt_region_commit(r, slot, lcrt_buf, len);\n",
         timed(5, "slot = lcrt_region_commit(r, slot, lcrt_buf, len);\n")),
        ("static struct notifier_block lcrt_die_nb = {\n",
         wrappers + "static struct notifier_block lcrt_die_nb = {\n"),
        ("\t.notifier_call = lcrt_die_notify,\n", "\t.notifier_call = lcrt_bench_die,\n"),
        ("\t.notifier_call = lcrt_panic_notify,\n", "\t.notifier_call = lcrt_bench_panic,\n"),
    ]


def timed_dumper(text, fn):
    """An edit of a kmsg dumper fn(dumper, ...) that prints its time."""
    m = re.search(rf"static void {fn}\(struct kmsg_dumper \*dumper,\s*"
                  r"([^)]*?(\w+))\)\n\{", text)
    param, arg = m.group(1), m.group(2)
    wrapper = (
        f"static void {fn}_timed(struct kmsg_dumper *dumper, {param});\n"
        f"static void {fn}(struct kmsg_dumper *dumper, {param})\n"
        "{\n\tu64 t0 = ktime_get_mono_fast_ns();\n\n"
        f"\t{fn}_timed(dumper, {arg});\n"
        f'\tpr_emerg("lcrt-bench: {fn} %llu ns\\n",\n'
        "\t\t ktime_get_mono_fast_ns() - t0);\n}\n\n")
    return (m.group(0), wrapper + m.group(0).replace(
        f"static void {fn}(", f"static void {fn}_timed(", 1))


def timed_tree(kv):
    """The patched tree, hard-linked, with pstore_dump(),
    mtdoops_do_dump() and LCRT's notifiers timed."""
    src = kernels.patched_tree(kv)
    dst = CACHE / "src" / f"linux-{kv}-bench"
    stamp = (src / ".lab-series").read_text() + f" edits {EDITS}"
    # A stamp of its own: the copy's .lab-series is the tree's own inode,
    # rewritten in place when the series is applied again.
    mine = dst / ".lab-bench-of"
    if not mine.exists() or mine.read_text() != stamp:
        shutil.rmtree(dst, ignore_errors=True)
        run(["cp", "-al", src, dst])
        for f, fn in ((dst / "fs" / "pstore" / "platform.c", "pstore_dump"),
                      (dst / "drivers" / "mtd" / "mtdoops.c", "mtdoops_do_dump")):
            edit(f, [timed_dumper(f.read_text(), fn)])
        edit(dst / "drivers" / "misc" / "lcrt" / "core.c", lcrt_edits())
        mine.write_text(stamp)
    return dst


def bench_board(b, kv):
    """The board with pstore, and its kernel, built."""
    v = dataclasses.replace(b, name=f"{b.name}-bench",
                            fragments=b.fragments + (f"bench-{kv}",),
                            kernel_of=f"{b.kernel_of}-bench" if b.kernel_of else "")
    tree = timed_tree(kv)
    out = kernels.build_dir(v, kv)
    kernels.configure(v, tree, out, kv)
    log(f"building the {v.name} {kv} kernel")
    targets = [Path(v.image).name]
    if "CONFIG_MODULES=y" in (out / ".config").read_text().splitlines():
        targets.append("modules")      # and Module.symvers, for lcrt_crash
    if v.dtb:
        targets.append(kernels.dtb_target(v, tree))
    kernels.kmake(v, tree, out, *targets)
    return v, out


def text_symbols(system_map):
    """The kernel's text symbols from its System.map: (addresses in order,
    their names, each name's addresses)."""
    syms = []
    for line in Path(system_map).read_text().splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2]))
    syms.sort()
    where = {}
    for i, (_, n) in enumerate(syms):
        where.setdefault(n, []).append(i)
    return [a for a, _ in syms], [n for _, n in syms], where


def function_before(name, size, symbols):
    """The function whose last bytes come just before name's first one:
    a return address printed as "name+0x0" is that function's, which
    called a noreturn function with its last instruction (the kernel names
    the return address, not the call, on arm and arm64). size picks among
    functions of one name; None when the map cannot tell."""
    addrs, names, where = symbols
    fits = [i for i in where.get(name, ())
            if i + 1 < len(addrs) and addrs[i + 1] - addrs[i] == size] or where.get(name, [])
    if len(fits) != 1:
        return None
    i = fits[0]
    while i > 0 and addrs[i - 1] == addrs[fits[0]]:
        i -= 1              # aliases of the same address
    return names[i - 1] if i > 0 else None


# Another CPU's report starts: its frames are not the crash's chain.
OTHER_CPU = re.compile(r"CPU\d+: stopping|NMI backtrace for cpu|SMP: stopping|Sending NMI")


def console_chain(console, symbols=None):
    """(culprit, [functions of the console's call trace, innermost first]).
    A return address at a function's first byte ("f+0x0/...") names the
    function before it, from symbols (text_symbols()); without them, or
    when the map cannot tell, the chain ends there."""
    m = re.search(r"(?:PC is at |pc : |RIP: 0010:)([\w.]+)\+0x", console)
    culprit = m.group(1) if m else None
    chain = [culprit] if culprit else []
    # A panic's report starts at its "Kernel panic" line; an oops's before.
    at = 0 if culprit else console.find("Kernel panic")
    start = max(console.find("Call trace:", at), console.find("Call Trace:", at))
    start = at if start < 0 else start    # arm: "A from B" lines, no title
    for line in console[start:].splitlines():
        if "RIP: 0033" in line or (culprit and "Kernel panic" in line) or \
                "end Kernel panic" in line or OTHER_CPU.match(line):
            break
        a = re.fullmatch(r" [\w.]+ from ([\w.]+)\+(0x[0-9a-f]+)/(0x[0-9a-f]+)", line)
        o = re.fullmatch(r" ([\w.]+)\+(0x[0-9a-f]+)/(0x[0-9a-f]+)", line)
        if not (a or o):
            continue
        f, off, size = (a or o).groups()
        if int(off, 16) == 0 and not (f == culprit and chain == [culprit]):
            f = function_before(f, int(size, 16), symbols) if symbols else None
            if f is None:
                break
        if f not in chain:
            chain.append(f)
    if not culprit:
        # The caller of panic() is the culprit; the panic's own frames are not.
        cut = max((i for i, f in enumerate(chain) if f in ("panic", "vpanic")),
                  default=-1)
        chain = chain[cut + 1:]
        culprit = chain[0] if chain else None
    return culprit, chain


def named(func, text):
    """The text names func as a reader would find it, in any printed form:
    "func+0x..", arm's "(func) from" or "func from", "PC is at func",
    a GCC clone "func.isra.0": the name, not part of a longer one."""
    return re.search(rf"(?<![\w.]){re.escape(func)}(?![\w])", text) is not None


def ramoops_bytes(ram, base, size):
    """Bytes ramoops keeps in its dmesg zones (compressed), from the RAM
    file: each zone of size bytes is a persistent_ram_buffer {sig, start,
    size, data}."""
    total, n = 0, 0
    for off in range(0, RAMOOPS_SIZE, size):
        z = ram[base + off: base + off + 12]
        used = int.from_bytes(z[8:12], "little")
        if 0 < used <= size - 12:
            total += used
            n += 1
    return total, n


# Register values in a text log: "r0 : 00000000", "x19: ffff...",
# "RAX: 0000...", arm's "pc : [<c0...>]" and "sp : c1...".
REG_TEXT = re.compile(r"\b([a-zA-Z]{1,3}\d{0,2})\s*: ?\[?<?([0-9a-f]{8}|[0-9a-f]{16})\b")

# The kernel's own lines kept off the serial line while the records are
# printed, then back for the crash (an oops raises the level anyway).
READ = ("echo 1 > /proc/sys/kernel/printk; "
        "mount -t pstore pstore /sys/fs/pstore; "
        "for f in /sys/fs/pstore/dmesg-*; do [ -e \"$f\" ] || continue; "
        "echo @@PSTORE $f; cat $f; done; "
        "echo @@LCRT; base64 /sys/kernel/lcrt/record; echo @@END; "
        "echo clear > /sys/kernel/lcrt/control; rm -f /sys/fs/pstore/*; "
        "echo 7 > /proc/sys/kernel/printk; ")


def stats(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None, None, None
    return xs[0], xs[len(xs) // 2], xs[-1]


def decode(raw):
    """The tool's JSON of a raw record (its first record object)."""
    if not raw:
        return {}
    with tempfile.NamedTemporaryFile(suffix=".rec") as f:
        f.write(raw)
        f.flush()
        j = subprocess.run([TOOL, "decode", "--json", f.name], capture_output=True, text=True)
    rec = json.loads(j.stdout) if j.returncode == 0 else {}
    if isinstance(rec, list):
        rec = next((x for x in rec if "seq" in x), {})
    return rec


def judge_run(cell, console, zone, after, rsize, symbols):
    """One crash, judged the same way for both from what each medium held
    after the reset: the console of the crash boot gives the true chain
    and the times; zone is ramoops' memory right after the crash; after
    is the console of the boot that read both back."""
    # The read ends at its @@END: the boot then crashes (no @@LAB-END).
    m = re.search(r"@@LAB-BEGIN\n(.*?)@@END", after, re.S)
    text = m.group(1) if m else ""
    pstore = "".join(text.split("@@LCRT")[0].split("@@PSTORE")[1:])
    raw = base64.b64decode("".join(text.split("@@LCRT")[-1].split("@@END")[0].split()) or b"")
    rec = decode(raw)
    _, chain = console_chain(console, symbols)
    chain = [cell.culprit] + [f for f in chain if f != cell.culprit]
    frames = rec.get("frames", [])
    base_names = {(fr.get("function") or "").split(" ")[0].split(".")[0] for fr in frames}
    lcrt = [int(x) for x in re.findall(r"lcrt-bench: lcrt_\w+_notify (\d+) ns", console)]
    phases = [dict(zip(PHASES, map(int, ph))) for ph in re.findall(
        r"lcrt-bench: lcrt_\w+_notify \d+ ns" + "".join(rf" {p}=(\d+)" for p in PHASES), console)]
    dumps = [int(x) for x in re.findall(r"lcrt-bench: pstore_dump (\d+) ns", console)]
    rbytes, nrec = ramoops_bytes(zone, 0, rsize)
    culprit = ((rec.get("culprit") or {}).get("function") or "").split(" ")[0]
    return {
        "lcrt_bytes": rec.get("size", len(raw)), "lcrt_raw_bytes": len(raw),
        "ramoops_bytes": rbytes, "ramoops_records": nrec,
        "ramoops_text_bytes": len(pstore.encode()),
        "lcrt_seal_ns": rec.get("capture_ns"),
        "lcrt_capture_ns": sum(lcrt) if lcrt else None,
        "lcrt_phases_ns": {p: sum(ph[p] for ph in phases) for p in PHASES} if phases else None,
        "ramoops_dump_ns": sum(dumps) if dumps else None, "ramoops_dumps": len(dumps),
        # LCRT: the record's own culprit (rule H), as the matrix judges it.
        "lcrt_culprit": re.fullmatch(re.escape(cell.culprit) + matrix.CLONE, culprit) is not None,
        "ramoops_culprit": named(cell.culprit, pstore),
        "lcrt_frames": sum(1 for f in chain if f.split(".")[0] in base_names),
        "ramoops_frames": sum(1 for f in chain if named(f, pstore)),
        "true_frames": len(chain),
        "lcrt_frames_total": len(frames),
        "lcrt_frames_with_words": sum(1 for fr in frames
                                      if (fr.get("stack") or {}).get("words")),
        "ramoops_frames_with_words": 0,
        "lcrt_registers": len(rec.get("registers") or {}),
        "ramoops_registers": len({r for r, _ in REG_TEXT.findall(pstore)}),
        "lcrt_armed_us": (lambda a: int(a.group(1)) if a else None)(
            re.search(r"lcrt: armed in (\d+) us", console)),
    }


def run_cell(v, kernel, ko, ramfile, cell, rsize, kv, symbols):
    """RUNS crashes of one cell, one a boot; each boot first reads back
    and clears what the crash before it left (the last read has a boot of
    its own). One row: medians of the figures, min/median/max of times."""
    base, reserve = RAMOOPS[v.arch]
    args = (f"{reserve} ramoops.mem_address={base:#x} ramoops.mem_size="
            f"{RAMOOPS_SIZE:#x} ramoops.record_size={rsize} ramoops.ecc=0 "
            f"lcrt.selftest=0 {cell.bootargs}").strip()
    ramfile.unlink(missing_ok=True)
    runs, prev = [], None
    for i in range(RUNS + 1):
        cmd = (READ if prev else "") + (cell.command() if i < RUNS else "true")
        work, cpio = guest.initramfs(v, cmd, modules=ko if cell.module else ())
        console, _, _, _ = guest.boot(v, kernel, cpio, ramfile, args,
                                      oops_panic=i < RUNS, timeout=matrix.TIMEOUT)
        shutil.rmtree(work, ignore_errors=True)
        if prev:
            runs.append(judge_run(cell, *prev, console, rsize, symbols))
        if i < RUNS:
            if "@@LAB-END" in console.split("@@LAB-BEGIN")[-1] and "Kernel panic" not in console:
                sys.exit(f"bench: {v.name} {kv} {cell.name}: no crash\n{console[-3000:]}")
            with open(ramfile, "rb") as f:    # what ramoops wrote, before it is read
                f.seek(base - v.ram_base)
                # The crash's own console: after what the read printed.
                prev = (console.split("@@END", 1)[-1], f.read(RAMOOPS_SIZE))
    row = {"crash": cell.name, "arch": v.arch, "kver": kv, "culprit": cell.culprit,
           "runs": len(runs), "ramoops_record_size": rsize}
    for key in runs[0]:
        vals = [r[key] for r in runs]
        if key in ("lcrt_capture_ns", "ramoops_dump_ns", "lcrt_seal_ns"):
            row[f"{key}_min"], row[f"{key}_median"], row[f"{key}_max"] = stats(vals)
            row[key] = row[f"{key}_median"]
        elif key == "lcrt_phases_ns":
            ph = [x for x in vals if x]
            row[key] = {p: stats(x[p] for x in ph)[1] for p in PHASES} if ph else None
        elif isinstance(vals[0], bool):
            # A claim holds for the cell only if it held in every run.
            row[key] = all(vals)
            row[f"{key}_runs"] = sum(vals)
        else:
            row[key] = stats(vals)[1]
    return row


def console_traces(console):
    """How many frames each NULL-pointer oops's call trace on the console
    has, in order: the faulting function and every caller the kernel's
    own unwinder prints (not its "?" guesses)."""
    counts = []
    for part in re.split(r"\[#\d+\]", console)[1:]:     # Oops: ... [#1] ...
        part = part.split("---[ end trace")[0]
        arm = re.findall(r"^ [\w.]+(?: \[\w+\])? from [\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+(?: [0-9a-f]+)?\])?$",
                         part, re.M)
        if arm:
            counts.append(len(arm) + 1)
            continue
        start = max(part.find("Call trace:"), part.find("Call Trace:"))
        n = 1 if "RIP: 0010:" in part else 0    # x86: the trace starts at the caller
        for line in part[start:].splitlines()[1:] if start >= 0 else []:
            if "</TASK>" in line or "RIP: 0033" in line or line.startswith("Code:"):
                break
            if re.fullmatch(r"\s*[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+(?: [0-9a-f]+)?\])?", line):
                n += 1
        counts.append(n)
    return counts


def sweep(v, out, kv):
    """Capture time and record size against chain depth and budget."""
    ko = kernels.build_module(v, timed_tree(kv),
                              out, CRASH_MODULE)
    # The first crash of the boot is the cold one; every depth then REPEAT
    # times (TCG's timing is noisy: the other vCPU, QEMU's own threads).
    order = (16,) + DEPTHS * REPEAT
    cmd = "insmod /lab/modules/lcrt_crash.ko crash=none; " + "; ".join(
        f"sh -c 'echo {d} > {DEEP}'" for d in order)
    rows = []
    # Room for every crash of a boot at the largest budget.
    addr = guest.parse_nvram(v.nvram)[1]
    v = dataclasses.replace(v, nvram=f"64K@{addr:#x}")
    size = guest.parse_nvram(v.nvram)[0]
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        ramfile = Path(tmp) / "ram.img"
        for budget in BUDGETS:
            ramfile.unlink(missing_ok=True)
            work, cpio = guest.initramfs(v, cmd, modules=ko)
            console, _, _, _ = guest.boot(v, out / v.image, cpio, ramfile,
                                          f"lcrt.record_size={budget}",
                                          oops_panic=False)
            shutil.rmtree(work, ignore_errors=True)
            (CACHE / f"bench-{v.name}-{kv}-{budget}.console").write_text(console)
            with open(ramfile, "rb") as f:
                f.seek(addr - v.ram_base)
                region = f.read(size)
            j = subprocess.run([TOOL, "decode", "--all", "--json", "-"],
                               input=region, capture_output=True)
            recs = sorted(json.loads(j.stdout or b"[]"), key=lambda r: r.get("seq", 0))
            recs = [r for r in recs if "seq" in r]
            true = console_traces(console)
            # The die notifier's time, to the commit: one line an oops.
            notify = [int(x) for x in re.findall(
                r"lcrt-bench: lcrt_die_notify (\d+) ns", console)]
            if len(recs) != len(order) or len(true) != len(order) or \
                    len(notify) != len(order):
                sys.exit(f"bench: {v.name} budget {budget}: {len(recs)} records, "
                         f"{len(true)} oopses and {len(notify)} notifier times "
                         f"on the console, not {len(order)}\n" + console[-3000:])
            for i, (depth, r, t) in enumerate(zip(order, recs, true)):
                rows.append({
                    "arch": v.arch, "kver": kv, "depth": depth, "budget": budget,
                    "cold": i == 0, "lcrt_bytes": r["size"],
                    "lcrt_capture_ns": r["capture_ns"],
                    "lcrt_notify_ns": notify[i],
                    "lcrt_frames": len(r.get("frames", [])),
                    "frames_dropped": r.get("frames_dropped"), "stop": r.get("stop"),
                    "windows": sum(1 for fr in r.get("frames", []) if fr.get("stack")),
                    "true_frames": t,
                })
                log(f"{v.name} budget {budget} depth {depth}"
                    f"{' (cold)' if i == 0 else ''}: {rows[-1]}")
    return rows


def write_scaling(rows, kv):
    """scaling.json, scaling.md and scaling.png (matplotlib, from Debian)."""
    warm = warm_rows(rows)
    cold = [r for r in rows if r["cold"]]
    prov = provenance([kv])
    (OUT / "scaling.json").write_text(json.dumps({**prov, "rows": rows}, indent=1) + "\n")
    lines = [f"# LCRT capture against chain depth and budget ({kv}, QEMU TCG, "
             f"{time.strftime('%Y-%m-%d')})", "",
             f"Made by `make bench` at {prov['commit'][:12]}"
             f"{' with uncommitted changes' if prov['dirty'] else ''}, series "
             f"{prov['series']}. Capture is the record's own capture_ns "
             "(to its seal, before the commit); to commit is the die notifier's "
             "whole time (the lock, the capture, the seal, the commit and its "
             "cache maintenance, as make bench times it); the boot self-test on.", "",
             "The lab's module oopses through N frames of its own recursion "
             "(LCRT keeps at most 32 frames; the true chain is the console's). "
             "Warm: a later crash of the same boot; cold: the boot's first "
             "crash (depth 16), under TCG mostly the translation of code run "
             "the first time.", "",
             "| board | budget | depth | true frames | LCRT frames (left out) | "
             "windows | bytes | capture warm, median (min) of "
             f"{REPEAT} | to commit warm, median (min) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in warm:
        lines.append(f"| {r['arch']} | {r['budget']} | {r['depth']} | {r['true_frames']} | "
                     f"{r['lcrt_frames']} ({r['frames_dropped']}) | {r['windows']} | "
                     f"{r['lcrt_bytes']} | {r['lcrt_capture_ns'] / 1000:.0f} "
                     f"({r['lcrt_capture_min_ns'] / 1000:.0f}) us | "
                     f"{r['lcrt_notify_ns'] / 1000:.0f} "
                     f"({r['lcrt_notify_min_ns'] / 1000:.0f}) us |")
    lines += ["", "| board | budget | capture cold (depth 16) | to commit cold |",
              "|---|---|---|---|"]
    for r in cold:
        lines.append(f"| {r['arch']} | {r['budget']} | {r['lcrt_capture_ns'] / 1000:.0f} us | "
                     f"{r['lcrt_notify_ns'] / 1000:.0f} us |")
    (OUT / "scaling.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    # The README's summary: board and depth against budget, warm.
    head = "| board | recursion | " + " | ".join(f"{b} B" for b in BUDGETS) + " |"
    short = [head, "|---|---|" + "---|" * len(BUDGETS)]
    for arch in sorted({r["arch"] for r in warm}):
        for depth in DEPTHS:
            cells = []
            for b in BUDGETS:
                r = next((x for x in warm if x["arch"] == arch and x["depth"] == depth
                          and x["budget"] == b), None)
                cells.append(f"{r['lcrt_bytes']} B, {r['lcrt_frames']}/{r['true_frames']} fr, "
                             f"{r['windows']} win, {r['lcrt_capture_ns'] / 1000:.0f} us"
                             if r else "-")
            short.append(f"| {arch} | {depth} | " + " | ".join(cells) + " |")
    colds = ", ".join(f"{r['arch']} {r['budget']} B {r['lcrt_capture_ns'] / 1000:.0f} us"
                      for r in cold)
    short += ["", f"Cold (the boot's first crash, depth 16): {colds}."]
    readme_section("scaling", "\n".join(short))
    (OUT / "scaling-warm.json").write_text(json.dumps(warm, indent=1) + "\n")
    ensure_packages(["python3-matplotlib"])
    code = f"""
import json, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = json.load(open({str(OUT / 'scaling-warm.json')!r}))
fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
for arch in sorted({{r["arch"] for r in rows}}):
    for depth, style in zip({list(DEPTHS)!r}, ["-o", "--s", ":^"]):
        pts = sorted((r["budget"], r) for r in rows
                     if r["arch"] == arch and r["depth"] == depth)
        x = [b for b, _ in pts]
        ax[0].plot(x, [r["lcrt_capture_ns"] / 1000 for _, r in pts], style,
                   label=f"{{arch}} depth {{depth}}")
        ax[1].plot(x, [r["lcrt_bytes"] for _, r in pts], style,
                   label=f"{{arch}} depth {{depth}}")
for a, title in zip(ax, ["capture (us, warm, median, TCG)", "record bytes"]):
    a.set_xscale("log", base=2)
    a.set_xlabel("budget (lcrt.record_size, bytes)")
    a.set_title(title)
    a.grid(True, alpha=0.3)
ax[1].plot({list(BUDGETS)!r}, {list(BUDGETS)!r}, color="grey", lw=0.8, label="budget")
ax[1].set_yscale("log", base=2)
ax[0].legend(fontsize=6, ncol=2)
fig.suptitle("LCRT on the vendor boards ({kv}): capture time and record size")
fig.tight_layout()
fig.savefig({str(OUT / 'scaling.png')!r}, dpi=110)
"""
    run(["/usr/bin/python3", "-c", code])    # Debian's, with its matplotlib


def footprint(v, out):
    """text, data, bss of drivers/misc/lcrt: each object, and the total."""
    objs = sorted(o for o in (out / "drivers" / "misc" / "lcrt").glob("*.o")
                  if o.name not in ("lcrt.o", "test-hooks.o", "built-in.o")
                  and not o.name.endswith("_kunit.o"))
    p = subprocess.run([f"{v.cross}size", "-t", *objs], capture_output=True, text=True)
    files = {}
    for line in p.stdout.strip().splitlines()[1:]:
        f = line.split()
        files[Path(f[5]).name if len(f) > 5 else "total"] = {
            "text": int(f[0]), "data": int(f[1]), "bss": int(f[2])}
    total = files.pop("(TOTALS)", None) or files.pop("total")
    return {**total, "files": files}


def bench_cells(names=None):
    """The race's crashes: the matrix's cells by name, and DEEP_OOPS."""
    by = {c.name: c for c in matrix.CELLS}
    by["DEEP_OOPS"] = dataclasses.replace(
        by["MODULE_OOPS"], name="DEEP_OOPS", cmd=by["MODULE_OOPS"].cmd + " depth=64",
        why="its store through NULL faults under 64 frames of lcrt_crash_deep()")
    if names is None:
        names = (os.environ.get("BENCH_CRASHES") or ",".join(CRASHES)).split(",")
    return [by[n] for n in names]


def main():
    kvers = (os.environ.get("KVER") or "6.12,6.1").split(",")
    names = (os.environ.get("BOARD") or "arm,arm64,x86_64").split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    what = os.environ.get("BENCH") or "ramoops,scaling,flash"
    results, feet, scaling = [], {}, []
    for kv in kvers:
        for name in names:
            if "ramoops" not in what and "scaling" not in what:
                break       # BENCH=flash: the nor board only, below
            b = boards.board(name)
            v, out = bench_board(b, kv)
            feet[f"{name} {kv}"] = footprint(v, out)
            if "ramoops" in what:
                ko = kernels.build_module(v, timed_tree(kv), out, CRASH_MODULE)
                symbols = text_symbols(out / "System.map")
                with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
                    ramfile = Path(tmp) / "ram.img"
                    for cell in bench_cells():
                        for rsize in RAMOOPS_SIZES:
                            r = run_cell(v, out / v.image, ko, ramfile, cell, rsize, kv, symbols)
                            log(f"{name} {kv} {cell.name} ramoops {rsize}: {r}")
                            results.append(r)
                # Written after each board: what is done so far stands.
                write_bench(results, feet)
            # The scaling sweep on the newest kernel only.
            if "scaling" in what and kv == kvers[0]:
                scaling += sweep(v, out, kv)
                write_scaling(scaling, kvers[0])
    if "flash" in what:
        import bench_flash
        rows = []
        for kv in kvers:
            rows += bench_flash.race(kv)
            bench_flash.write(rows, OUT)
        if results:
            write_bench(results, feet)     # bench.md takes the flash table
    if "ramoops" in what:
        import bench_summary
        bench_summary.write()              # the README's "where peers win"


def write_bench(results, feet):
    prov = provenance(sorted({r["kver"] for r in results}))
    (OUT / "bench.json").write_text(
        json.dumps({**prov, "runs": RUNS, "footprint": feet, "rows": results},
                   indent=1) + "\n")
    write_md(results, feet, prov)


def warm_rows(rows):
    """One row per board, budget and depth: the median warm capture of the
    repeats (and their minimum), the rest from the first of them."""
    out = []
    for r in rows:
        if r["cold"] or any(o["arch"] == r["arch"] and o["budget"] == r["budget"] and
                            o["depth"] == r["depth"] for o in out):
            continue
        same = [x for x in rows if not x["cold"] and x["arch"] == r["arch"]
                and x["budget"] == r["budget"] and x["depth"] == r["depth"]]
        cap_min, cap, _ = stats(x["lcrt_capture_ns"] for x in same)
        not_min, notify, _ = stats(x["lcrt_notify_ns"] for x in same)
        out.append(dict(r, lcrt_capture_ns=cap, lcrt_capture_min_ns=cap_min,
                        lcrt_notify_ns=notify, lcrt_notify_min_ns=not_min,
                        repeats=len(same)))
    return out


def write_md(results, feet, prov):
    def us(ns):
        return f"{ns / 1000:.0f}" if ns is not None else "-"

    def span(r, key):
        return (f"{us(r[key + '_median'])} ({us(r[key + '_min'])}-{us(r[key + '_max'])})"
                if r.get(key + "_median") is not None else "-")

    def yes(r, key):
        return f"{r[key + '_runs']}/{r['runs']}"
    kvs = sorted({r["kver"] for r in results}, key=lambda k: [int(x) for x in k.split(".")])
    lines = [f"# LCRT against pstore/ramoops, same boot ({', '.join(kvs)}, QEMU TCG, "
             f"{prov['date']})", "",
             f"Made by `make bench` at {prov['commit'][:12]}"
             f"{' with uncommitted changes' if prov['dirty'] else ''}, series "
             f"{prov['series']}, {', '.join(prov['kernels'].values())}.", "",
             f"Each cell is {RUNS} crashes, one a boot, both recorders cold (LCRT's "
             "boot self-test off). ramoops at its upstream default record size "
             "(4096) and at LCRT's budget (1024), deflate as Debian builds it; "
             "LCRT at 1024. Times (us, median (min-max), ktime_get_mono_fast_ns() "
             "in the crashing boot): LCRT's die and panic notifiers, all of its "
             "work to the commit and cache maintenance; every pstore_dump() of "
             "the crash. Bytes: what each medium holds for the crash (LCRT's "
             "record with its follow-up; ramoops' compressed records). Judged "
             "from what each medium held after the reset: the "
             "culprit (LCRT: the record's culprit, rule H, as the matrix judges; "
             "ramoops: the culprit's name in its text in any printed form), in "
             "how many runs; frames of the console's true chain found (the "
             "crashing CPU's trace only; a return address the kernel prints as "
             "the next function's `f+0x0` is named from System.map as the "
             "function before it, which called a noreturn function last); "
             "frames with stack words; registers.", "",
             "| board | kernel | crash | ramoops size | bytes LCRT / ramoops (records) "
             "| time LCRT | time ramoops | culprit LCRT / ramoops | frames LCRT / "
             "ramoops / true | with words | registers LCRT / ramoops |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['arch']} | {r['kver']} | {r['crash']} | {r['ramoops_record_size']} | "
            f"{r['lcrt_raw_bytes']} / {r['ramoops_bytes']} ({r['ramoops_records']}) | "
            f"{span(r, 'lcrt_capture_ns')} | {span(r, 'ramoops_dump_ns')} | "
            f"{yes(r, 'lcrt_culprit')} / {yes(r, 'ramoops_culprit')} | "
            f"{r['lcrt_frames']} / {r['ramoops_frames']} / {r['true_frames']} | "
            f"{r['lcrt_frames_with_words']} / 0 | "
            f"{r['lcrt_registers']} / {r['ramoops_registers']} |")
    lines += ["", "Where LCRT's time goes, median of the cells' medians per board "
              "(us; unwind, names = kallsyms, culprit, cpus = the other CPUs at a "
              "panic, encode, commit = slot, CRC and cache maintenance; the rest "
              "of the time is the lock and the notifiers):", "",
              "| board | kernel | total | " + " | ".join(PHASES) + " |",
              "|---|---|---|" + "---|" * len(PHASES)]
    for kv in kvs:
        for arch in sorted({r["arch"] for r in results}):
            rows = [r for r in results if r["arch"] == arch and r["kver"] == kv
                    and r["ramoops_record_size"] == BUDGET and r.get("lcrt_phases_ns")]
            if not rows:
                continue
            lines.append(f"| {arch} | {kv} | {us(stats(r['lcrt_capture_ns'] for r in rows)[1])} | "
                         + " | ".join(us(stats(r["lcrt_phases_ns"][p] for r in rows)[1])
                                      for p in PHASES) + " |")
    lines += ["", "Footprint of drivers/misc/lcrt per object file (text / data / bss, "
              "bytes; size(1) of the bench kernels' objects):", ""]
    files = sorted({f for x in feet.values() for f in x["files"]})
    lines += ["| board | " + " | ".join(files) + " | total |",
              "|---|" + "---|" * (len(files) + 1)]
    for name, f in feet.items():
        cell = [f"{f['files'][x]['text']} / {f['files'][x]['data']} / {f['files'][x]['bss']}"
                if x in f["files"] else "-" for x in files]
        lines.append(f"| {name} | " + " | ".join(cell) +
                     f" | {f['text']} / {f['data']} / {f['bss']} |")
    flash = OUT / "flash.md"
    if flash.exists():
        lines += ["", flash.read_text().rstrip()]
    (OUT / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    readme_section("bench", "\n".join(lines[2:]))


if __name__ == "__main__":
    main()
