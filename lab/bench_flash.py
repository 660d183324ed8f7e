"""The flash race of make bench: LCRT against mtdoops on the nor board.

The same boot keeps both: LCRT on the NOR partition "lcrt", mtdoops on
"oops" (the same size, 256 KiB: two 128 KiB blocks; mtdoops at its default
record size, 4 KiB), both from an erased flash, both cold (LCRT's self-test
off). Each run crashes once (oops=panic: an oops, then the panic it makes),
and the host reads both partitions from the NOR file after the power cut.
Per crash: bytes each keeps, program operations (the bytes the crash
programmed: every byte left not erased, and for LCRT also its commit words,
programmed twice by design), time in the die and panic paths (LCRT's two
notifiers, which include its panic writes; every mtdoops_do_dump()), the
culprit in what each kept (LCRT: its record's culprit; mtdoops: the
culprit's name in its text), and on paper what a real NOR part takes for
those programs (M29W400D: word program 10 us typical, 200 us worst).
"""
import json
import re
import subprocess
import tempfile
from pathlib import Path

import bench
import boards
import guest
import kernels
import matrix
from common import CACHE, log, provenance

CRASHES = ("EXCEPTION", "BUG", "DEEP_OOPS")
WORD_TYP_US, WORD_MAX_US = 10, 200   # M29W400D word program, typ / max
MTDOOPS_MAGIC = 0x5d005e00           # struct mtdoops_hdr (v2)
MTDOOPS_HDR = 16                     # seq, magic, ktime


def changed(part):
    """Bytes of a partition that are not erased."""
    return sum(1 for x in part if x != 0xff)


def lcrt_partition(part):
    """(records with follow-ups, bytes of them, the newest record's JSON)
    of a dump of LCRT's partition, by the tool."""
    with tempfile.NamedTemporaryFile(suffix=".nor") as f:
        f.write(part)
        f.flush()
        j = subprocess.run([bench.TOOL, "decode", "--all", "--json", f.name],
                           capture_output=True, text=True)
    recs = [r for r in json.loads(j.stdout or "[]") if "seq" in r]
    writes = sum(1 + bool(r.get("followup")) for r in recs)
    size = sum(r.get("size", 0) + (r.get("followup") or {}).get("size", 0)
               for r in recs)
    return writes, size, (recs[-1] if recs else {})


def mtdoops_text(part):
    """The text of mtdoops' records (4 KiB each), in order."""
    out = []
    for off in range(0, len(part), 4096):
        hdr = part[off:off + MTDOOPS_HDR]
        if int.from_bytes(hdr[4:8], "little") == MTDOOPS_MAGIC:
            out.append(part[off + MTDOOPS_HDR:off + 4096].rstrip(b"\xff")
                       .decode(errors="replace"))
    return out


def run_one(v, kernel, ko, ramfile, cell):
    work, cpio = guest.initramfs(v, f"sleep 1; {cell.command()}",
                                 modules=ko if cell.module else ())
    guest.flash_file(ramfile).unlink(missing_ok=True)     # erased
    console, _, _, _ = guest.boot(
        v, kernel, cpio, ramfile,
        f"mtdoops.mtddev=oops lcrt.selftest=0 {cell.bootargs}".strip(),
        timeout=matrix.TIMEOUT)
    subprocess.run(["rm", "-rf", work])
    if "Kernel panic" not in console:
        raise SystemExit(f"bench: nor {cell.name}: no panic\n{console[-2000:]}")
    nor = guest.flash_file(ramfile).read_bytes()
    parts = {name: nor[off:off + size] for name, off, size in guest.FLASH_PARTS[:2]}
    writes, size, rec = lcrt_partition(parts["lcrt"])
    # LCRT's block headers (64 bytes each, programmed by the erase-ahead
    # before the crash) are not the crash's.
    heads = sum(changed(parts["lcrt"][b * 0x20000:b * 0x20000 + 64]) for b in (0, 1))
    texts = mtdoops_text(parts["oops"])
    lcrt_ns = [int(x) for x in re.findall(r"lcrt-bench: lcrt_\w+_notify (\d+) ns", console)]
    oops_ns = [int(x) for x in re.findall(r"lcrt-bench: mtdoops_do_dump (\d+) ns", console)]
    culprit = ((rec.get("culprit") or {}).get("function") or "").split(" ")[0]
    return {
        "lcrt_bytes": size,
        "lcrt_programs": changed(parts["lcrt"]) - heads + 4 * writes,
        "lcrt_ns": sum(lcrt_ns) if lcrt_ns else None,
        "lcrt_culprit": re.fullmatch(re.escape(cell.culprit) + matrix.CLONE,
                                     culprit) is not None,
        "mtdoops_bytes": sum(MTDOOPS_HDR + len(t.encode()) for t in texts),
        "mtdoops_records": len(texts),
        "mtdoops_programs": changed(parts["oops"]),
        "mtdoops_ns": sum(oops_ns) if oops_ns else None,
        "mtdoops_dumps": len(oops_ns),
        "mtdoops_culprit": any(bench.named(cell.culprit, t) for t in texts),
    }


