"""What every part of the lab shares: paths, logging, commands, Debian.

Everything the lab downloads or builds lives under .lab/ (git-ignored), so a
rerun takes minutes and a clean clone still works from nothing.
"""
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".lab"
JOBS = str(os.cpu_count() or 2)

# What the lab and the tests need from Debian, beyond the per-board
# compilers and QEMU (lab/boards.py).
APT_PACKAGES = [
    "linux-source-6.1", "linux-source-6.12", "quilt", "sparse", "bc",
    "bison", "flex", "cpio", "xz-utils", "libssl-dev", "libelf-dev",
    "device-tree-compiler", "kmod", "python3", "make", "gcc", "g++", "cmake",
    "clang-format", "clang-tidy", "busybox-static", "libcli11-dev",
    "nlohmann-json3-dev", "libgtest-dev", "zlib1g-dev", "libdw-dev",
    "dpkg-dev", "rsync",
    # journal entries from lcrt collect and lcrt stats (optional: built
    # without it if absent); systemd-journal-remote makes the journal files
    # the stats tests read (skipped without it)
    "libsystemd-dev", "systemd-journal-remote",
    # lcrt decode's debug files from DEBUGINFOD_URLS (optional, as above),
    # and the server its test runs on the loopback (skipped without it)
    "libdebuginfod-dev", "debuginfod",
    # libFuzzer (libclang_rt.fuzzer) for the tool's fuzz targets: not a
    # dependency of clang, only a recommendation.
    "clang", "libclang-rt-dev",
]


def log(msg):
    print(f"[lab] {msg}", flush=True)


def run(cmd, **kw):
    if isinstance(cmd, str):
        cmd = shlex.split(cmd)
    kw.setdefault("check", True)
    return subprocess.run([str(c) for c in cmd], **kw)


def readme_section(name, body):
    """Put body between the README's <!-- name --> and <!-- /name -->
    markers, where it has them."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    a, b = text.find(begin), text.find(end)
    if 0 <= a < b:
        readme.write_text(f"{text[:a]}{begin}\n{body}\n{text[b:]}")


def sha(*parts):
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()[:12]


def host_deb_arch():
    return subprocess.run(["dpkg", "--print-architecture"],
                          capture_output=True, text=True).stdout.strip()


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
    missing = missing_packages(list(pkgs))
    if not missing:
        return
    log(f"apt-get install {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    apt_update([], sudo)
    run(sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
        + missing, env=env)


def foreign_deb(deb_arch, package):
    """A Debian package of another architecture, unpacked (dpkg -x) into
    .lab/deb/<arch>/<package>/, without touching the host's dpkg: apt-get
    with private lists, status and cache. Returns the unpacked folder."""
    dst = CACHE / "deb" / deb_arch / package
    stamp = dst / ".lab-unpacked"
    if stamp.exists():
        return dst
    apt = CACHE / "apt" / deb_arch
    for d in ("lists/partial", "cache/archives/partial", "deb"):
        (apt / d).mkdir(parents=True, exist_ok=True)
    (apt / "status").touch()
    opts = ["-o", f"APT::Architecture={deb_arch}",
            "-o", f"APT::Architectures::={deb_arch}",
            "-o", f"Dir::State::Lists={apt / 'lists'}",
            "-o", f"Dir::State::status={apt / 'status'}",
            "-o", f"Dir::Cache={apt / 'cache'}"]
    if not any((apt / "lists").glob("*Packages*")):
        apt_update(opts)
    log(f"fetching {package}:{deb_arch}")
    dl = apt / "deb"
    for old in dl.glob(f"{package}_*.deb"):
        old.unlink()
    if subprocess.run(["apt-get", *opts, "download", package], cwd=dl).returncode:
        apt_update(opts)
        run(["apt-get", *opts, "download", package], cwd=dl)
    deb = next(dl.glob(f"{package}_*.deb"))
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    run(["dpkg", "-x", deb, dst])
    stamp.write_text(deb.name + "\n")
    return dst


def series_hash(root=ROOT):
    """The hash of the kernel-side sources a result measures: the series."""
    return sha(*(p.read_bytes() for p in
                 [root / "series"] + sorted((root / "patches").glob("*"))))


def provenance(kvers):
    """What made a result (matrix, bench): the project's commit, whether
    the kernel side had uncommitted changes, the hash of the series it
    applied, each vendor kernel's exact version, the date."""
    def git(*a):
        return subprocess.run(["git", "-C", ROOT, *a], capture_output=True,
                              text=True).stdout.strip()
    kernels = {}
    for kv in kvers:
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}",
                            f"linux-source-{kv}"], capture_output=True,
                           text=True).stdout.strip()
        kernels[kv] = f"linux-source-{kv} {v}" if v else "unknown"
    return {"commit": git("rev-parse", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--", "drivers",
                              "include", "kunit", "series", "patches")),
            "series": series_hash(), "kernels": kernels,
            "date": time.strftime("%Y-%m-%d")}


def load_results(path):
    """(provenance, rows) of a results file: an object with its provenance
    beside "rows", or (an older one) a bare list, without provenance."""
    if not path.exists():
        return None, []
    data = json.loads(path.read_text())
    if isinstance(data, list):
        return None, data
    if "provenance" in data:    # this session's first form
        return data["provenance"], data.get("rows", [])
    rows = data.get("rows", [])
    return {k: v for k, v in data.items() if k != "rows"}, rows
