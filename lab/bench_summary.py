#!/usr/bin/env python3
"""Where each recorder wins, counted from the bench's results.

The README's plain statement of where ramoops and mtdoops beat LCRT is
made from bench/results (bench.json, scaling-warm.json, flash.json), never
typed by hand, so it changes when the results do. `make bench` writes it
at its end; `python3 lab/bench_summary.py` writes it again from the results
on disk (nothing is measured).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import BUDGET, OUT  # noqa: E402
from common import readme_section  # noqa: E402


def _ms(ns):
    return f"{ns / 1e6:.2f}"


def _span(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{fmt(min(values))}-{fmt(max(values))}"


def ramoops_wins(rows):
    """Counts over the race's cells (one cell = board, kernel, crash,
    ramoops record size): a dict of what each side wins or misses."""
    small = [r for r in rows if r["ramoops_record_size"] == BUDGET]
    # At LCRT's budget, the cells where ramoops' compressed text takes fewer bytes.
    smaller = [r for r in small if r["ramoops_bytes"] < r["lcrt_raw_bytes"]]
    # Frames of the true chain found: the cells where ramoops' text keeps more.
    more = [r for r in rows if r["ramoops_frames"] > r["lcrt_frames"]]
    return {
        "cells": len(rows),
        "cells_1k": len(small),
        "ramoops_smaller_1k": len(smaller),
        # Of those, the ones where its text lacks the culprit in some run.
        "ramoops_smaller_1k_no_culprit": sum(r["ramoops_culprit_runs"] < r["runs"]
                                             for r in smaller),
        "ramoops_misses": sum(r["ramoops_culprit_runs"] < r["runs"] for r in rows),
        "lcrt_misses": sum(r["lcrt_culprit_runs"] < r["runs"] for r in rows),
        "ramoops_more_frames": len(more),
        "ramoops_more_frames_boards": sorted({r["arch"] for r in more}),
        "lcrt_more_frames": sum(r["lcrt_frames"] > r["ramoops_frames"] for r in rows),
        # Cold time in the crash path, cell medians.
        "ramoops_faster": sum(r["ramoops_dump_ns_median"] is not None
                              and r["lcrt_capture_ns_median"] is not None
                              and r["ramoops_dump_ns_median"] < r["lcrt_capture_ns_median"]
                              for r in rows),
        "lcrt_cold_ms": _span((r["lcrt_capture_ns_median"] for r in rows), _ms),
        "ramoops_cold_ms": _span((r["ramoops_dump_ns_median"] for r in rows), _ms),
    }


def warm_commit(warm):
    """Per board, the warm time to the commit at LCRT's budget (ms, the
    range of the depths' medians), from the scaling sweep."""
    out = {}
    for arch in sorted({r["arch"] for r in warm}):
        out[arch] = _span((r["lcrt_notify_ns"] for r in warm
                           if r["arch"] == arch and r["budget"] == BUDGET), _ms)
    return out


def mtdoops_wins(rows):
    """The flash race: what each side keeps and misses."""
    return {
        "cells": len(rows),
        "mtdoops_misses": sum(r["mtdoops_culprit_runs"] < r["runs"] for r in rows),
        "lcrt_misses": sum(r["lcrt_culprit_runs"] < r["runs"] for r in rows),
        "mtdoops_bytes": _span((r["mtdoops_bytes"] for r in rows), str),
        "lcrt_bytes": _span((r["lcrt_bytes"] for r in rows), str),
        "program_ratio": _span((r["mtdoops_programs"] / r["lcrt_programs"] for r in rows
                                if r["lcrt_programs"]), lambda x: f"{x:.1f}"),
        "mtdoops_faster": sum(r["mtdoops_ns_median"] < r["lcrt_ns_median"] for r in rows),
    }


def text(bench, warm, flash):
    """The README paragraph, from the three results (flash may be None)."""
    w = ramoops_wins(bench["rows"])
    boards = ", ".join(w["ramoops_more_frames_boards"]) or "no board"
    warm_ms = ", ".join(f"{a} {s}" for a, s in warm_commit(warm).items())
    parts = [
        f"Where ramoops wins, plainly (counted by `lab/bench_summary.py` from "
        f"the results of {bench['commit'][:12]}, series {bench['series']}): its "
        f"text keeps more frames of the call chain than LCRT's 1 KiB record in "
        f"{w['ramoops_more_frames']} of {w['cells']} cells ({boards}; LCRT "
        f"spends its budget on every frame's stack words), LCRT more in "
        f"{w['lcrt_more_frames']}; at 1 KiB its compressed text is smaller than "
        f"LCRT's record in {w['ramoops_smaller_1k']} of {w['cells_1k']} cells "
        f"(and lacks the culprit in {w['ramoops_smaller_1k_no_culprit']} of "
        f"those); it misses the culprit in {w['ramoops_misses']} of {w['cells']} "
        f"cells, LCRT in {w['lcrt_misses']}; cold, its dumps are faster than "
        f"LCRT's capture in {w['ramoops_faster']} of {w['cells']} cells. Cold "
        f"cell medians under TCG: LCRT {w['lcrt_cold_ms']} ms, ramoops "
        f"{w['ramoops_cold_ms']} ms (most of it the translation of code run "
        f"the first time). Warm, to the commit at 1 KiB (the scaling sweep's "
        f"later crashes of a boot, medians per depth): {warm_ms} ms."]
    if flash and flash.get("rows"):
        m = mtdoops_wins(flash["rows"])
        parts.append(
            f"Where mtdoops wins, on the nor board (results of "
            f"{flash['commit'][:12]}): it keeps {m['mtdoops_bytes']} bytes of the "
            f"kernel log around the crash, where LCRT keeps its record "
            f"({m['lcrt_bytes']} bytes) and no log; it is faster in "
            f"{m['mtdoops_faster']} of {m['cells']} cells. It misses the culprit "
            f"in {m['mtdoops_misses']} of {m['cells']} cells (its text is cut), "
            f"LCRT in {m['lcrt_misses']}, and it programs {m['program_ratio']} "
            f"times as many bytes.")
    return "\n\n".join(parts)


def write():
    bench = json.loads((OUT / "bench.json").read_text())
    warm = json.loads((OUT / "scaling-warm.json").read_text())
    flash_path = OUT / "flash.json"
    flash = json.loads(flash_path.read_text()) if flash_path.exists() else None
    body = text(bench, warm, flash)
    readme_section("bench-wins", body)
    print(body)


if __name__ == "__main__":
    write()
