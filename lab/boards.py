"""The boards: QEMU machines and the kernel configs that run on them, as data.

A vendor board (the default for each arch) takes every option listed in
lab/boards/vendor.options from Debian's own config for its arch and kernel
version (the linux-config-<kver> package of the guest arch), on top of a small
base (allnoconfig + lab/boards/common.config + lab/boards/<arch>.config) that
keeps builds to minutes. A toy board (a named variant) is the old allnoconfig
kernel on one CPU with frame pointers, kept for the paper's methods.
"""
import dataclasses
import lzma
import os
import re
import sys

from common import ROOT, foreign_deb

BOARD_DIR = ROOT / "lab" / "boards"
KVERS = ("6.1", "6.12")


@dataclasses.dataclass(frozen=True)
class Board:
    """What differs from one board to another."""
    name: str
    arch: str            # the kernel's ARCH=
    cross: str           # CROSS_COMPILE=
    gcc_pkg: str
    qemu: str
    qemu_pkg: str
    machine: str
    cpu: str
    console: str
    image: str
    deb_arch: str        # Debian's name of the arch (busybox, configs)
    ram_base: int        # guest physical address of the RAM file's byte 0
    nvram: str           # lcrt.nvram=SIZE@ADDR, inside the guest's RAM
    smp: int = 2
    bootargs: str = ""   # the board's own kernel arguments
    vendor: bool = True  # Debian's options (vendor.options) on top of the base
    flavour: str = ""    # Debian's config flavour: config.<deb_arch>_none_<flavour>
    # Debian has no config of this kernel version for the arch: use another.
    config_kver: tuple = ()   # ((kver, kver whose config is used, why), ...)
    fragments: tuple = ()     # lab/boards/<name>.config on top, in order
    kcflags: str = ""         # KCFLAGS for the kernel build
    # The guest it boots: "" the busybox initramfs (lab/guest.py); "systemd"
    # Debian bookworm with systemd as init on a virtio disk (lab/rootfs.py,
    # lab/sysguest.py).
    rootfs: str = ""
    # The board whose kernel it boots (the same config): built once, in
    # that board's folder.
    kernel_of: str = ""
    serials: tuple = ("stdio",)   # QEMU -serial, in order: the console's
    flash: str = ""           # size of a NOR flash (-drive if=pflash), or ""
    # UEFI firmware: "ovmf" (Debian's, its code read-only and a file of
    # variables beside the RAM file), or "": the kernel is booted directly.
    firmware: str = ""
    dtb: str = ""             # the kernel's device tree of the board, if QEMU makes none
    poweroff: bool = True     # the guest's poweroff ends QEMU
    # The crash matrix's cells on it: "all" (every LKDTM type the kernel
    # lists) or "table" (lab/matrix.py's table only).
    matrix_types: str = "all"
    # Why a crash in the device initcalls finds no medium yet, or "": an
    # NVRAM region is armed from setup_arch(), a flash partition only once
    # its driver probes.
    late_medium: str = ""
    note: str = ""

    def debian_kver(self, kver):
        for want, use, _ in self.config_kver:
            if want == kver:
                return use
        return kver


_ARM = dict(arch="arm", cross="arm-linux-gnueabihf-",
            gcc_pkg="gcc-arm-linux-gnueabihf", qemu="qemu-system-arm",
            qemu_pkg="qemu-system-arm", machine="virt", cpu="cortex-a15",
            console="ttyAMA0", image="arch/arm/boot/zImage", deb_arch="armhf",
            ram_base=0x40000000, nvram="4K@0x4ff00000", flavour="armmp",
            config_kver=(("6.12", "6.1",
                          "Debian has no armhf linux-config-6.12; the armmp "
                          "config of 6.1 is used"),))
_ARM64 = dict(arch="arm64", cross="aarch64-linux-gnu-",
              gcc_pkg="gcc-aarch64-linux-gnu", qemu="qemu-system-aarch64",
              qemu_pkg="qemu-system-arm", machine="virt", cpu="cortex-a57",
              console="ttyAMA0", image="arch/arm64/boot/Image",
              deb_arch="arm64", ram_base=0x40000000, nvram="4K@0x4ff00000",
              flavour="arm64")
