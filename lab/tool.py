"""The lcrt tool for the guests: built for the board's architecture, static
(the guests are busybox and nothing else), without elfutils and libsystemd
(a device symbolizes nothing; the host does that with the vmlinux). zlib is
Debian's own package of the board's architecture; CLI11 and nlohmann-json are
header-only and come from the host's packages, seen through a folder of their
own so that a cross compiler never reads the host's /usr/include."""
import hashlib
import shutil
import subprocess
from pathlib import Path

from common import CACHE, JOBS, ROOT, ensure_packages, foreign_deb, log, run

SRC = ROOT / "userspace"
# The triplet Debian puts the board's libraries under.
TRIPLET = {"arm": "arm-linux-gnueabihf", "arm64": "aarch64-linux-gnu",
           "x86_64": "x86_64-linux-gnu"}
HOST_HEADERS = {"nlohmann": Path("/usr/include/nlohmann"),
                "CLI": Path("/usr/include/CLI")}


def _sources_hash():
    h = hashlib.sha256()
    for f in sorted(list(SRC.glob("src/*")) + list(SRC.glob("include/**/*")) +
                    [SRC / "CMakeLists.txt"] +
                    list((ROOT / "include" / "uapi").rglob("*.h"))):
        if f.is_file():
            h.update(str(f.relative_to(ROOT)).encode() + f.read_bytes())
    return h.hexdigest()[:16]


def _headers():
    """A folder with only the header-only libraries in it."""
    ensure_packages(["nlohmann-json3-dev", "libcli11-dev"])
    inc = CACHE / "tool" / "headers"
    inc.mkdir(parents=True, exist_ok=True)
    for name, src in HOST_HEADERS.items():
        link = inc / name
        if not link.is_symlink():
            link.symlink_to(src)
    return inc


def device_tool(b):
    """Path of the static lcrt for board b (built once per source state)."""
    out = CACHE / "tool" / b.arch
    binary = out / "lcrt"
    stamp = out / ".lab-sources"
    state = _sources_hash()
    if binary.exists() and stamp.exists() and stamp.read_text() == state:
        return binary
    cxx = f"{b.cross}g++" if b.cross else "g++"
    ensure_packages(["cmake", b.gcc_pkg.replace("gcc", "g++", 1)])
    zlib = foreign_deb(b.deb_arch, "zlib1g-dev")
    lib = zlib / "usr" / "lib" / TRIPLET[b.arch] / "libz.a"
    log(f"building the static lcrt for {b.arch} with {cxx}")
    shutil.rmtree(out, ignore_errors=True)
    run(["cmake", "-S", SRC, "-B", out, "-DCMAKE_BUILD_TYPE=MinSizeRel",
         f"-DCMAKE_CXX_COMPILER={cxx}", "-DCMAKE_SYSTEM_NAME=Linux",
         f"-DCMAKE_SYSTEM_PROCESSOR={b.arch}", "-DBUILD_TESTING=OFF",
         "-DLCRT_DWARF=OFF", "-DLCRT_STATIC=ON", f"-DLCRT_HEADERS={_headers()}",
         f"-DZLIB_INCLUDE_DIR={zlib / 'usr' / 'include'}", f"-DZLIB_LIBRARY={lib}",
         "-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=NEVER"],
        capture_output=True)
    run(["cmake", "--build", out, "--target", "lcrt", "-j", JOBS], capture_output=True)
    run([f"{b.cross}strip", binary])
    stamp.write_text(state)
    return binary


def host_tool():
    """The host's lcrt (userspace/build, with elfutils: file:line and
    arguments from a vmlinux), built or brought up to date."""
    out = SRC / "build"
    run(["cmake", "-S", SRC, "-B", out, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
        stdout=subprocess.DEVNULL)
    run(["cmake", "--build", out, "--target", "lcrt", "-j", JOBS],
        stdout=subprocess.DEVNULL)
    return out / "lcrt"
