"""The crash matrix: every way a kernel dies, on every vendor board and kernel.

For each board x kernel the lab boots once to list LKDTM's crash types, then
runs every cell: crash (with the knobs that make that kind of crash end in a
panic), power cut, and the next boot reads /proc/lcrt and the raw record,
clears, and crashes the next cell. A cell passes when the record is valid,
within budget, of the right event and reason, and names the culprit.
Results go to matrix/matrix.json (one object per cell) and matrix/matrix.md,
and the table into README.md.
"""
import base64
import dataclasses
import json
import os
import re
import tempfile
import time
from pathlib import Path

from common import CACHE, ROOT, log, readme_section
from boards import board, parse_config
from guest import Guest

DIRECT = "/sys/kernel/debug/provoke-crash/DIRECT"
CRASH_MODULE = ROOT / "lab" / "modules" / "lcrt_crash"
BUDGET = 1024
TIMEOUT = 120     # seconds of one boot: a watchdog panics within ~30
WATCHDOG = "softlockup_panic=1 watchdog_thresh=1"
# LKDTM's DIRECT crash point, named on the command line, fires from LKDTM's
# own initcall: a crash during boot, before user space.
BOOT_CRASH = "lkdtm.cpoint_name=DIRECT lkdtm.cpoint_type=BUG"
# GCC's clones of a function (.constprop.0, .isra.0, ...) are that function.
CLONE = r"(\.cold|\.\w+\.\d+)*"
# Every crash comes from a settled system, not racing the kernel's own late
# boot work (x86 refines its TSC ~1 s after boot and switches clocksource
# with stop_machine, which a CPU spinning with preemption off turns into a
# soft lockup of the other CPU).
SETTLE = "sleep 2"


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str
    event: str              # regex on the record's event
    reason: str             # regex on the record's reason
    culprit: str            # regex: a frame's function that must be there
    lkdtm: str = ""         # the LKDTM type it needs ('' for none)
    cmd: str = ""           # guest command (default: echo <name> > DIRECT)
    bootargs: str = ""      # on the crashing boot
    at_boot: bool = False   # the crash comes during boot (bootargs only)
    context: str = ""       # regex on the record's context
    cpu: int = -1           # the CPU it must name, or -1
    needs: tuple = ()       # (CONFIG_X, why n/a without it)
    # (regex on the console of a boot, why n/a when it matches)
    absent: tuple = ()
    # (CONFIG_X, why): with CONFIG_X=y no record can name the culprit;
    # the cell is n/a when everything else about the record is right.
    unknowable: tuple = ()
    note: str = ""

    def command(self):
        return f"{SETTLE}; " + (self.cmd or f"echo {self.lkdtm or self.name} > {DIRECT}")


def lk(name, event, reason, culprit=None, **kw):
    return Cell(name=name, lkdtm=name, event=event, reason=reason,
                culprit=culprit or rf"(__)?lkdtm_{name}", **kw)


