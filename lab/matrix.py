"""The crash matrix: every way a kernel dies, on every vendor board and kernel.

For each board x kernel the lab boots once to list LKDTM's crash types, then
runs every cell: crash (with the knobs that make that kind of crash end in a
panic), power cut, and the next boot reads /proc/lcrt and the raw record,
clears, and crashes the next cell.

The judge is strict: a cell passes only when the record is valid, within
budget, of the right event, reason and context, and its own `culprit:` line
names the one function the table below expects (the function whose code did
the wrong thing, as the issue tracker's rule H defines it: GCC's clone
suffixes aside, nothing else: no other frame of the chain, no other name at
the same address, nothing from the console). A crash type that does not
crash the kernel fails unless its cell says why it cannot on that board
(then n/a, with the reason). Results go to matrix/matrix.json, with the
commit, the series and the kernels that made them, and matrix/matrix.md,
and the table into README.md.
"""
import base64
import concurrent.futures
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (CACHE, ROOT, load_results, log, provenance,
                    readme_section, series_hash)
from boards import board, parse_config
import kernels
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
    culprit: str            # the function the record's culprit must be
    why: str = ""           # why that function is the culprit
    module: str = ""        # the culprit's module, if it is in one
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
    # (regex on what LKDTM says, why n/a): the type cannot crash here
    xfail: tuple = ()
    # (CONFIG_X, why): run; when it does not crash and CONFIG_X is off,
    # n/a with that reason (what only that option would catch)
    quiet: tuple = ()
    # a function that must be in another CPU's chain in the record
    other: str = ""
    cpus: int = 1           # CPUs the crash needs (n/a on a board of fewer)
    note: str = ""

    def command(self):
        return f"{SETTLE}; " + (self.cmd or f"echo {self.lkdtm or self.name} > {DIRECT}")

    def culprit_re(self):
        """The culprit line's function: the name, a GCC clone of it, and
        its module."""
        mod = rf" \[{re.escape(self.module)}\]" if self.module else ""
        return rf"{re.escape(self.culprit)}{CLONE}{mod}"


def lk(name, event, reason, culprit=None, why="", **kw):
    return Cell(name=name, lkdtm=name, event=event, reason=reason,
                culprit=culprit or f"lkdtm_{name}",
                why=why or f"lkdtm_{name} does it itself", **kw)


def mod(name, event, reason, culprit, crash, before="", **kw):
    """A cell of the lab's own crash module: insmod lcrt_crash.ko crash=..."""
    return Cell(name=name, event=event, reason=reason, culprit=culprit,
                module="lcrt_crash",
                cmd=f"{before}insmod /lab/modules/lcrt_crash.ko crash={crash}",
                needs=("CONFIG_MODULES", "no module support"), **kw)