# memmap= keeps KASLR's kernel away from the RAM-backed NVRAM region.
_X86_64 = dict(arch="x86_64", cross="", gcc_pkg="gcc",
               qemu="qemu-system-x86_64", qemu_pkg="qemu-system-x86",
               machine="pc", cpu="qemu64", console="ttyS0",
               image="arch/x86/boot/bzImage", deb_arch="amd64", ram_base=0,
               nvram="4K@0xf000000", flavour="amd64",
               bootargs="memmap=4K$0xf000000")

BOARDS = {b.name: b for b in [
    # The vendor boards: the defaults.
    # With lab/boards/nor.config: the same armmp kernel boots the flash
    # board (zynq) too.
    Board(name="arm", **_ARM, fragments=("nor",),
          note="Debian armmp: ARM unwind tables, no frame pointers"),
    Board(name="arm64", **_ARM64,
          note="Debian arm64: frame records, KASLR"),
    # With what systemd 252, its root disk and the fleet's network need
    # (lab/boards/systemd.config: Debian's own options, built in), so that
    # one kernel serves the busybox guest and the systemd one.
    Board(name="x86_64", **_X86_64, fragments=("systemd",),
          note="Debian amd64: ORC, no frame pointers, KASLR"),

    # Toy variants: allnoconfig on one CPU with frame pointers.
    Board(name="arm-fp", **_ARM, smp=1, vendor=False, fragments=("arm-fp",),
          note="toy: APCS frame pointers, LCRT's own walker"),
    Board(name="arm-poke", **_ARM, smp=1, vendor=False,
          fragments=("arm-fp", "arm-poke"), kcflags="-mpoke-function-name",
          note="toy: the paper's method, no kallsyms, -mpoke-function-name"),
    Board(name="x86_64-fp", **_X86_64, smp=1, vendor=False,
          fragments=("x86_64-fp",),
          note="toy: frame-pointer unwinder, LCRT's own walker"),
]}
# The vendor board as a device with systemd: the x86_64 board itself (its
# kernel, built once), booting a Debian bookworm root with systemd as init.
BOARDS["x86_64-systemd"] = dataclasses.replace(
    BOARDS["x86_64"], name="x86_64-systemd", rootfs="systemd", kernel_of="x86_64",
    note="Debian amd64 with a bookworm root and systemd as init")
# The flash board: the arm board's kernel on QEMU xilinx-zynq-a9 (one
# Cortex-A9, RAM at 0), the records on its AMD CFI NOR (64 MiB, 128 KiB
# blocks, a raw file) in the partition labelled "lcrt"; no NVRAM region.
BOARDS["nor"] = dataclasses.replace(
    BOARDS["arm"], name="nor", machine="xilinx-zynq-a9", cpu="cortex-a9",
    smp=1, console="ttyPS0", ram_base=0, nvram="", kernel_of="arm",
    serials=("null", "stdio"), flash="64M", dtb="zynq-zc702", poweroff=False,
    matrix_types="table",
    late_medium="the flash partition is armed when its driver probes (a "
                "device initcall of drivers/mtd): a crash in an earlier "
                "initcall has no medium to be written to, for any recorder",
    note="zynq-a9 with AMD CFI NOR: the records on an MTD partition")
# The UEFI board: the x86_64 board's kernel (EFI and its stub built in, as
# Debian's amd64 has them) started by OVMF, the records in UEFI variables
# (a file of the firmware's variable store); no NVRAM region.
BOARDS["x86_64-efi"] = dataclasses.replace(
    BOARDS["x86_64"], name="x86_64-efi", nvram="", bootargs="",
    kernel_of="x86_64", firmware="ovmf", matrix_types="table",
    late_medium="the UEFI variables are taken at a late initcall (the "
                "efivars of drivers/firmware register in a subsys initcall, "
                "linked after drivers/misc): a crash in an earlier initcall "
                "has no medium to be written to",
    note="Debian amd64 started by OVMF: the records in UEFI variables")
DEFAULT_BOARD = "arm"