# The cells every board runs (when its kernel lists the LKDTM type).
CELLS = [
    lk("PANIC", "panic", r"dumptest"),
    lk("BUG", "BUG", r"Fatal exception|BUG"),
    lk("WARNING", "warning", r"panic_on_warn", bootargs="panic_on_warn=1"),
    lk("EXCEPTION", "oops", r"Fatal exception"),
    lk("EXHAUST_STACK", "oops|panic|BUG", r"stack|Fatal exception",
       culprit=rf"(recursive_loop|lkdtm_EXHAUST_STACK){CLONE}"),
    lk("CORRUPT_STACK", "panic", r"stack-protector"),
    lk("CORRUPT_STACK_STRONG", "panic", r"stack-protector"),
    lk("SOFTLOCKUP", "watchdog", r"softlockup", bootargs=WATCHDOG,
       context="hardirq"),
    lk("HARDLOCKUP", "watchdog", r"[Hh]ard ?LOCKUP|hardlockup",
       bootargs="nmi_watchdog=panic watchdog_thresh=1",
       needs=("CONFIG_HARDLOCKUP_DETECTOR",
              "no hardlockup detector in this kernel config"),
       absent=(r"Perf NMI watchdog permanently disabled",
               "the perf NMI hardlockup detector needs a PMU that raises "
               "NMIs; QEMU TCG has none"),
       unknowable=("CONFIG_HARDLOCKUP_DETECTOR_BUDDY",
                   "the buddy detector panics on the CPU that watches; the "
                   "locked-up CPU has interrupts off and no NMI reaches it "
                   "(Debian: ARM64_PSEUDO_NMI=n), so where it loops is "
                   "unknowable to any recorder")),
    # The first SPINLOCKUP takes the lock and returns; the second spins.
    # The first returns to user space holding a lock: with a preempt count
    # (x86's PREEMPT_DYNAMIC) its next page fault cannot be served, so it
    # runs in a shell of its own that may die of it. The looping function
    # is the lock's slow path.
    lk("SPINLOCKUP", "watchdog", r"softlockup", bootargs=WATCHDOG,
       context="hardirq", culprit=rf"(lkdtm_SPINLOCKUP|_raw_spin_lock|(native_|__pv_)?"
               rf"queued_spin_lock_slowpath|do_raw_spin_lock){CLONE}",
       cmd=f"sh -c 'echo SPINLOCKUP > {DIRECT}'; echo SPINLOCKUP > {DIRECT}"),
    lk("HUNG_TASK", "watchdog", r"hung_task",
       culprit=rf"(check_hung_uninterruptible_tasks|watchdog){CLONE}",
       cmd=f"echo 1 > /proc/sys/kernel/hung_task_timeout_secs; "
           f"echo HUNG_TASK > {DIRECT}",
       bootargs="hung_task_panic=1",
       note="the record is khungtaskd's; the blocked task is not running"),
    lk("UNALIGNED_LOAD_STORE_WRITE", "oops|BUG", r"Fatal exception"),
    Cell(name="BOOT_BUG", lkdtm="BUG", event="BUG", reason=r"Fatal exception",
         culprit=r"lkdtm_BUG", at_boot=True, bootargs=BOOT_CRASH,
         note="during boot, from LKDTM's initcall"),
    Cell(name="MODULE_OOPS", event="oops", reason=r"Fatal exception",
         culprit=rf"lcrt_crash_oops{CLONE} \[lcrt_crash\]",
         cmd="insmod /lab/modules/lcrt_crash.ko crash=oops",
         needs=("CONFIG_MODULES", "no module support")),
    Cell(name="HARDIRQ_CPU1", event="oops",
         reason=r"Fatal exception in interrupt",
         culprit=rf"lcrt_crash_timer{CLONE} \[lcrt_crash\]", context="hardirq", cpu=1,
         cmd="insmod /lab/modules/lcrt_crash.ko crash=timer cpu=1",
         note="a pinned hard-irq hrtimer; a cross-CPU call may "
              "run in the idle task, not in an interrupt",
         needs=("CONFIG_MODULES", "no module support")),
]

READ = ("echo @@REC; cat /proc/lcrt; echo @@RAW; "
        "base64 /sys/kernel/lcrt/record 2>/dev/null; echo @@END; "
        "echo clear > /sys/kernel/lcrt/control")