# The cells every board runs (when its kernel lists the LKDTM type): per
# crash type, the culprit the record must name, and why that function.
CELLS = [
    lk("PANIC", "panic", r"dumptest", why="it calls panic()"),
    lk("BUG", "BUG", r"Fatal exception|BUG", why="its BUG() traps"),
    lk("WARNING", "warning", r"panic_on_warn", bootargs="panic_on_warn=1",
       why="its WARN_ON() traps, and panic_on_warn panics"),
    lk("EXCEPTION", "oops", r"Fatal exception",
       why="its store to NULL faults"),
    lk("EXHAUST_STACK", "oops|panic|BUG", r"stack|Fatal exception",
       culprit="recursive_loop",
       why="it recurses until the stack overflows (LKDTM's "
           "lkdtm_EXHAUST_STACK only starts it)"),
    lk("CORRUPT_STACK", "panic", r"stack-protector",
       why="its canary is found smashed when it returns "
           "(it calls __stack_chk_fail)"),
    lk("CORRUPT_STACK_STRONG", "panic", r"stack-protector",
       why="its canary is found smashed when it returns "
           "(it calls __stack_chk_fail)"),
    lk("SOFTLOCKUP", "watchdog", r"softlockup", bootargs=WATCHDOG,
       context="hardirq", why="it loops with preemption off"),
    lk("HARDLOCKUP", "watchdog", r"[Hh]ard ?LOCKUP|hardlockup",
       bootargs="nmi_watchdog=panic watchdog_thresh=1",
       why="it loops with interrupts off",
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
    # runs in a shell of its own that may die of it.
    lk("SPINLOCKUP", "watchdog", r"softlockup", bootargs=WATCHDOG,
       context="hardirq",
       why="it takes a spinlock it already holds (not the lock's slow "
           "path, where it spins)",
       cmd=f"sh -c 'echo SPINLOCKUP > {DIRECT}'; echo SPINLOCKUP > {DIRECT}"),
    lk("HUNG_TASK", "watchdog", r"hung_task",
       why="it blocks forever in D state (the record is the blocked "
           "task's, not khungtaskd's)",
       cmd=f"echo 1 > /proc/sys/kernel/hung_task_timeout_secs; "
           f"echo HUNG_TASK > {DIRECT}",
       bootargs="hung_task_panic=1"),
    lk("UNALIGNED_LOAD_STORE_WRITE", "oops|BUG", r"Fatal exception",
       why="its unaligned store faults",
       xfail=(r"XFAIL: arch has CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS",
              "the CPU does unaligned stores: nothing faults")),
    Cell(name="BOOT_BUG", lkdtm="BUG", event="BUG", reason=r"Fatal exception",
         culprit="lkdtm_BUG", why="its BUG() traps, during boot",
         at_boot=True, bootargs=BOOT_CRASH,
         note="during boot, from LKDTM's initcall"),
    mod("MODULE_OOPS", "oops", r"Fatal exception", "lcrt_crash_write", "oops",
        why="its store through NULL faults (lcrt_crash_oops calls it)"),
    mod("HARDIRQ_CPU1", "oops", r"Fatal exception in interrupt",
        "lcrt_crash_write", "timer cpu=1",
        why="its store through NULL faults, called from a hard-irq "
            "hrtimer on CPU 1",
        context="hardirq", cpu=1, cpus=2,
        note="a pinned hard-irq hrtimer; a cross-CPU call may "
             "run in the idle task, not in an interrupt"),
    mod("LOCK_TWICE", "watchdog", r"softlockup", "lcrt_crash_lock_twice",
        "twice",
        why="it takes a spinlock it holds: the lock's slow path spins for "
            "it, and may not have saved its return address yet",
        context="hardirq", bootargs=WATCHDOG),
    mod("ABBA", "watchdog", r"softlockup", "lcrt_crash_take_two", "abba",
        other="lcrt_crash_take_two",
        why="two threads on two CPUs each hold one of two spinlocks and "
            "spin for the other: the side whose watchdog fired is the "
            "culprit, and the other side must be in the record too",
        context="hardirq", bootargs=WATCHDOG, cpus=2),
    mod("HUNG_WAIT", "watchdog", r"hung_task", "lcrt_crash_hung_wait", "hung",
        why="it waits forever for a completion nobody signals (a hung "
            "task in a module, not LKDTM's)",
        bootargs="hung_task_panic=1",
        before="echo 1 > /proc/sys/kernel/hung_task_timeout_secs; "),
]

# The kernel's console shares the serial line with the shell: quiet it
# while the record is read, or a late message lands in the base64.
READ = ("p=$(cut -f1 /proc/sys/kernel/printk); echo 1 > /proc/sys/kernel/printk; "
        "echo @@REC; cat /proc/lcrt; echo @@RAW; "
        "base64 /sys/kernel/lcrt/record 2>/dev/null; echo @@END; "
        "echo $p > /proc/sys/kernel/printk; "
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
    m = re.search(r"^culprit:\s+(\S+?)\+0x[0-9a-f]+/0x[0-9a-f]+"
                  r"(?: \[(\w+)\])? \((\w+)", proc, re.M)
    r["culprit"] = (m.group(1) + (f" [{m.group(2)}]" if m.group(2) else "")) \
        if m else None
    r["rule"] = m.group(3) if m else None
    for key in ("event", "reason", "context"):
        m = re.search(rf"^{key}:\s+(.*)$", proc, re.M)
        r[key] = m.group(1).strip() if m else ""
    m = re.search(r" on CPU (\d+)", proc)
    r["cpu"] = int(m.group(1)) if m else -1
    # The crashing CPU's chain: the indented lines after "call chain".
    m = re.search(r"^call chain.*\n((?:  .*\n?)*)", proc, re.M)
    chain = m.group(1) if m else ""
    r["frames"] = [
        (m.group(1) + (f" [{m.group(2)}]" if m.group(2) else ""))
        for m in re.finditer(r"^\s+#\d+\s+(\S+?)\+0x[0-9a-f]+/0x[0-9a-f]+"
                             r"(?: \[(\w+)\])? \[", chain, re.M)]
    r["nframes"] = len(re.findall(r"^\s+#\d+\s+.*\[0x[0-9a-f]+\](?: \(x\d+\))?$",
                                  chain, re.M))
    r["addrs"] = [int(a, 16) for a in
                  re.findall(r"^\s+#\d+\s+.*\[0x([0-9a-f]+)\](?: \(x\d+\))?$",
                             chain, re.M)]
    r["walked"] = sum(int(n or 1) for n in re.findall(
        r"^\s+#\d+\s+.*\[0x[0-9a-f]+\](?: \(x(\d+)\))?$", chain, re.M))
    # The other CPUs: "cpu N:   state", then their frames.
    r["cpus"] = {}
    for m in re.finditer(r"^cpu (\d+):\s+(.*)\n((?:  #.*\n?)*)", proc, re.M):
        r["cpus"][int(m.group(1))] = {
            "state": m.group(2).strip(),
            "frames": re.findall(r"#\d+\s+(\S+?)\+0x", m.group(3))}
    m = re.search(r"^registers:\n((?:  .*\n)+)", proc, re.M)
    regs = dict(re.findall(r"(\w+)\s+([0-9a-f]{8,16})\b", m.group(1))) if m else {}
    r["pc"] = int(regs.get("pc") or regs.get("ip") or regs.get("rip") or "0", 16)
    win = proc.split("stack windows (per frame", 1)
    r["windows"] = len(re.findall(r"^  #\d+\s+[0-9a-f]+:", win[1], re.M)) \
        if len(win) > 1 else 0
    # The raw file: the record (its total_size), then its follow-up, if any.
    try:
        b = base64.b64decode("".join(raw.split("@@END")[0].split()),
                             validate=True)
        r["raw"] = int.from_bytes(b[12:16], "little") if len(b) >= 32 else -1
        r["raw_len"] = len(b)
    except ValueError:
        r["raw"] = r["raw_len"] = -1
    return r


def inlined(cell, nm, vmlinux):
    """A cell whose culprit is an LKDTM helper (execute_location()) that
    GCC inlined into every caller on this board: the symbol table has no
    such function, and its code is the LKDTM type's own."""
    own = f"lkdtm_{cell.lkdtm}"
    if cell.module or not cell.lkdtm or cell.culprit == own:
        return cell
    p = subprocess.run([nm, str(vmlinux)], capture_output=True, text=True)
    if p.returncode or re.search(
            rf"^\S+ [tTwW] {re.escape(cell.culprit)}{CLONE}$", p.stdout, re.M):
        return cell
    return dataclasses.replace(
        cell, culprit=own,
        why=f"{cell.why}; {cell.culprit}() is inlined into it here (no such "
            f"function in this vmlinux)")


def tail_calls(objdump, vmlinux, func, depth=3):
    """The functions that func jumps to without a call (a tail call: "b" on
    arm and arm64, "jmp" on x86), from its disassembly, and those they
    tail-call in turn: after such a jump func is on no stack, and no
    unwinder can find it."""
    p = subprocess.run([objdump, "-d", f"--disassemble={func}", str(vmlinux)],
                       capture_output=True, text=True)
    out = set()
    for m in re.finditer(r"^\s*[0-9a-f]+:\s+(?:[0-9a-f]{2,8} )+\s*"
                         r"(b(?:\.?[a-z]{2})?|jmp|j[a-z]{1,3})\s+[0-9a-f]+ "
                         r"<([^>+]+)(\+0x[0-9a-f]+)?>", p.stdout, re.M):
        if m.group(2) != func and not m.group(3):
            out.add(m.group(2))
    for t in list(out) if depth > 1 else ():
        out |= tail_calls(objdump, vmlinux, t, depth - 1)
    return out


# Where a crash function's tail call may land and wait: crash machinery,
# never a culprit, so the culprit's own frame is on no stack.
TAIL_MACHINERY = {"queued_spin_lock_slowpath",
                  "native_queued_spin_lock_slowpath", "_raw_spin_lock",
                  "do_raw_spin_lock", "schedule", "schedule_timeout",
                  "msleep", "mdelay", "__const_udelay", "warn_slowpath_fmt",
                  "__warn_printk", "__warn", "report_bug",
                  # the allocator's free paths, whose checks trap on
                  # behalf of their caller (LCRT blames the caller)
                  "kfree", "kvfree", "kfree_sensitive", "kmem_cache_free"}


def judge(cell, rec, config=None, tails=()):
    """(result, reason) of a cell from its parsed record: the record's own
    culprit must be the cell's function. tails: the functions the cell's
    function tail-calls (tail_calls()): when the chain goes through one of
    them where the cell's function would be, it is on no stack, and the
    cell is n/a with that proof."""
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
    if cell.other and not any(
            any(re.fullmatch(rf"{re.escape(cell.other)}{CLONE}", f)
                for f in c["frames"]) for c in rec.get("cpus", {}).values()):
        bad.append(f"no other CPU in the record is in {cell.other} ("
                   + ("; ".join(f"cpu {n}: {c['state']} {', '.join(c['frames'])}"
                                for n, c in rec.get("cpus", {}).items())
                      or "no other CPU recorded") + ")")
    culprit = rec.get("culprit")
    if not culprit or not re.fullmatch(cell.culprit_re(), culprit):
        if not bad and cell.unknowable and \
                (config or {}).get(cell.unknowable[0]) == "y":
            return "n/a", (f"record valid ({rec['event']}, {rec['reason']}), "
                           f"culprit not knowable: {cell.unknowable[1]}")
        gone = [t for t in tails if any(f.split(" ")[0].split(".")[0] == t
                                         for f in rec["frames"])]
        if not bad and gone:
            # The function it jumped to did the rest: that one is on the
            # stack, and must be the culprit, unless it is the machinery
            # it waits in (then the culprit's frame is gone).
            if culprit and re.fullmatch(rf"{re.escape(gone[0])}{CLONE}",
                                        culprit.split(" ")[0]):
                return "pass", (f"culprit {culprit} ({rec['rule']}): "
                                f"{cell.culprit} ends in a tail call to it")
            if gone[0] in TAIL_MACHINERY:
                return "n/a", (f"record valid ({rec['event']}, culprit "
                               f"{culprit}), culprit not knowable: "
                               f"{cell.culprit} ends in a tail call to "
                               f"{gone[0]} (a jump, not a call, in its code), "
                               f"so it is on no stack")
            bad.append(f"culprit {culprit or 'none'}, not {gone[0]}, which "
                       f"{cell.culprit} ends in a tail call to (chain "
                       f"{', '.join(rec['frames'][:8])})")
            return "fail", "; ".join(bad)
        want = cell.culprit + (f" [{cell.module}]" if cell.module else "")
        bad.append(f"culprit {culprit or 'none'}, not {want} (chain "
                   f"{', '.join(rec['frames'][:8])})")
    if bad:
        return "fail", "; ".join(bad)
    return "pass", f"culprit {culprit} ({rec['rule']})" + \
        (f"; {cell.note}" if cell.note else "")


def lkdtm_types(g):
    """The crash types this kernel's LKDTM lists, and the boot console
    with the CPU's features (cpuinfo's flags or Features line)."""
    out, console, _ = g.run(f"cat {DIRECT}; "
                            "grep -m1 -E '^(flags|Features)' /proc/cpuinfo")
    if out is None:
        raise SystemExit(f"matrix: {g.board.name} did not boot:\n{console[-3000:]}")
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)$", out, re.M)), \
        console + "\n" + out


def lkdtm_said(console):
    lines = [l for l in console.splitlines() if "lkdtm" in l]
    return lines[-1].strip() if lines else "no message"


# Knobs for a type the table does not name: whatever kind of crash it is
# ends in a panic.
ANY_TYPE_BOOTARGS = f"panic_on_warn=1 hung_task_panic=1 {WATCHDOG}"


# LKDTM's own word that it cannot crash this kernel: its XFAIL line, or
# its pr_expected_config() line naming the option the kernel lacks.
LKDTM_XFAIL = (r"lkdtm: XFAIL: [^\n]*|lkdtm: This is (?:probably )?expected,? "
               r"since this kernel \([^)]*\) was built [^\n]*")

# What only KASAN is sure to turn into an oops on a vendor kernel (SLUB's
# freelist hardening traps some double and cross-cache frees; slub_debug
# only reports).
NO_KASAN = ("CONFIG_KASAN", "it did not crash, and only KASAN is sure to "
            "catch it: the vendor config has no KASAN")

# For the LKDTM types the table does not name: the culprit where it is
# not lkdtm_TYPE itself, and why a type cannot crash a vendor board (a
# CONFIG it needs, or what the board's boot or cpuinfo says).
DEFAULTS = {
    **{t: dict(culprit="execute_location",
               why="LKDTM's execute_location() calls into memory that "
                   "is not code")
       for t in ("EXEC_DATA", "EXEC_STACK", "EXEC_KMALLOC", "EXEC_VMALLOC",
                 "EXEC_RODATA", "EXEC_NULL")},
    "CORRUPT_PAC": dict(xfail=(
        r"lkdtm: FAIL: CPU lacks pointer authentication feature",
        "the CPU model has no pointer authentication")),
    "PANIC_STOP_IRQOFF": dict(culprit="panic_stop_irqoff_fn",
                              why="LKDTM's function that stop_machine() "
                                  "runs with interrupts off calls panic()"),
    **{t: dict(bootargs=f"{ANY_TYPE_BOOTARGS} kfence.sample_interval=1",
               why="KFENCE catches it once it samples (the vendor config "
                   "leaves sampling off until booted with an interval)",
               quiet=("CONFIG_KFENCE", "it did not crash: only KFENCE "
                      "catches it, and the vendor config has no KFENCE"))
       for t in ("KFENCE_READ_AFTER_FREE", "KFENCE_WRITE_AFTER_FREE",
                 "KFENCE_OOB_LEFT", "KFENCE_OOB_RIGHT",
                 "KFENCE_INVALID_FREE", "KFENCE_DOUBLE_FREE")},
    "USERCOPY_FOLIO": dict(culprit="do_usercopy_page_span",
                           why="LKDTM's helper makes the copy that spans "
                               "the pages"),
    # x86: cpuinfo's flags lack smap; arm64 (whose Features list cpuid):
    # cpuinfo lists no PAN, but the boot says "CPU features: detected:
    # Privileged Access Never" when the CPU has it and the kernel uses it.
    "ACCESS_USERSPACE": dict(absent=(
        r"(?ms)^flags\s*:(?![^\n]*\bsmap\b)[^\n]*$|\A(?!.*CPU features: "
        r"detected: Privileged Access Never).*?(?P<shown>^Features\s*:"
        r"[^\n]*\bcpuid\b[^\n]*)",
        "the CPU model has no SMAP or PAN (its boot never says it detected "
        "Privileged Access Never): the kernel reads user memory freely")),
    "EXEC_USERSPACE": dict(absent=(
        r"(?m)^flags\s*:(?!.*\bsmep\b).*$",
        "the CPU model has no SMEP: the kernel runs user code freely")),
    "UNSET_SMEP": dict(absent=(
        r"(?m)^flags\s*:(?!.*\bsmep\b).*$",
        "the CPU model has no SMEP to unset")),
    "CFI_BACKWARD": dict(needs=(
        "CONFIG_SHADOW_CALL_STACK", "no backward-edge CFI: the vendor "
        "config has no shadow call stack")),
    **{t: dict(needs=("CONFIG_UBSAN", "only UBSAN traps an arithmetic "
                      "overflow, and the vendor config has no UBSAN"))
       for t in ("OVERFLOW_SIGNED", "OVERFLOW_UNSIGNED")},
    **{t: dict(xfail=(r"lkdtm: (Stack offset|Recorded stack canary|FAIL: "
                      r"global stack canary)[^\n]*",
                      "it reports the stack's offset or canary for a "
                      "person to compare, and never crashes"))
       for t in ("REPORT_STACK", "REPORT_STACK_CANARY")},
    **{t: dict(xfail=(r"lkdtm: Memory appears initialized[^\n]*",
                      "it checks that fresh memory is zeroed and reports, "
                      "and never crashes (here the kernel zeroes it: "
                      "INIT_ON_ALLOC_DEFAULT_ON, as Debian sets it)"))
       for t in ("BUDDY_INIT_ON_ALLOC", "SLAB_INIT_ON_ALLOC")},
    **{t: dict(quiet=NO_KASAN)
       for t in ("SLAB_FREE_CROSS", "SLAB_FREE_DOUBLE", "SLAB_FREE_PAGE",
                 "SLAB_LINEAR_OVERFLOW", "WRITE_AFTER_FREE",
                 "WRITE_BUDDY_AFTER_FREE", "READ_AFTER_FREE",
                 "READ_BUDDY_AFTER_FREE")},
    **{t: dict(culprit=h, why=f"LKDTM's {h}() makes the bad copy")
       for h, ts in (("do_usercopy_slab_size", ("USERCOPY_SLAB_SIZE_FROM",
                                                "USERCOPY_SLAB_SIZE_TO")),
                     ("do_usercopy_slab_whitelist",
                      ("USERCOPY_SLAB_WHITELIST_FROM",
                       "USERCOPY_SLAB_WHITELIST_TO")),
                     ("do_usercopy_stack", ("USERCOPY_STACK_BEYOND",
                                            "USERCOPY_STACK_FRAME_FROM",
                                            "USERCOPY_STACK_FRAME_TO")))
       for t in ts},
    "USERCOPY_VMALLOC": dict(culprit="do_usercopy_page_span",
                             why="LKDTM's helper makes the copy", xfail=(
        r"lkdtm: Good, copy_to_user\(\) failed, but lacked Oops[^\n]*",
        "hardened usercopy refuses this copy without an oops in this "
        "kernel (LKDTM says so)")),
}


def default_cell(name):
    """The cell of an LKDTM type the table does not name: its own LKDTM
    function must be the culprit unless DEFAULTS names another; LKDTM's
    own XFAIL line, or DEFAULTS, is the reason it cannot crash this
    kernel."""
    kw = dict(culprit=f"lkdtm_{name}",
              why=f"no entry in the table: lkdtm_{name} does it itself",
              xfail=(LKDTM_XFAIL, "LKDTM says this kernel cannot catch it"),
              bootargs=ANY_TYPE_BOOTARGS)
    own = DEFAULTS.get(name, {})
    kw.update(own)
    if "xfail" in own:   # LKDTM's own word still counts
        kw["xfail"] = (f"(?:{own['xfail'][0]})|(?:{LKDTM_XFAIL})",
                       f"{own['xfail'][1]}, or LKDTM says this kernel "
                       f"cannot catch it")
    return Cell(name=name, lkdtm=name,
                event=r"oops|BUG|panic|warning|watchdog", reason=r".", **kw)


def run_board(board_name, kver, cells, all_types=False):
    """Every cell on one board and kernel; returns the rows. all_types:
    also every LKDTM type the kernel lists that no cell names."""
    b = board(board_name)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        g = Guest(board_name, Path(tmp) / "ram.img", kver=kver,
                  modules=[CRASH_MODULE] if b.vendor else [])
        config = parse_config((g.out / ".config").read_text())
        types, boot_console = lkdtm_types(g)
        rows, pending = [], None   # pending: the cell whose record is in NVRAM
        made_with = series_hash()

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
                "culprit": rec["culprit"] if rec else None,
                "expected": cell.culprit + (f" [{cell.module}]" if cell.module else ""),
                "chain": rec["frames"][:16] if rec else None,
                "cpus": rec["cpus"] if rec else None,
                "series": made_with,
                "seconds": round(secs, 1)})
            log(f"{b.name} {g.kver} {cell.name}: {result}: {reason}")

        objdump = f"{b.cross}objdump"
        nm = f"{b.cross}nm"

        def read(out, cell, secs):
            seg = out.split("@@REC", 1)[1] if out and "@@REC" in out else None
            rec = parse_record(seg) if seg else None
            cell = inlined(cell, nm, g.out / "vmlinux")
            tails = () if cell.module else \
                tail_calls(objdump, g.out / "vmlinux", cell.culprit)
            row(cell, *judge(cell, rec, config, tails), rec=rec, secs=secs)

        def no_crash(cell, console):
            """A type that did not crash: n/a only where its cell says why
            it cannot on this board."""
            said = lkdtm_said(console)
            m = cell.xfail and re.search(cell.xfail[0], console)
            if m:
                row(cell, "n/a", f"{cell.xfail[1]} ({m.group(0)})")
            elif cell.quiet and config.get(cell.quiet[0], "n") == "n":
                row(cell, "n/a", f"{cell.quiet[1]} ({cell.quiet[0]} is off; "
                    f"it ran: {said})")
            else:
                row(cell, "fail", f"the kernel did not crash: {said}")

        if all_types:
            named = {c.lkdtm for c in cells if c.lkdtm}
            cells = list(cells) + [default_cell(t) for t in sorted(types)
                                   if t not in named]
        todo = []
        for cell in cells:
            if cell.cpus > b.smp:
                row(cell, "n/a", f"it needs {cell.cpus} CPUs; the board has "
                    f"{b.smp}")
            elif cell.at_boot and b.late_medium:
                row(cell, "n/a", f"it crashes in LKDTM's initcall: "
                    f"{b.late_medium}")
            elif cell.lkdtm and cell.lkdtm not in types:
                row(cell, "n/a", f"this kernel's LKDTM does not list {cell.lkdtm}")
            elif cell.needs and config.get(cell.needs[0], "n") == "n":
                row(cell, "n/a", f"{cell.needs[1]} ({cell.needs[0]} is off)")
            elif cell.absent and re.search(cell.absent[0], boot_console):
                m = re.search(cell.absent[0], boot_console)
                said = m.groupdict().get("shown") or m.group(0)
                row(cell, "n/a", f"{cell.absent[1]} (the boot says: {said})")
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
                    no_crash(cell, console)
                else:
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
                no_crash(cell, console.split("@@END", 1)[-1])
            elif "Kernel panic" not in console:
                row(cell, "fail", "QEMU ended without a panic: "
                    + console.strip().splitlines()[-1][:200])
            else:
                pending = cell
    return rows


