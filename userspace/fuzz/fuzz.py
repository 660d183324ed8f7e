#!/usr/bin/env python3
"""make fuzz: the libFuzzer targets of the lcrt tool, with ASan and UBSan.

  lcrt_fuzz_decode  one record through lcrt::decode(), then render_text()
                    and to_json(); only lcrt::DecodeError may escape
  lcrt_fuzz_scan    a region image through lcrt::scan(), every record found
                    rendered the same way

Builds them in userspace/build-fuzz (clang++, -DLCRT_FUZZ=ON) and runs each
for FUZZ_SECONDS (60). Inputs that find new coverage go to
userspace/fuzz/out/corpus/<target>/, crashes, leaks, hangs and uncaught
exceptions to userspace/fuzz/out/findings/ (both git-ignored; the checked-in
seeds in userspace/fuzz/corpus/ are only read). Prints executions, exec/s,
coverage and corpus per target; exits 1 when a target found something.

tests/check.py imports this for one pass over the checked-in corpus.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

US = Path(__file__).resolve().parent.parent
BUILD = US / "build-fuzz"
SEEDS = US / "fuzz" / "corpus"
OUT = US / "fuzz" / "out"
TARGETS = ("decode", "scan", "flash")


def binary(target):
    return BUILD / f"lcrt_fuzz_{target}"


def build(jobs="2", tests=False):
    """Configure and build the fuzz targets; RuntimeError says what is missing.
    With tests, the GoogleTest suite and the lcrt it runs too, in the same
    ASan+UBSan build (tests/check.py: sanitized_binary())."""
    cxx = os.environ.get("FUZZ_CXX", "clang++")
    if not shutil.which(cxx):
        raise RuntimeError(f"{cxx} not found: the fuzz targets need clang and libFuzzer "
                           "(Debian: clang libclang-rt-dev; `make deps` installs them)")
    cfg = subprocess.run(["cmake", "-S", US, "-B", BUILD, f"-DCMAKE_CXX_COMPILER={cxx}",
                          "-DLCRT_FUZZ=ON", f"-DBUILD_TESTING={'ON' if tests else 'OFF'}",
                          "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                         capture_output=True, text=True)
    if cfg.returncode != 0 or "fuzz targets are left out" in cfg.stderr:
        raise RuntimeError(f"cannot configure {BUILD}:\n{cfg.stdout[-2000:]}{cfg.stderr[-3000:]}")
    subprocess.run(["cmake", "--build", BUILD, "-j", str(jobs), "--target",
                    *(binary(t).name for t in TARGETS),
                    *(["lcrt", "lcrt_tests"] if tests else [])], check=True)


def sanitized_tests():
    """The GoogleTest suite built by build(tests=True): lcrtcore, lcrt and
    the tests under ASan and UBSan (zlib is Debian's, not instrumented: the
    tool reads every byte it hands zlib first, see record.cpp crc32_of)."""
    return BUILD / "lcrt_tests"


def corpus_pass(target):
    """Every checked-in seed of target run once. Returns (ok, output tail)."""
    (OUT / "findings").mkdir(parents=True, exist_ok=True)
    try:
        p = subprocess.run([binary(target), "-runs=0", "-timeout=10",
                            f"-artifact_prefix={OUT / 'findings'}/{target}-", SEEDS / target],
                           capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False, f"{target}: the corpus pass took over 300 s"
    return p.returncode == 0, "\n".join(p.stderr.splitlines()[-40:])


def figures(text):
    """What libFuzzer said at the end of a run."""
    f = {}
    for line in text.splitlines():
        m = re.match(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", line)
        if m:
            f.update(status_execs=int(m[1]), cov=int(m[2]), ft=int(m[3]),
                     corpus=int(m[4]), corpus_size=m[5])
        m = re.match(r"stat::(\w+):\s+(\d+)", line)
        if m:
            f[m[1]] = int(m[2])
        m = re.match(r"Done \d+ runs in (\d+) second", line)
        if m:
            f["seconds"] = int(m[1])
        m = re.search(r"Test unit written to (\S+)", line)
        if m:
            f["artifact"] = m[1]
    return f


def fuzz(target, seconds, extra=()):
    corpus = OUT / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    (OUT / "findings").mkdir(parents=True, exist_ok=True)
    log = OUT / f"{target}.log"
    cmd = [binary(target), f"-max_total_time={seconds}", "-timeout=10", "-max_len=8192",
           "-print_final_stats=1", f"-artifact_prefix={OUT / 'findings'}/{target}-",
           *extra, corpus, SEEDS / target]
    print(f"--- {target}: {' '.join(map(str, cmd))}", flush=True)
    with open(log, "w") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    text = log.read_text(errors="replace")
    f = figures(text)
    f["crashed"] = p.returncode != 0
    if f["crashed"]:
        print("\n".join(text.splitlines()[-60:]), flush=True)
    return f


def main():
    seconds = int(os.environ.get("FUZZ_SECONDS", "60"))
    extra = os.environ.get("FUZZ_ARGS", "").split()
    try:
        build(os.environ.get("FUZZ_JOBS", str(os.cpu_count() or 2)))
    except RuntimeError as e:
        sys.exit(f"make fuzz: {e}")
    results = {t: fuzz(t, seconds, extra) for t in TARGETS}
    print(f"\n{'target':8} {'time':>6} {'execs':>10} {'exec/s':>7} {'cov':>5} {'ft':>6} "
          f"{'corpus':>12} {'new':>4}  result")
    for t, f in results.items():
        result = f"CRASH {f.get('artifact', '(see log)')}" if f["crashed"] else "no crash"
        print(f"{t:8} {f.get('seconds', seconds):>5}s {f.get('number_of_executed_units', 0):>10} "
              f"{f.get('average_exec_per_sec', 0):>7} {f.get('cov', 0):>5} {f.get('ft', 0):>6} "
              f"{f.get('corpus', 0):>5} {f.get('corpus_size', '-'):>6} "
              f"{f.get('new_units_added', 0):>4}  {result}")
    print(f"logs and new inputs in {OUT.relative_to(US.parent)}/")
    sys.exit(1 if any(f["crashed"] for f in results.values()) else 0)


if __name__ == "__main__":
    main()