def parse_record(text):
    """What a cell checks, from /proc/lcrt and the raw record."""
    proc, _, raw = text.partition("@@RAW")
    r = {"proc": proc}
    m = re.search(r"LCRT record \d+ \(slot \d+, (\d+) bytes, captured in "
                  r"(\d+) ns", proc)
    if not m:
        return None
    r["bytes"], r["capture_ns"] = int(m.group(1)), int(m.group(2))
    for key in ("event", "reason", "context"):
        m = re.search(rf"^{key}:\s+(.*)$", proc, re.M)
        r[key] = m.group(1).strip() if m else ""
    m = re.search(r" on CPU (\d+)", proc)
    r["cpu"] = int(m.group(1)) if m else -1
    r["frames"] = [
        (m.group(1) + (f" [{m.group(2)}]" if m.group(2) else ""))
        for m in re.finditer(r"^\s+#\d+\s+(\S+?)\+0x[0-9a-f]+/0x[0-9a-f]+"
                             r"(?: \[(\w+)\])? \[", proc, re.M)]
    r["nframes"] = len(re.findall(r"^\s+#\d+\s+.*\[0x[0-9a-f]+\]$", proc, re.M))
    r["addrs"] = [int(a, 16) for a in
                  re.findall(r"^\s+#\d+\s+.*\[0x([0-9a-f]+)\]$", proc, re.M)]
    m = re.search(r"^registers:\n((?:  .*\n)+)", proc, re.M)
    regs = dict(re.findall(r"(\w+)\s+([0-9a-f]{8,16})\b", m.group(1))) if m else {}
    r["pc"] = int(regs.get("pc") or regs.get("ip") or regs.get("rip") or "0", 16)
    win = proc.split("stack windows (per frame", 1)
    r["windows"] = len(re.findall(r"^  #\d+\s+[0-9a-f]+:", win[1], re.M)) \
        if len(win) > 1 else 0
    # The raw file: the record (its total_size), then its follow-up, if any.
    try:
        b = base64.b64decode("".join(raw.split("@@END")[0].split()))
        r["raw"] = int.from_bytes(b[12:16], "little") if len(b) >= 32 else -1
        r["raw_len"] = len(b)
    except ValueError:
        r["raw"] = r["raw_len"] = -1
    return r


def console_site(console):
    """The function the kernel's own report on the console blames: the pc
    of an oops or BUG, the site of a WARN. None for a panic or watchdog."""
    m = re.search(r"WARNING: CPU: \d+ PID: \d+ at \S+ (\S+?)\+0x", console) or \
        re.search(r"PC is at (\S+?)\+0x", console) or \
        re.search(r"\bpc : (\S+?)\+0x", console) or \
        re.search(r"RIP: 0010:(\S+?)\+0x", console)
    return m.group(1) if m else None


def aliases(system_map):
    """name -> every text symbol at the same address (System.map). GCC's
    identical code folding makes one body of functions that compile alike
    (lkdtm_SOFTLOCKUP and lkdtm_LOOP on a kernel without preempt counts);
    kallsyms then names the body by one of them, either right."""
    at = {}
    for line in system_map.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            at.setdefault(parts[0], []).append(parts[2])
    return {n: names for names in at.values() if len(names) > 1 for n in names}


def judge(cell, rec, config=None, site=None, alias=None):
    """(result, reason) of a cell from its parsed record. The culprit is
    the cell's function, or the one the kernel's console report blames
    (site: the compiler may have inlined the LKDTM function there), or a
    symbol that shares its address (alias, from aliases())."""
    if rec is None:
        return "fail", "no valid record after the power cut"
    bad = []
    if rec["raw"] != rec["bytes"]:
        bad.append(f"raw record {rec['raw']} bytes, /proc says {rec['bytes']}")
    if max(rec["bytes"], rec.get("raw_len", 0)) > BUDGET:
        bad.append(f"{rec['bytes']} bytes ({rec.get('raw_len')} with what "
                   f"followed), over the {BUDGET} budget")
    if not re.fullmatch(cell.event, rec["event"]):
        bad.append(f"event {rec['event']!r}")
    if not re.search(cell.reason, rec["reason"]):
        bad.append(f"reason {rec['reason']!r}")
    if cell.context and not re.match(cell.context, rec["context"]):
        bad.append(f"context {rec['context']!r}")
    if cell.cpu >= 0 and rec["cpu"] != cell.cpu:
        bad.append(f"CPU {rec['cpu']}, not {cell.cpu}")
    if cell.context == "hardirq" and cell.event == "watchdog" and \
            rec.get("pc", 0) not in rec.get("addrs", []):
        bad.append("no registers of the interrupted context (their pc is "
                   "not a frame of the chain)")
    culprit = cell.culprit
    if site and not cell.event.startswith("watchdog"):
        culprit = rf"(?:{culprit}|{re.escape(site)}{CLONE}(?: \[\w+\])?)"
    alias = alias or {}

    def blamed(frame):
        name, _, mod = frame.partition(" ")
        return any(re.fullmatch(culprit, (n + " " + mod).strip())
                   for n in [name] + alias.get(name, []))

    if not any(blamed(f) for f in rec["frames"]):
        if not bad and cell.unknowable and \
                (config or {}).get(cell.unknowable[0]) == "y":
            return "n/a", (f"record valid ({rec['event']}, {rec['reason']}), "
                           f"culprit not knowable: {cell.unknowable[1]}")
        bad.append(f"culprit /{cell.culprit}/ not in the chain "
                   f"{', '.join(rec['frames'][:12])}")
    if bad:
        return "fail", "; ".join(bad)
    # The cell's own culprit where the chain has it, else the console's site.
    found = next((f for f in rec["frames"] if re.fullmatch(cell.culprit, f)),
                 None) or next(f for f in rec["frames"] if blamed(f))
    how = []
    name = found.partition(" ")[0]
    if not re.fullmatch(cell.culprit, found) and name in alias:
        how.append(f"one body with {', '.join(n for n in alias[name] if n != name)}")
    if not re.fullmatch(cell.culprit, found) and name not in alias:
        how.append("where the console's report blames: the crashing function "
                   "was inlined or tail-called there")
    if cell.note:
        how.append(cell.note)
    return "pass", f"culprit {found}" + (f" ({'; '.join(how)})" if how else "")