def load(outdir):
    """(provenance, rows) of a matrix.json; no provenance for an old one."""
    return load_results(Path(outdir) / "matrix.json")


def write_results(rows, outdir, prov):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "matrix.json").write_text(
        json.dumps({**prov, "rows": rows}, indent=1) + "\n")
    combos = sorted({(r["board"], r["kver"]) for r in rows},
                    key=lambda c: (c[0], [int(x) for x in c[1].split(".")]))
    crashes = list(dict.fromkeys(r["crash"] for r in rows))
    cell = {(r["crash"], r["board"], r["kver"]): r for r in rows}
    head = "| crash | culprit | " + " | ".join(f"{b} {k}" for b, k in combos) + " |"
    lines = [head, "|---" * (len(combos) + 2) + "|"]
    for c in crashes:
        out = []
        expected = next((r.get("expected") for r in rows if r["crash"] == c), "")
        for b, k in combos:
            r = cell.get((c, b, k))
            if not r:
                out.append("")
            elif r["result"] == "pass":
                out.append(f"pass {r['bytes']} B, {r['frames']} fr, "
                           f"{r['windows']} win, {r['capture_ns'] // 1000} us")
            else:
                out.append(r["result"])
        lines.append(f"| {c} | `{expected}` | " + " | ".join(out) + " |")
    table = "\n".join(lines)
    notes = [f"- {r['crash']} on {r['board']} {r['kver']}: {r['result']}: "
             f"{r['reason']}" for r in rows if r["result"] != "pass"]
    why = [f"- {c.name}: `{c.culprit}`{f' [{c.module}]' if c.module else ''}: {c.why}"
           for c in CELLS]
    npass = sum(r["result"] == "pass" for r in rows)
    summary = (f"{len(crashes)} crash types, {npass} pass, "
               f"{sum(r['result'] == 'fail' for r in rows)} fail, "
               f"{sum(r['result'] == 'n/a' for r in rows)} n/a "
               f"({prov['date']}, `make matrix` at {prov['commit'][:12]}"
               f"{' with uncommitted changes' if prov['dirty'] else ''}, "
               f"series {prov['series']}; "
               + ", ".join(prov["kernels"].values()) + ")")
    (outdir / "matrix.md").write_text(
        "# The crash matrix\n\nPer cell: the record's size, frames in the "
        "chain, stack windows, and capture time under TCG. A cell passes "
        "only when the record's own culprit is the function in the "
        "culprit column.\n\n"
        f"{summary}\n\n{table}\n\n{systemd_section(outdir)}## Why each culprit\n\n"
        + "\n".join(why) + "\n\n## Cells that do not pass\n\n"
        + ("\n".join(notes) or "none") + "\n")
    return table, summary


