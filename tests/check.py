#!/usr/bin/env python3
"""make check: every suite, then one line 'N passed, N failed'.

Suites:
  userspace  the lcrt tool's GoogleTest tests, clang-format, clang-tidy, and
             its libFuzzer targets (ASan, UBSan) once over their checked-in
             corpus (`make fuzz` fuzzes for a while); the GoogleTest suite
             again (golden files, collect, the CLI) built with ASan and UBSan
  kunit      the KUnit suites (kunit.py, as documented, nothing added) under
             QEMU: arm on 6.1, arm64 and x86_64 on 6.12 (a cross-section that
             covers both kernels); `make kunit` runs UML and every arch on
             both kernels
  lab        the series (sync, applies to both kernels, checkpatch, sparse),
             the vendor interface, and the real QEMU crash -> power cut ->
             read -> clear tests on the vendor boards, with a cross-section
             of the crash matrix (tests/test_*.py); and the systemd guest
             (tests/test_systemd.py): its board, image and collector, and
             its QEMU cross-section (x86_64-systemd, KVER: collect at boot,
             and the fleet's upload to systemd-journal-remote), building
             the board's kernel and Debian root first if needed

SUITES=userspace,lab limits the run to some suites. LCRT_SYSTEMD=0 leaves
the systemd guest's QEMU tests out.
"""
import os
import re
import subprocess
import sys
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lab"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "userspace" / "fuzz"))

import boards  # noqa: E402
import fuzz  # noqa: E402
import kernels  # noqa: E402
import matrix  # noqa: E402
from common import JOBS, load_results  # noqa: E402

USERSPACE_BUILD = ROOT / "userspace" / "build"


def build_userspace():
    subprocess.run(["cmake", "-S", ROOT / "userspace", "-B", USERSPACE_BUILD,
                    "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", USERSPACE_BUILD, "-j", JOBS],
                   check=True)


def style_checks():
    """clang-format and clang-tidy over the tool: one test each."""
    us = ROOT / "userspace"
    files = sorted(str(p) for d in ("src", "include", "tests", "fuzz")
                   for p in (us / d).rglob("*") if p.suffix in (".cpp", ".hpp"))
    fmt = subprocess.run(["clang-format", "--dry-run", "--Werror", *files],
                         capture_output=True, text=True)
    print(f"clang-format: {'ok' if fmt.returncode == 0 else 'FAILED'}\n"
          f"{fmt.stderr[-3000:]}", flush=True)
    # One clang-tidy per core, each over its share of the files.
    srcs = sorted(str(p) for p in (us / "src").glob("*.cpp"))
    jobs = max(1, int(JOBS))
    procs = [subprocess.Popen(["clang-tidy", "-p", str(USERSPACE_BUILD),
                               "--quiet", *srcs[i::jobs]],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True) for i in range(jobs) if srcs[i::jobs]]
    outs = [p.communicate()[0] for p in procs]
    tidy_ok = all(p.returncode == 0 for p in procs)
    print(f"clang-tidy: {'ok' if tidy_ok else 'FAILED'}\n"
          f"{''.join(outs)[-3000:]}", flush=True)
    ok = (fmt.returncode == 0) + tidy_ok
    return ok, 2 - ok


def run_gtest(binary, xml, env=None):
    """A GoogleTest binary's (passed, failed, skipped) from its XML report."""
    if xml.exists():
        xml.unlink()
    p = subprocess.run([binary, f"--gtest_output=xml:{xml}"], env=env)
    text = xml.read_text() if xml.exists() else ""
    m = re.search(r'<testsuites tests="(\d+)" failures="(\d+)" disabled="\d+" '
                  r'errors="(\d+)"', text)
    if not m:
        return 0, 1, 0
    total, failures, errors = map(int, m.groups())
    failed = failures + errors
    skipped = len(re.findall(r'result="skipped"', text))
    if p.returncode != 0 and failed == 0:
        failed = 1  # a sanitizer's abort at exit, a crash between tests
    return total - failed - skipped, failed, skipped


def fuzz_corpus():
    """Each fuzz target over userspace/fuzz/corpus/, every input once under
    ASan and UBSan (libFuzzer -runs=0): one test per target; then the
    GoogleTest suite built the same way, each of its tests one more."""
    try:
        fuzz.build(JOBS, tests=True)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print(f"fuzz targets: cannot build: {e}", flush=True)
        return 0, len(fuzz.TARGETS) + 1, 0
    ok = 0
    for t in fuzz.TARGETS:
        passed, tail = fuzz.corpus_pass(t)
        seeds = len(list((fuzz.SEEDS / t).iterdir()))
        print(f"fuzz corpus {t} ({seeds} inputs): {'ok' if passed else 'FAILED'}"
              + ("" if passed else f"\n{tail}"), flush=True)
        ok += passed
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    sp, sf, ss = run_gtest(fuzz.sanitized_tests(), fuzz.BUILD / "gtest.xml", env)
    print(f"GoogleTest under ASan+UBSan: {sp} passed, {sf} failed, {ss} skipped", flush=True)
    return ok + sp, len(fuzz.TARGETS) - ok + sf, ss