def lkdtm_types(g):
    """The crash types this kernel's LKDTM lists, and the boot console."""
    out, console, _ = g.run(f"cat {DIRECT}")
    if out is None:
        raise SystemExit(f"matrix: {g.board.name} did not boot:\n{console[-3000:]}")
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)$", out, re.M)), console


def lkdtm_said(console):
    lines = [l for l in console.splitlines() if "lkdtm" in l]
    return lines[-1].strip() if lines else "no message"


def run_board(board_name, kver, cells):
    """Every cell on one board and kernel; returns the rows."""
    b = board(board_name)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        g = Guest(board_name, Path(tmp) / "ram.img", kver=kver,
                  modules=[CRASH_MODULE] if b.vendor else [])
        config = parse_config((g.out / ".config").read_text())
        alias = aliases((g.out / "System.map").read_text())
        types, boot_console = lkdtm_types(g)
        rows, pending = [], None   # pending: the cell whose record is in NVRAM

        def row(cell, result, reason, rec=None, secs=0.0):
            rows.append({
                "crash": cell.name, "board": b.name, "arch": b.arch,
                "kver": g.kver, "result": result, "reason": reason,
                "bytes": rec["bytes"] if rec else None,
                "frames": rec["nframes"] if rec else None,
                "windows": rec["windows"] if rec else None,
                "capture_ns": rec["capture_ns"] if rec else None,
                "event": rec["event"] if rec else None,
                "context": rec["context"] if rec else None,
                "cpu": rec["cpu"] if rec else None,
                "chain": rec["frames"][:16] if rec else None,
                "seconds": round(secs, 1)})
            log(f"{b.name} {g.kver} {cell.name}: {result}: {reason}")

        sites = {}

        def read(out, cell, secs):
            seg = out.split("@@REC", 1)[1] if out and "@@REC" in out else None
            rec = parse_record(seg) if seg else None
            row(cell, *judge(cell, rec, config, sites.get(cell.name), alias),
                rec=rec, secs=secs)

        todo = []
        for cell in cells:
            if cell.lkdtm and cell.lkdtm not in types:
                row(cell, "n/a", f"this kernel's LKDTM does not list {cell.lkdtm}")
            elif cell.needs and config.get(cell.needs[0], "n") == "n":
                row(cell, "n/a", f"{cell.needs[1]} ({cell.needs[0]} is off)")
            elif cell.absent and re.search(cell.absent[0], boot_console):
                row(cell, "n/a", f"{cell.absent[1]} (the boot says: "
                    f"{re.search(cell.absent[0], boot_console).group(0)})")
            else:
                todo.append(cell)
        g.power_on_fresh()
        t0 = time.time()
        for cell in todo + [None]:
            prev_read = READ if pending else "true"
            if cell is None or cell.at_boot:
                # Read the pending record in a boot of its own.
                if pending:
                    out, console, _ = g.run(prev_read, timeout=TIMEOUT)
                    if out is None:
                        row(pending, "fail", "the reading boot did not finish: "
                            + console.strip().splitlines()[-1][:200])
                    else:
                        read(out, pending, time.time() - t0)
                    pending = None
                if cell is None:
                    break
                t0 = time.time()
                out, console, _ = g.run("true", bootargs=cell.bootargs,
                                        timeout=TIMEOUT)
                if out is not None:
                    row(cell, "n/a", f"the boot did not crash: {lkdtm_said(console)}")
                else:
                    sites[cell.name] = console_site(console)
                    pending = cell
                continue
            t0_cell = time.time()
            out, console, _ = g.run(f"{prev_read}; {cell.command()}",
                                    bootargs=cell.bootargs, timeout=TIMEOUT)
            if pending:
                if out is None and "@@REC" not in console:
                    row(pending, "fail", "the reading boot crashed first")
                else:
                    seg = (out or console)
                    read(seg.split("@@LAB-BEGIN", 1)[-1], pending,
                         t0_cell - t0)
            pending = None
            t0 = t0_cell
            if out is not None:
                row(cell, "n/a", "no panic with these knobs: "
                    + lkdtm_said(console.split("@@END", 1)[-1]))
            elif "Kernel panic" not in console:
                row(cell, "fail", "QEMU ended without a panic: "
                    + console.strip().splitlines()[-1][:200])
            else:
                sites[cell.name] = console_site(console.split("@@END", 1)[-1])
                pending = cell
    return rows