SYSTEMD_TESTS = ("test_systemd.CollectAtBoot", "test_systemd.Fleet")


def run_systemd(kvers):
    """The systemd guest's QEMU tests (tests/test_systemd.py) on each
    kernel: the unit collects at boot before a login, the fleet's upload
    is ranked by lcrt stats. One row per kernel; the log is kept."""
    rows = []
    for kv in kvers:
        log(f"systemd guest on x86_64-systemd {kv}")
        t0 = time.time()
        p = subprocess.run([sys.executable, "-m", "unittest", "-v", *SYSTEMD_TESTS],
                           cwd=ROOT / "tests", capture_output=True, text=True,
                           env=dict(os.environ, KVER=kv, LCRT_SYSTEMD="1"))
        text = p.stdout + p.stderr
        (CACHE / f"matrix-systemd-{kv}.log").write_text(text)
        ran = re.search(r"^Ran (\d+) tests?", text, re.M)
        bad = sum(int(x) for x in re.findall(r"(?:failures|errors)=(\d+)", text))
        skipped = re.findall(r"\.\.\. skipped '([^']*)'", text)
        n = int(ran.group(1)) if ran else 0
        result = ("pass" if p.returncode == 0 and n and not skipped else
                  "n/a" if p.returncode == 0 and skipped else "fail")
        why = (skipped[0] if skipped else
               f"{n} tests passed" if result == "pass" else
               (text.strip().splitlines() or ["no output"])[-1])
        rows.append({"kver": kv, "board": "x86_64-systemd", "tests": n,
                     "passed": n - bad - len(skipped),
                     "result": result, "reason": why,
                     "seconds": round(time.time() - t0)})
        log(f"systemd guest {kv}: {result}: {why}")
    return rows


