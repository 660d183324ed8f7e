"""The systemd guests' root filesystem: Debian bookworm with systemd as init
and lcrt installed the way a package would install it, in an ext4 image.

  debootstrap --variant=minbase bookworm with PACKAGES, for the board's
  Debian arch                     -> .lab/rootfs/base-<suite>-<arch>-<key>/
                                     (once per package list: the key)
  a copy of it, `make install PREFIX=/usr DESTDIR=` of the host-built tool,
  the lab's files (LAYER), units enabled and masked (ENABLE, MASK), the
  journal catalog updated     -> .lab/rootfs/image-<arch>-<key>.ext4
                                     (once per base, tool sources and recipe)
  a sparse copy per device       -> the device's own disk (device_disk())
  a tar per boot (the command, files, the collector's URL)
                                  -> a second virtio disk, serial "lab-input"
                                     (input_disk()), unpacked in /run/lab by
                                     lab-input.service; /lab links there

Why an ext4 image and not an initramfs: a cpio of ~250 MB would have QEMU
put the initrd over the NVRAM region on x86_64 (QEMU loads it just below the
top of RAM, and the region is at 240 MiB of 256), the guest would unpack all
of it under TCG at every boot, and / would be the kernel's rootfs, which
systemd's mount namespaces (the unit's ProtectSystem=, PrivateTmp=) have
never been tested on here. A disk costs the kernel VIRTIO_BLK and EXT4_FS
(lab/boards/systemd.config), is read only as far as the boot needs it, and
keeps /var/lib/lcrt across the power cut as a device's disk does.

Why the host's build of the tool: the host is bookworm amd64 as the guest
is, so `make install` of the host's dynamically linked build (libsystemd,
elfutils, as Debian would build it) runs in an amd64 guest. lab/tool.py's
static device build has no libsystemd, so collect would log no journal
entry there: that is not the device this guest is for. Other arches are
refused until a cross build with the arch's libsystemd exists.
"""
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from common import CACHE, ROOT, ensure_packages, host_deb_arch, log, run, sha

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
VARIANT = "minbase"
# What the guest has beyond minbase. systemd as init (systemd-sysv), udev,
# dbus (logind and systemctl's bus; systemd recommends it), the journal's
# uploader (systemd-journal-remote has systemd-journal-upload too), and the
# libraries the host-built lcrt links (ldd userspace/build/lcrt: libsystemd,
# libdw, libelf, libdebuginfod, zlib, libstdc++, libgcc).
PACKAGES = ("systemd", "systemd-sysv", "udev", "dbus", "systemd-journal-remote",
            "libsystemd0", "libdw1", "libelf1", "libdebuginfod1", "zlib1g",
            "libstdc++6", "libgcc-s1")
IMAGE_SIZE = "2G"        # apparent size of the ext4 image (sparse)
# The image's own machine id: a device boots with systemd.machine_id= of its
# own (sysguest.py), so this one is only what a boot without it would have.
# A written one keeps systemd from a first boot (presets, firstboot).
IMAGE_MACHINE_ID = "1c7e0000000000000000000000000000"
INPUT_SERIAL = "lab-input"