def write_results(rows, outdir):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "matrix.json").write_text(json.dumps(rows, indent=1) + "\n")
    combos = sorted({(r["board"], r["kver"]) for r in rows},
                    key=lambda c: (c[0], [int(x) for x in c[1].split(".")]))
    crashes = list(dict.fromkeys(r["crash"] for r in rows))
    cell = {(r["crash"], r["board"], r["kver"]): r for r in rows}
    head = "| crash | " + " | ".join(f"{b} {k}" for b, k in combos) + " |"
    lines = [head, "|---" * (len(combos) + 1) + "|"]
    for c in crashes:
        out = []
        for b, k in combos:
            r = cell.get((c, b, k))
            if not r:
                out.append("")
            elif r["result"] == "pass":
                out.append(f"pass {r['bytes']} B, {r['frames']} fr, "
                           f"{r['windows']} win, {r['capture_ns'] // 1000} us")
            else:
                out.append(r["result"])
        lines.append(f"| {c} | " + " | ".join(out) + " |")
    table = "\n".join(lines)
    notes = [f"- {r['crash']} on {r['board']} {r['kver']}: {r['result']}: "
             f"{r['reason']}" for r in rows if r["result"] != "pass"]
    npass = sum(r["result"] == "pass" for r in rows)
    summary = (f"{npass} pass, {sum(r['result'] == 'fail' for r in rows)} fail, "
               f"{sum(r['result'] == 'n/a' for r in rows)} n/a "
               f"({time.strftime('%Y-%m-%d')}, `make matrix`)")
    (outdir / "matrix.md").write_text(
        "# The crash matrix\n\nPer cell: the record's size, frames in the "
        "chain, stack windows, and capture time under TCG.\n\n"
        f"{summary}\n\n{table}\n\n## Cells that do not pass\n\n"
        + ("\n".join(notes) or "none") + "\n")
    return table, summary


def update_readme(table, summary):
    readme_section("matrix", f"{summary}\n\n{table}")


def main(args):
    names = set(args.crashes.split(",")) if args.crashes else None
    cells = [c for c in CELLS if not names or c.name in names]
    rows = []
    outdir = Path(args.out)
    old = []
    if (outdir / "matrix.json").exists() and names:
        old = json.loads((outdir / "matrix.json").read_text())
    for kv in args.kvers.split(","):
        for bn in args.boards.split(","):
            rows += run_board(bn, kv, cells)
    if old:   # a partial run replaces its own cells only
        fresh = {(r["crash"], r["board"], r["kver"]) for r in rows}
        rows = [r for r in old if (r["crash"], r["board"], r["kver"]) not in fresh] + rows
    table, summary = write_results(rows, outdir)
    if outdir.resolve() == (ROOT / "matrix").resolve():
        update_readme(table, summary)
    print(table)
    print(summary)
    return 1 if any(r["result"] == "fail" for r in rows) else 0