def board(name=None):
    name = name or os.environ.get("BOARD") or DEFAULT_BOARD
    if name not in BOARDS:
        sys.exit(f"lab: unknown board {name!r} (known: {', '.join(BOARDS)})")
    return BOARDS[name]


def vendor_options():
    """[(symbol, reason)] from lab/boards/vendor.options."""
    opts = []
    for line in (BOARD_DIR / "vendor.options").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sym, _, reason = line.partition(" ")
        opts.append((sym, reason.strip()))
    return opts


def parse_config(text):
    """{CONFIG_X: value} of a .config; 'n' for '# CONFIG_X is not set'."""
    vals = {}
    for line in text.splitlines():
        m = re.fullmatch(r"(CONFIG_\w+)=(.*)", line)
        if m:
            vals[m.group(1)] = m.group(2)
        m = re.fullmatch(r"# (CONFIG_\w+) is not set", line)
        if m:
            vals[m.group(1)] = "n"
    return vals


def debian_config(b, kver):
    """Debian's config for the board's arch and kernel version, as text."""
    kv = b.debian_kver(kver)
    pkg = foreign_deb(b.deb_arch, f"linux-config-{kv}")
    path = pkg / f"usr/src/linux-config-{kv}/config.{b.deb_arch}_none_{b.flavour}.xz"
    return lzma.decompress(path.read_bytes()).decode()


# Where a board takes Debian's config of another kernel version: options
# that the newer kernel renamed or put behind a new switch, {kver: {the
# option in the older config: the newer kernel's option}}.
RENAMED = {"6.12": {"CPU_SW_DOMAIN_PAN": "ARM_PAN"}}


def vendor_fragment(b, kver):
    """The lines taken from Debian's config: {CONFIG_X: line}. An option
    that Debian's config of this arch does not mention does not exist
    there (its dependencies are not met on this arch) and is not taken."""
    deb = parse_config(debian_config(b, kver))
    if b.debian_kver(kver) != kver:
        for old, new in RENAMED.get(kver, {}).items():
            if f"CONFIG_{old}" in deb:
                deb[f"CONFIG_{new}"] = deb[f"CONFIG_{old}"]
    taken = {}
    for sym, _ in vendor_options():
        key = f"CONFIG_{sym}"
        if key not in deb:
            continue
        v = deb[key]
        taken[key] = f"# {key} is not set" if v == "n" else f"{key}={v}"
    return taken


def fragment(b, kver):
    """The config fragment of a board: common.config, the arch's, Debian's
    options (vendor boards), then the variant's; a later line for the same
    symbol wins. Returns (text, {symbol: line} that must hold exactly)."""
    lines, must = {}, {}

    def add(key, line):
        lines[key] = line

    for name in ["common", b.arch]:
        for line in (BOARD_DIR / f"{name}.config").read_text().splitlines():
            m = re.match(r"(?:# )?(CONFIG_\w+)[= ]", line)
            add(m.group(1) if m else f"#{len(lines)}", line)
    if b.vendor:
        taken = vendor_fragment(b, kver)
        kv = b.debian_kver(kver)
        add("#debian", f"# Debian {b.deb_arch} {b.flavour} {kv}: lab/boards/vendor.options")
        for key, line in taken.items():
            add(key, line)
        must.update(taken)
    for name in b.fragments:
        for line in (BOARD_DIR / f"{name}.config").read_text().splitlines():
            m = re.match(r"(?:# )?(CONFIG_\w+)[= ]", line)
            add(m.group(1) if m else f"#{len(lines)}", line)
    return "\n".join(lines.values()) + "\n", must


def deps(b=None):
    """What the lab needs from Debian, for one board or all of them."""
    from common import APT_PACKAGES, ensure_packages
    pkgs = list(APT_PACKAGES)
    for bd in ([b] if b else BOARDS.values()):
        pkgs += [bd.gcc_pkg, bd.qemu_pkg]
        if bd.rootfs:    # lab/rootfs.py: debootstrap, mkfs.ext4 -d, debugfs
            pkgs += ["debootstrap", "e2fsprogs"]
    ensure_packages(sorted(set(pkgs)))