# The lab's files in the image: {path: (mode, text)}; a text starting with
# "->" is a symlink to the rest.
LAYER = {
    # The journal in /run: one boot is all a test reads; no disk writes of
    # journald under TCG.
    "etc/systemd/journald.conf.d/lab.conf": (0o644, """\
[Journal]
Storage=volatile
ForwardToConsole=no
"""),
    "etc/hostname": (0o644, "lcrt-guest\n"),
    "etc/machine-id": (0o444, IMAGE_MACHINE_ID + "\n"),
    # The files of this boot (lab-input.service), where the busybox guest
    # has them.
    "lab": (0o777, "->/run/lab"),
    "usr/local/lib/lab/input": (0o755, f"""\
#!/bin/sh
# lab-input.service: this boot's input from the host, a tar on the virtio
# disk whose serial is {INPUT_SERIAL}, unpacked in /run/lab (/lab links
# there). A collector's URL (journal-upload.conf) goes where
# systemd-journal-upload reads its drop-ins.
set -e
mkdir -p /run/lab
for d in /sys/block/*; do
    [ "$(cat "$d/serial" 2>/dev/null)" = {INPUT_SERIAL} ] || continue
    tar -xf "/dev/${{d##*/}}" -C /run/lab
done
if [ -f /run/lab/journal-upload.conf ]; then
    mkdir -p /run/systemd/journal-upload.conf.d
    cp /run/lab/journal-upload.conf /run/systemd/journal-upload.conf.d/lab.conf
fi
"""),
    "usr/local/lib/lab/run": (0o755, """\
#!/bin/sh
# lab-run.service: this boot's command (/lab/cmd) between the markers the
# busybox guest's /init prints, on the console; the unit powers off after.
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
echo "@@LAB-BEGIN"
if [ -f /lab/cmd ]; then
    sh /lab/cmd
    rc=$?
else
    echo "lab: no /lab/cmd (no input disk?)"
    rc=127
fi
echo "@@LAB-END rc=$rc"
sync
"""),
    # A waiter for the uploader: the journal's newest entry of MESSAGE_ID
    # $1 is uploaded once systemd-journal-upload's saved cursor is at or
    # after it. Exit 0 when so, 1 after $2 seconds.
    "usr/local/lib/lab/uploaded": (0o755, """\
#!/bin/sh
state=/var/lib/systemd/journal-upload/state
want=$1
n=${2:-300}
journalctl --sync
[ -n "$(journalctl -q -o cat -n 1 MESSAGE_ID=$want)" ] || { echo "uploaded: no entry $want"; exit 1; }
while [ "$n" -gt 0 ]; do
    cur=$(sed -n 's/^LAST_CURSOR=//p' $state 2>/dev/null)
    if [ -n "$cur" ] && [ -z "$(journalctl -q -o cat --after-cursor="$cur" MESSAGE_ID=$want)" ]; then
        echo "uploaded: $want"
        exit 0
    fi
    sleep 1
    n=$((n - 1))
done
echo "uploaded: timed out"
systemctl --no-pager status systemd-journal-upload.service
exit 1
"""),
    "etc/systemd/system/lab-input.service": (0o644, f"""\
[Unit]
Description=The lab's input for this boot (the disk of serial {INPUT_SERIAL})
DefaultDependencies=no
After=systemd-remount-fs.service
Before=sysinit.target systemd-journal-upload.service lab-run.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/lib/lab/input

[Install]
WantedBy=sysinit.target
"""),
    # Ordered as a login is (getty@.service, ssh): the earliest anyone could
    # run lcrt clear. Never after lcrt-collect.service by its own ordering.
    "etc/systemd/system/lab-run.service": (0o644, """\
[Unit]
Description=The lab's command for this boot, between markers on the console
After=systemd-user-sessions.service lab-input.service
Wants=lab-input.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/lib/lab/run
# Its output is the console (a tty): no pager, colours or links from
# systemctl and journalctl there.
Environment=SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 SYSTEMD_URLIFY=0 TERM=dumb
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/console
TTYReset=no
TTYVHangup=no
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
"""),
    # The uploader runs as Debian ships it, from boot, when this boot was
    # given a collector (the fleet test); not at all otherwise.
    "etc/systemd/system/systemd-journal-upload.service.d/lab.conf": (0o644, """\
[Unit]
ConditionPathExists=/run/systemd/journal-upload.conf.d/lab.conf
After=lab-input.service
"""),
}
ENABLE = ("lcrt-collect.service", "lab-input.service", "lab-run.service",
          "systemd-journal-upload.service")
# No login prompt on the console the markers are read from, no first-boot
# questions, and none of minbase's maintenance timers (apt, dpkg's backup,
# e2scrub, fstrim) firing into a boot under TCG.
MASK = ("serial-getty@ttyS0.service", "serial-getty@ttyAMA0.service",
        "getty@tty1.service", "systemd-firstboot.service",
        "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer",
        "e2scrub_all.timer", "fstrim.timer")