def suite_userspace():
    build_userspace()
    passed, failed, skipped = run_gtest(USERSPACE_BUILD / "lcrt_tests",
                                        USERSPACE_BUILD / "gtest.xml")
    style_ok, style_failed = style_checks()
    fuzz_ok, fuzz_failed, fuzz_skipped = fuzz_corpus()
    return (passed + style_ok + fuzz_ok, failed + style_failed + fuzz_failed,
            skipped + fuzz_skipped)


def suite_lab():
    loader = unittest.TestLoader()
    tests = loader.discover(str(ROOT / "tests"), pattern="test_*.py",
                            top_level_dir=str(ROOT / "tests"))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(tests)
    failed = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    return (result.testsRun - failed - len(result.skipped), failed,
            len(result.skipped))


# The cross-section of make check; make kunit runs every arch x kernel.
KUNIT_CHECK = [("arm", "6.1"), ("arm64", "6.12"), ("x86_64", "6.12")]


def suite_kunit():
    """kunit.py under UML and QEMU; each KUnit case counts."""
    passed = failed = skipped = 0
    for arch, kv in KUNIT_CHECK:
        p, f, text, sk = kernels.kunit(arch, kv)
        tail = "\n".join(text.splitlines()[-40:]) if f else \
            "\n".join(l for l in text.splitlines() if "Testing complete" in l
                      or "SKIP" in l)
        print(f"--- kunit on {arch} {kv}: {p} passed, {f} failed, "
              f"{sk} skipped\n{tail}", flush=True)
        passed += p
        failed += f
        skipped += sk
    return passed, failed, skipped


SUITES = {"userspace": suite_userspace, "kunit": suite_kunit,
          "lab": suite_lab}


def main():
    wanted = os.environ.get("SUITES", ",".join(SUITES)).split(",")
    boards.deps()
    passed = failed = skipped = 0
    for name in wanted:
        t0 = time.time()
        print(f"=== suite {name}", flush=True)
        try:
            p, f, sk = SUITES[name]()
        except Exception as e:  # a suite that cannot run counts as failed
            print(f"suite {name} could not run: {e!r}", flush=True)
            p, f, sk = 0, 1, 0
        print(f"=== suite {name}: {p} passed, {f} failed, {sk} skipped "
              f"({time.time() - t0:.0f} s)", flush=True)
        passed += p
        failed += f
        skipped += sk
    print(matrix_provenance_line(), flush=True)
    print(bench_provenance_line(), flush=True)
    print(systemd_line(), flush=True)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


def systemd_line():
    """Whether the systemd guest's QEMU tests ran (LCRT_SYSTEMD=0: not)."""
    if os.environ.get("LCRT_SYSTEMD") == "0":
        return "systemd guest: off (LCRT_SYSTEMD=0)"
    return ("systemd guest: tests/test_systemd.py's QEMU tests ran "
            "(x86_64-systemd, collect at boot and the fleet)")


def bench_provenance_line():
    """Whether the committed bench measured this tree's series, said loudly
    when it did not."""
    prov, _ = load_results(ROOT / "bench" / "results" / "bench.json")
    now = matrix.series_hash()
    if not prov or prov.get("series") != now or prov.get("dirty"):
        return (f"BENCH STALE: bench/results/bench.json was made "
                f"{'at ' + prov['commit'][:12] + ' with series ' + prov['series'] if prov else 'by unrecorded sources'}"
                f"; the series is now {now}: run make bench")
    return f"bench: bench/results/bench.json measured this series ({now})"


def matrix_provenance_line():
    """Whether the committed matrix measured the kernel-side sources of
    this tree (the series), said loudly when it did not."""
    prov, rows = matrix.load(ROOT / "matrix")
    now = matrix.series_hash()
    if not prov:
        return ("MATRIX STALE: matrix/matrix.json says nothing of the "
                "sources that made it: run make matrix")
    if prov.get("series") != now or prov.get("dirty"):
        return (f"MATRIX STALE: matrix/matrix.json was made at "
                f"{prov.get('commit', '?')[:12]} with series "
                f"{prov.get('series')}{' and uncommitted changes' if prov.get('dirty') else ''}; "
                f"the series is now {now}: run make matrix")
    return (f"matrix: matrix/matrix.json measured this series ({now}, "
            f"made at {prov.get('commit', '?')[:12]}, "
            f"{sum(r['result'] == 'fail' for r in rows)} fail)")


if __name__ == "__main__":
    main()