def systemd_section(outdir):
    """matrix.md's part for the systemd guest, from systemd.json."""
    prov, rows = load_results(Path(outdir) / "systemd.json")
    if not rows:
        return ""
    lines = ["## The systemd guest", "",
             "tests/test_systemd.py's QEMU tests on `x86_64-systemd` (Debian "
             "bookworm, systemd as init, `make install`): crash, power cut, "
             "boot, `lcrt-collect.service` archives before a login and clears "
             "only what it archived; two devices upload their journals to "
             "`systemd-journal-remote` and `lcrt stats` ranks the crash on "
             f"both (`make matrix` at {prov['commit'][:12]}, series "
             f"{prov['series']}).", "",
             "| kernel | result | tests | time |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['kver']} | {r['result']}: {r['reason']} | {r['tests']} "
                     f"| {r['seconds']} s |")
    return "\n".join(lines) + "\n\n"


def update_readme(table, summary):
    readme_section("matrix", f"{summary}\n\n{table}")


def main(args):
    mode = getattr(args, "systemd", "no")
    if mode != "no":
        srows = run_systemd(args.kvers.split(","))
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "systemd.json").write_text(json.dumps(
            {**provenance(args.kvers.split(",")), "rows": srows}, indent=1) + "\n")
        if mode == "only":
            prov, rows = load(Path(args.out))
            table, summary = write_results(rows, args.out, prov)
            if Path(args.out).resolve() == (ROOT / "matrix").resolve():
                update_readme(table, summary)
            return 1 if any(r["result"] == "fail" for r in srows) else 0
    names = set(args.crashes.split(",")) if args.crashes else None
    cells = [c for c in CELLS if not names or c.name in names]
    # A name the table does not have is an LKDTM type's default cell.
    cells += [default_cell(n) for n in sorted(names or ())
              if n not in {c.name for c in CELLS}]
    if getattr(args, "retry", None) and not names:
        raise SystemExit("matrix: --retry needs --crashes")
    rows = []
    outdir = Path(args.out)
    old = []
    if names:
        _, old = load(outdir)
    combos = [(bn, kv) for kv in args.kvers.split(",")
              for bn in args.boards.split(",")]
    # One kernel build at a time, first; then the boards' cells in
    # parallel where the cores allow (a TCG guest of two CPUs keeps two
    # host cores busy: more at once would slow the guests' clocks).
    for bn, kv in combos:
        kernels.build_kernel(board(bn), kv)
    workers = max(1, (os.cpu_count() or 2) // 4)
    every = not names and args.types == "all"
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        for part in ex.map(lambda c: run_board(
                c[0], c[1], cells,
                every and board(c[0]).matrix_types == "all"), combos):
            rows += part
    if getattr(args, "retry", None):
        for r in rows:
            r["retry"] = args.retry
            r["reason"] += f" (run a second time: {args.retry}; same kernels)"
    if old:   # a partial run replaces its own cells only
        fresh = {(r["crash"], r["board"], r["kver"]) for r in rows}
        rows = [r for r in old if (r["crash"], r["board"], r["kver"]) not in fresh] + rows
    prov = provenance(sorted({r["kver"] for r in rows}))
    # A partial run over cells of other sources: say so, never hide it.
    stale = sorted({r["crash"] for r in rows if r.get("series") != prov["series"]})
    if stale:
        prov["dirty"] = True
        prov["stale_cells"] = stale
    table, summary = write_results(rows, outdir, prov)
    if outdir.resolve() == (ROOT / "matrix").resolve():
        update_readme(table, summary)
    print(table)
    print(summary)
    return 1 if any(r["result"] == "fail" for r in rows) or \
        (mode != "no" and any(r["result"] == "fail" for r in srows)) else 0