def supported(b):
    """Why the board cannot have this root filesystem yet, or None."""
    if b.deb_arch != host_deb_arch():
        return (f"the systemd guest installs the host's build of lcrt "
                f"({host_deb_arch()}, with libsystemd); {b.deb_arch} needs a "
                f"cross build with {b.deb_arch}'s libsystemd, which the lab "
                f"does not make yet (lab/tool.py's static build has no "
                f"journal)")
    if os.geteuid() != 0:
        return "debootstrap and the image's owners need root"
    return None


def _require(b):
    why = supported(b)
    if why:
        sys.exit(f"lab: {b.name}: {why}")


def base_key(b):
    return sha(SUITE, VARIANT, MIRROR, b.deb_arch, *sorted(PACKAGES))


def base_dir(b):
    return CACHE / "rootfs" / f"base-{SUITE}-{b.deb_arch}-{base_key(b)}"


def _nice(cmd):
    """A heavy command at the lowest CPU and I/O priority."""
    return ["nice", "-n", "19", "ionice", "-c", "3", *cmd]


def base(b):
    """debootstrap --variant=minbase SUITE with PACKAGES, once per package
    list; the .debs are kept in .lab/rootfs/debs/<arch>/ for the next list."""
    _require(b)
    dst = base_dir(b)
    stamp = dst / ".lab-debootstrap"
    if stamp.exists():
        return dst
    ensure_packages(["debootstrap"])
    debs = CACHE / "rootfs" / "debs" / b.deb_arch
    debs.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"debootstrap {SUITE} {b.deb_arch} ({VARIANT} + {len(PACKAGES)} "
        f"packages) into {dst.relative_to(ROOT)}")
    t0 = time.time()
    run(_nice(["debootstrap", f"--variant={VARIANT}", f"--arch={b.deb_arch}",
               "--include=" + ",".join(PACKAGES), f"--cache-dir={debs}",
               SUITE, tmp, MIRROR]))
    # No package index, no apt cache in the image: the guest installs nothing.
    shutil.rmtree(tmp / "var/lib/apt/lists", ignore_errors=True)
    (tmp / "var/lib/apt/lists/partial").mkdir(parents=True)
    for d in (tmp / "var/cache/apt").glob("*.bin"):
        d.unlink()
    secs = time.time() - t0
    size = _du(tmp)
    tmp.rename(dst)
    stamp.write_text(f"{SUITE} {b.deb_arch} {VARIANT} {' '.join(PACKAGES)}\n"
                     f"seconds {secs:.0f}\nbytes {size}\n")
    log(f"debootstrap took {secs:.0f} s; the tree is {size / 2**20:.0f} MiB")
    return dst


def _du(path):
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True,
                         text=True).stdout
    return int(out.split()[0]) if out else 0


def _tool_state():
    """What the installed tool is made of: its sources and what make
    install puts beside it."""
    us = ROOT / "userspace"
    files = sorted(p for d in ("src", "include", "systemd", "man", "completion")
                   for p in (us / d).rglob("*") if p.is_file())
    files += [us / "CMakeLists.txt", ROOT / "Makefile"]
    files += sorted((ROOT / "include" / "uapi").rglob("*.h"))
    return sha(*(str(f.relative_to(ROOT)).encode() + f.read_bytes()
                 for f in files))


def image_key(b):
    layer = sorted(f"{p}\0{m}\0{t}" for p, (m, t) in LAYER.items())
    return sha(base_key(b), _tool_state(), *layer, *ENABLE, *MASK, IMAGE_SIZE)


def image_path(b):
    return CACHE / "rootfs" / f"image-{b.deb_arch}-{image_key(b)}.ext4"


def built_image(b):
    """The image of the current sources if it was built, else None (no
    build: for tests that skip without it)."""
    if supported(b):
        return None
    p = image_path(b)
    return p if p.exists() else None


def _write_layer(root):
    for rel, (mode, text) in LAYER.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_symlink() or p.exists():
            p.unlink()
        if text.startswith("->"):
            p.symlink_to(text[2:])
        else:
            p.write_text(text)
            p.chmod(mode)


