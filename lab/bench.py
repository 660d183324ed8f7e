#!/usr/bin/env python3
"""make bench: LCRT against pstore/ramoops in the same boot, on the vendor
boards.

Each board's vendor kernel is built once more with pstore/ramoops as Debian
has it (deflate; lab/boards/bench-<kver>.config), from a copy of the patched
tree in which fs/pstore/platform.c times pstore_dump() (a measurement-only
edit, never part of the series). Both regions lie outside the kernel's RAM
(mem= on arm and arm64, memmap= on x86_64), ramoops with record_size = LCRT's
1 KiB budget. Each crash is one boot; the next boot reads both back. Results:
bench/results/bench.json (one object per crash and board) and bench.md.

Scaling (bench/results/scaling.{json,md,png}): the lab's module oopses
through 4, 16 and 64 frames of its own recursion (no panic: several
crashes a boot) with budgets of 256 B to 4 KiB (lcrt.record_size), one
boot per budget. The first crash of a boot is the "cold" capture, the
first run of the capture path in that processor mode; the later ones are
"warm". Under QEMU's TCG the cold figure is mostly the translation of code
run the first time, which hardware does not have.
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
from common import (CACHE, ROOT, ensure_packages, log, provenance,  # noqa: E402
                    readme_section, run)

CRASHES = ["EXCEPTION", "BUG", "PANIC"]
BUDGET = 1024
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


def timed_tree(kv):
    """The patched tree, hard-linked, with pstore_dump() timed."""
    src = kernels.patched_tree(kv)
    dst = CACHE / "src" / f"linux-{kv}-bench"
    stamp = (src / ".lab-series").read_text()
    # A stamp of its own: the copy's .lab-series is the tree's own inode,
    # rewritten in place when the series is applied again.
    mine = dst / ".lab-bench-of"
    if not mine.exists() or mine.read_text() != stamp:
        shutil.rmtree(dst, ignore_errors=True)
        run(["cp", "-al", src, dst])
        f = dst / "fs" / "pstore" / "platform.c"
        text = f.read_text()
        m = re.search(r"static void pstore_dump\(struct kmsg_dumper \*dumper,\s*"
                      r"([^)]*?(\w+))\)\n\{", text)
        param, arg = m.group(1), m.group(2)
        wrapper = (
            f"static void pstore_dump_timed(struct kmsg_dumper *dumper, {param});\n"
            f"static void pstore_dump(struct kmsg_dumper *dumper, {param})\n"
            "{\n\tu64 t0 = ktime_get_mono_fast_ns();\n\n"
            f"\tpstore_dump_timed(dumper, {arg});\n"
            '\tpr_emerg("lcrt-bench: pstore_dump %llu ns\\n",\n'
            "\t\t ktime_get_mono_fast_ns() - t0);\n}\n\n")
        text = text[:m.start()] + wrapper + \
            text[m.start():].replace("static void pstore_dump(", "static void pstore_dump_timed(", 1)
        tmp = f.with_suffix(".new")
        tmp.write_text(text)
        os.replace(tmp, f)    # a new inode: the patched tree keeps its file
        mine.write_text(stamp)
    return dst


def bench_board(b, kv):
    """The board with pstore, and its kernel, built."""
    v = dataclasses.replace(b, name=f"{b.name}-bench",
                            fragments=b.fragments + (f"bench-{kv}",))
    tree = timed_tree(kv)
    out = kernels.build_dir(v, kv)
    kernels.configure(v, tree, out, kv)
    log(f"building the {v.name} {kv} kernel")
    targets = [Path(v.image).name]
    if "CONFIG_MODULES=y" in (out / ".config").read_text().splitlines():
        targets.append("modules")      # and Module.symvers, for lcrt_crash
    kernels.kmake(v, tree, out, *targets)
    return v, out


def console_chain(console):
    """(culprit, [functions of the console's call trace, innermost first])."""
    m = re.search(r"(?:PC is at |pc : |RIP: 0010:)([\w.]+)\+0x", console)
    culprit = m.group(1) if m else None
    chain = [culprit] if culprit else []
    # A panic's report starts at its "Kernel panic" line; an oops's before.
    at = 0 if culprit else console.find("Kernel panic")
    start = max(console.find("Call trace:", at), console.find("Call Trace:", at))
    start = at if start < 0 else start    # arm: "A from B" lines, no title
    for line in console[start:].splitlines():
        if "RIP: 0033" in line or (culprit and "Kernel panic" in line) or \
                "end Kernel panic" in line:
            break
        a = re.fullmatch(r" ([\w.]+) from ([\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+", line)
        o = re.fullmatch(r" ([\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+", line)
        for f in ((a.group(2),) if a else (o.group(1),) if o else ()):
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
    """The log names func as a frame: "func+0x..", or arm's "func from"."""
    return f"{func}+0x" in text or f" {func} from " in text


def ramoops_bytes(ram, base):
    """Bytes ramoops keeps in its dmesg zones (compressed), from the RAM
    file: each zone is a persistent_ram_buffer {sig, start, size, data}."""
    total, n = 0, 0
    for off in range(0, RAMOOPS_SIZE, BUDGET):
        z = ram[base + off: base + off + 12]
        size = int.from_bytes(z[8:12], "little")
        if 0 < size <= BUDGET - 12:
            total += size
            n += 1
    return total, n


def one_crash(v, kernel, ramfile, crash, kv):
    base, reserve = RAMOOPS[v.arch]
    args = (f"{reserve} ramoops.mem_address={base:#x} ramoops.mem_size="
            f"{RAMOOPS_SIZE:#x} ramoops.record_size={BUDGET} ramoops.ecc=0")
    work, cpio = guest.initramfs(v, f"echo {crash} > {DIRECT}")
    console, _, _, _ = guest.boot(v, kernel, cpio, ramfile, args)
    shutil.rmtree(work, ignore_errors=True)
    with open(ramfile, "rb") as f:    # what ramoops wrote, before it is read
        f.seek(base - v.ram_base)
        zone = f.read(RAMOOPS_SIZE)
    read = ("mount -t pstore pstore /sys/fs/pstore; "
            "for f in /sys/fs/pstore/dmesg-*; do echo @@PSTORE $f; cat $f; done; "
            "echo @@LCRT; base64 /sys/kernel/lcrt/record; echo @@END; "
            "echo clear > /sys/kernel/lcrt/control; rm -f /sys/fs/pstore/*")
    work, cpio = guest.initramfs(v, read)
    after, _, _, _ = guest.boot(v, kernel, cpio, ramfile, args, oops_panic=False)
    shutil.rmtree(work, ignore_errors=True)
    # The culprit is the LKDTM function: the console's own name for the
    # frame of a call to a noreturn function (panic) may be the next one.
    _, chain = console_chain(console)
    culprit = f"lkdtm_{crash}"
    chain = [culprit] + chain[1:]
    dumps = [int(x) for x in re.findall(r"lcrt-bench: pstore_dump (\d+) ns", console)]
    m = re.search(r"@@LAB-BEGIN\n(.*)@@LAB-END", after, re.S)
    text = m.group(1) if m else ""
    pstore = "".join(text.split("@@LCRT")[0].split("@@PSTORE")[1:])
    raw = base64.b64decode("".join(text.split("@@LCRT")[-1].split("@@END")[0].split()) or b"")
    rec = {}
    if raw:
        with tempfile.NamedTemporaryFile(suffix=".rec") as f:
            f.write(raw)
            f.flush()
            j = subprocess.run([TOOL, "decode", "--json", f.name], capture_output=True, text=True)
            rec = json.loads(j.stdout) if j.returncode == 0 else {}
            if isinstance(rec, list):
                rec = next((x for x in rec if "seq" in x), {})
    names = [fr.get("function", "") for fr in rec.get("frames", [])]
    base_names = {n.split(".")[0] for n in names}
    rbytes, nrec = ramoops_bytes(zone, 0)
    armed = re.search(r"lcrt: armed in (\d+) us", console)
    selftest = re.search(r"lcrt: self-test: .* in (\d+) us", console)
    return {
        "crash": crash, "arch": v.arch, "kver": kv,
        "lcrt_bytes": rec.get("total_size", len(raw)), "lcrt_raw_bytes": len(raw),
        "ramoops_bytes": rbytes, "ramoops_records": nrec,
        "ramoops_text_bytes": len(pstore.encode()),
        "lcrt_capture_ns": rec.get("capture_ns"),
        "ramoops_dump_ns": sum(dumps) if dumps else None, "ramoops_dumps": len(dumps),
        "culprit": culprit,
        # The record's own culprit (rule H), not its first frame.
        "lcrt_culprit_at_1k": ((rec.get("culprit") or {}).get("function") or "")
                              .split(".")[0] == culprit,
        "ramoops_culprit_at_1k": named(culprit, pstore),
        "lcrt_frames": sum(1 for f in chain if f.split(".")[0] in base_names),
        "ramoops_frames": sum(1 for f in chain if named(f, pstore)),
        "true_frames": len(chain),
        "lcrt_frames_total": len(names),
        # The boot's cost of LCRT, from its own log: mapping, header and
        # scan of every slot (early initcall), and the late self-test.
        "lcrt_armed_us": int(armed.group(1)) if armed else None,
        "lcrt_selftest_us": int(selftest.group(1)) if selftest else None,
    }


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
            if len(recs) != len(order) or len(true) != len(order):
                sys.exit(f"bench: {v.name} budget {budget}: {len(recs)} records, "
                         f"{len(true)} oopses on the console, not {len(order)}\n"
                         + console[-3000:])
            for i, (depth, r, t) in enumerate(zip(order, recs, true)):
                rows.append({
                    "arch": v.arch, "kver": kv, "depth": depth, "budget": budget,
                    "cold": i == 0, "lcrt_bytes": r["size"],
                    "lcrt_capture_ns": r["capture_ns"],
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
    (OUT / "scaling.json").write_text(json.dumps(rows, indent=1) + "\n")
    warm = warm_rows(rows)
    cold = [r for r in rows if r["cold"]]
    lines = [f"# LCRT capture against chain depth and budget ({kv}, QEMU TCG, "
             f"{time.strftime('%Y-%m-%d')})", "",
             "The lab's module oopses through N frames of its own recursion "
             "(LCRT keeps at most 32 frames; the true chain is the console's). "
             "Warm: a later crash of the same boot; cold: the boot's first "
             "crash (depth 16), under TCG mostly the translation of code run "
             "the first time.", "",
             "| board | budget | depth | true frames | LCRT frames (left out) | "
             "windows | bytes | capture warm, median (min) of "
             f"{REPEAT} |", "|---|---|---|---|---|---|---|---|"]
    for r in warm:
        lines.append(f"| {r['arch']} | {r['budget']} | {r['depth']} | {r['true_frames']} | "
                     f"{r['lcrt_frames']} ({r['frames_dropped']}) | {r['windows']} | "
                     f"{r['lcrt_bytes']} | {r['lcrt_capture_ns'] / 1000:.0f} "
                     f"({r['lcrt_capture_min_ns'] / 1000:.0f}) us |")
    lines += ["", "| board | budget | capture cold (depth 16) |", "|---|---|---|"]
    for r in cold:
        lines.append(f"| {r['arch']} | {r['budget']} | {r['lcrt_capture_ns'] / 1000:.0f} us |")
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
    """text, data, bss of drivers/misc/lcrt (size of its built-in.a)."""
    objs = sorted(o for o in (out / "drivers" / "misc" / "lcrt").glob("*.o")
                  if o.name not in ("lcrt.o", "test-hooks.o")
                  and not o.name.endswith("_kunit.o"))
    p = subprocess.run([f"{v.cross}size", "-t", *objs], capture_output=True, text=True)
    last = p.stdout.strip().splitlines()[-1].split()
    return {"text": int(last[0]), "data": int(last[1]), "bss": int(last[2])}


def main():
    kv = os.environ.get("KVER") or "6.12"
    names = (os.environ.get("BOARD") or "arm,arm64,x86_64").split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    what = os.environ.get("BENCH") or "ramoops,scaling"
    results, feet, scaling = [], {}, []
    for name in names:
        b = boards.board(name)
        v, out = bench_board(b, kv)
        feet[name] = footprint(v, out)
        if "ramoops" in what:
            with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
                ramfile = Path(tmp) / "ram.img"
                for crash in CRASHES:
                    r = one_crash(v, out / v.image, ramfile, crash, kv)
                    log(f"{name} {kv} {crash}: {r}")
                    results.append(r)
        if "scaling" in what:
            scaling += sweep(v, out, kv)
    if results:
        prov = provenance([kv])
        (OUT / "bench.json").write_text(
            json.dumps({**prov, "rows": results}, indent=1) + "\n")
        write_md(results, feet, kv, prov)
    if scaling:
        write_scaling(scaling, kv)


def warm_rows(rows):
    """One row per board, budget and depth: the median warm capture of the
    repeats (and their minimum), the rest from the first of them."""
    out = []
    for r in rows:
        if r["cold"] or any(o["arch"] == r["arch"] and o["budget"] == r["budget"] and
                            o["depth"] == r["depth"] for o in out):
            continue
        times = sorted(x["lcrt_capture_ns"] for x in rows if not x["cold"] and
                       x["arch"] == r["arch"] and x["budget"] == r["budget"] and
                       x["depth"] == r["depth"])
        out.append(dict(r, lcrt_capture_ns=times[len(times) // 2],
                        lcrt_capture_min_ns=times[0], repeats=len(times)))
    return out


def write_md(results, feet, kv, prov):
    def us(ns):
        return f"{ns / 1000:.0f} us" if ns else "-"
    lines = [f"# LCRT against pstore/ramoops, same boot ({kv}, QEMU TCG, "
             f"{prov['date']})", "",
             f"Made by `make bench` at {prov['commit'][:12]}"
             f"{' with uncommitted changes' if prov['dirty'] else ''}, series "
             f"{prov['series']}, {', '.join(prov['kernels'].values())}.", "",
             "Both keep 1 KiB per record (ramoops record_size=1024, deflate). "
             "Times are ktime_get_mono_fast_ns() in the same boot: LCRT's "
             "capture (its record header) and every pstore_dump() of the crash.",
             "", "| board | crash | LCRT bytes | ramoops bytes (records) | LCRT "
             "capture | ramoops dumps | culprit LCRT / ramoops | frames LCRT / "
             "ramoops / true |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['arch']} | {r['crash']} | {r['lcrt_bytes']} | {r['ramoops_bytes']} "
            f"({r['ramoops_records']}) | {us(r['lcrt_capture_ns'])} | "
            f"{us(r['ramoops_dump_ns'])} ({r['ramoops_dumps']}) | "
            f"{'yes' if r['lcrt_culprit_at_1k'] else 'no'} / "
            f"{'yes' if r['ramoops_culprit_at_1k'] else 'no'} | "
            f"{r['lcrt_frames']} / {r['ramoops_frames']} / {r['true_frames']} |")
    lines += ["", "Footprint of drivers/misc/lcrt (size of its objects) and its "
              "boot cost (its log: arming = mapping, header, scan of every slot; "
              "the self-test at late initcall), median of the boots above:", "",
              "| board | text | data | bss | arming | self-test |", "|---|---|---|---|---|---|"]

    def median(key, arch):
        v = sorted(r[key] for r in results if r["arch"] == arch and r.get(key) is not None)
        return f"{v[len(v) // 2]} us" if v else "-"
    for name, f in feet.items():
        arch = boards.board(name).arch
        lines.append(f"| {name} | {f['text']} | {f['data']} | {f['bss']} | "
                     f"{median('lcrt_armed_us', arch)} | {median('lcrt_selftest_us', arch)} |")
    (OUT / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    readme_section("bench", "\n".join(lines[2:]))


if __name__ == "__main__":
    main()