def race(kv):
    """The rows of the flash race on one kernel."""
    b = boards.board("nor")
    v, out = bench.bench_board(b, kv)
    ko = kernels.build_module(v, bench.timed_tree(kv), out, bench.CRASH_MODULE)
    cells = [c for c in bench.bench_cells(CRASHES)]
    rows = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        ramfile = Path(tmp) / "ram.img"
        for cell in cells:
            runs = [run_one(v, out / v.image, ko, ramfile, cell)
                    for _ in range(bench.RUNS)]
            row = {"crash": cell.name, "board": "nor", "kver": kv,
                   "culprit": cell.culprit, "runs": len(runs)}
            for key in runs[0]:
                vals = [r[key] for r in runs]
                if isinstance(vals[0], bool):
                    row[key] = all(vals)
                    row[f"{key}_runs"] = sum(vals)
                elif key.endswith("_ns"):
                    row[f"{key}_min"], row[f"{key}_median"], row[f"{key}_max"] = \
                        bench.stats(vals)
                else:
                    row[key] = bench.stats(vals)[1]
            for who in ("lcrt", "mtdoops"):
                ops = row[f"{who}_programs"]
                row[f"{who}_nor_typ_ms"] = round(ops * WORD_TYP_US / 1000, 2)
                row[f"{who}_nor_max_ms"] = round(ops * WORD_MAX_US / 1000, 1)
            log(f"nor {kv} {cell.name}: {row}")
            rows.append(row)
    return rows


def write(rows, out):
    prov = provenance(sorted({r["kver"] for r in rows}))
    (out / "flash.json").write_text(json.dumps({**prov, "rows": rows}, indent=1) + "\n")

    def us(r, key):
        if r.get(f"{key}_median") is None:
            return "-"
        return (f"{r[key + '_median'] / 1000:.0f} ({r[key + '_min'] / 1000:.0f}-"
                f"{r[key + '_max'] / 1000:.0f})")
    lines = [
        "On NOR flash (the nor board: zynq-a9, AMD CFI NOR, QEMU TCG), LCRT "
        "against mtdoops in the same boot, each on a partition of 256 KiB "
        f"(two 128 KiB blocks), mtdoops at its default 4 KiB record, {bench.RUNS} "
        f"crashes a cell from an erased flash, both cold. Made at "
        f"{prov['commit'][:12]}{' with uncommitted changes' if prov['dirty'] else ''}, "
        f"series {prov['series']}. Bytes kept; program operations (bytes the "
        "crash programmed; LCRT's commit words count twice); time in the die and "
        "panic paths (us, median (min-max): LCRT's notifiers with their panic "
        "writes, every mtdoops_do_dump()); on a real NOR part, those programs "
        f"at {WORD_TYP_US} us typical / {WORD_MAX_US} us worst a word (M29W400D; "
        "bus width 8 bits: a word is a byte); the culprit in what each kept.", "",
        "| kernel | crash | bytes LCRT / mtdoops | programs LCRT / mtdoops | "
        "time LCRT | time mtdoops | real NOR typ / worst, LCRT | mtdoops | "
        "culprit LCRT / mtdoops |",
        "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['kver']} | {r['crash']} | {r['lcrt_bytes']} / {r['mtdoops_bytes']} | "
            f"{r['lcrt_programs']} / {r['mtdoops_programs']} | {us(r, 'lcrt_ns')} | "
            f"{us(r, 'mtdoops_ns')} | {r['lcrt_nor_typ_ms']} / {r['lcrt_nor_max_ms']} ms | "
            f"{r['mtdoops_nor_typ_ms']} / {r['mtdoops_nor_max_ms']} ms | "
            f"{r['lcrt_culprit_runs']}/{r['runs']} / {r['mtdoops_culprit_runs']}/{r['runs']} |")
    text = "\n".join(lines) + "\n"
    (out / "flash.md").write_text(text)
    print(text)
    return text