def image(b):
    """The ext4 image: the base, lcrt by make install, the lab's layer;
    built once per base, tool sources and recipe. Older images of the arch
    are removed."""
    _require(b)
    out = image_path(b)
    if out.exists():
        return out
    src = base(b)
    ensure_packages(["e2fsprogs", "cmake", "make"])
    work = Path(tempfile.mkdtemp(prefix="image-", dir=CACHE / "rootfs"))
    try:
        root = work / "root"
        log(f"copying the base into {root.relative_to(ROOT)}")
        run(_nice(["cp", "-a", "--reflink=auto", src, root]))
        (root / ".lab-debootstrap").unlink()
        # The tool, its man page, unit, catalog and completion, as make
        # install puts them (the Makefile's install rule, through CMake).
        log("make install PREFIX=/usr DESTDIR=<image>")
        run(_nice(["make", "-s", "-C", ROOT, "install", "PREFIX=/usr",
                   f"DESTDIR={root}"]))
        _write_layer(root)
        for unit in ENABLE:
            run(["systemctl", f"--root={root}", "enable", unit],
                capture_output=True)
        for unit in MASK:
            run(["systemctl", f"--root={root}", "mask", unit],
                capture_output=True)
        # What systemd's package trigger does when a catalog is installed.
        run(["journalctl", f"--root={root}", "--update-catalog"])
        missing = _missing_libraries(root, root / "usr/bin/lcrt")
        if missing:
            sys.exit(f"lab: the installed lcrt needs libraries the image does "
                     f"not have: {', '.join(missing)}")
        log(f"mkfs.ext4 -d ({IMAGE_SIZE}, sparse) {out.relative_to(ROOT)}")
        tmp = work / "image.ext4"
        run(["truncate", "-s", IMAGE_SIZE, tmp])
        run(_nice(["mkfs.ext4", "-q", "-L", "lcrt-root", "-d", root, tmp]))
        for old in out.parent.glob(f"image-{b.deb_arch}-*.ext4"):
            old.unlink()
        tmp.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _missing_libraries(root, binary):
    """The shared libraries binary needs that root does not have: the
    guest's own loader, in a chroot (the host and the guest are the same
    arch), asked to list them."""
    p = subprocess.run(["chroot", root, "/usr/bin/ldd",
                        "/" + str(binary.relative_to(root))],
                       capture_output=True, text=True)
    if p.returncode != 0 and "not a dynamic executable" not in p.stderr:
        return [f"ldd failed: {p.stderr.strip()}"]
    return [l.split()[0] for l in p.stdout.splitlines() if "not found" in l]


def device_disk(b, path):
    """A device's own disk: a sparse copy of the image (the image itself is
    never booted)."""
    src = image(b)
    path = Path(path)
    if path.exists():
        path.unlink()
    run(_nice(["cp", "--sparse=always", src, path]))
    return path


def input_disk(path, cmd, files=(), upload_url=None):
    """This boot's input: a tar with cmd (byte for byte), files, and the
    collector's URL (journal-upload.conf) if any, padded to whole MiB."""
    path = Path(path)
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        def add(name, data, mode):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, fileobj=io.BytesIO(data))
        add("cmd", cmd.encode("utf-8", "surrogateescape") + b"\n", 0o755)
        for f in files:
            add(Path(f).name, Path(f).read_bytes(), 0o755)
        if upload_url:
            add("journal-upload.conf", f"[Upload]\nURL={upload_url}\n".encode(),
                0o644)
    size = path.stat().st_size
    with open(path, "ab") as f:
        f.truncate((size // 2**20 + 1) * 2**20)
    return path


def debugfs(img, request):
    """debugfs -R REQUEST on an image (read-only): its output."""
    return subprocess.run(["debugfs", "-R", request, str(img)],
                          capture_output=True, text=True).stdout


if __name__ == "__main__":
    # python3 lab/rootfs.py [BOARD]: build the base and the image.
    from boards import board
    bd = board(sys.argv[1] if len(sys.argv) > 1 else "x86_64-systemd")
    print(image(bd))
