"""The systemd guest: a board whose rootfs is "systemd" (lab/boards.py) boots
Debian bookworm with systemd as init (lab/rootfs.py) from a disk of its own.

A SysGuest is one device: its RAM file (the NVRAM, as guest.Guest has it:
ending QEMU and starting it again on the file is the power cut), its disk (a
copy of the image, so /var/lib/lcrt outlives the power cut as a device's
disk does) and its machine id (systemd.machine_id=, the journal's
_MACHINE_ID: lcrt stats counts devices by it).

A boot's command reaches the guest on a second virtio disk (a tar, serial
"lab-input"); lab-run.service runs it where a login would start (after
systemd-user-sessions.service) and prints it between the busybox guest's
@@LAB-BEGIN / @@LAB-END rc=N markers on the console, then powers off. With
net=True the guest has virtio-net on QEMU's user network, its address set by
the kernel (ip=): 10.0.2.15, the gateway 10.0.2.2 being the host's loopback,
where a Collector (systemd-journal-remote) listens. The host listens, the
guest connects: no hostfwd or guestfwd.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from common import CACHE
import guest
import rootfs

RAM = "512M"
BOOT_TIMEOUT = 900    # seconds of one boot: systemd under TCG (NOTES-systemd.md)
GUEST_ADDR, HOST_ADDR = "10.0.2.15", "10.0.2.2"   # QEMU's user network
# The kernel's own configuration of the guest's address (CONFIG_IP_PNP): no
# network manager, network-online.target is reached at once.
IP = f"ip={GUEST_ADDR}::{HOST_ADDR}:255.255.255.0::eth0:off"
SYSTEMD_ARGS = ("root=/dev/vda rw rootfstype=ext4 net.ifnames=0 "
                "systemd.show_status=error")
JOURNAL_REMOTE = ("/lib/systemd/systemd-journal-remote",
                  "/usr/lib/systemd/systemd-journal-remote")


class SysGuest(guest.Guest):
    """One device: board with rootfs "systemd", a folder of its own for its
    RAM file, disk and inputs."""

    def __init__(self, workdir, board_name="x86_64-systemd", machine_id=None,
                 kver=None, keep_disk=False):
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(board_name, workdir / "ram.img", kver=kver)
        if self.board.rootfs != "systemd":
            sys.exit(f"lab: {self.board.name} boots the busybox guest, not systemd")
        self.dir = workdir
        self.disk = workdir / "disk.ext4"
        if not (keep_disk and self.disk.exists()):
            self.new_disk()
        idfile = workdir / "machine-id"
        if machine_id:
            idfile.write_text(machine_id + "\n")
        elif not idfile.exists():
            idfile.write_text(uuid.uuid4().hex + "\n")
        self.machine_id = idfile.read_text().strip()
        self.boots = 0

    def new_disk(self):
        """The device's disk as the image has it (a reinstall)."""
        self.disk = rootfs.device_disk(self.board, self.dir / "disk.ext4")

    def run(self, cmd, bootargs="", oops_panic=True, timeout=BOOT_TIMEOUT,
            files=(), net=False, upload_url=None, dt=False):
        """Boot systemd, run cmd as lab-run.service, return (guest output,
        console, rc) as guest.Guest.run does: output None when the command
        did not finish (a crash). files are in /lab/ of the guest; with
        upload_url, systemd-journal-upload.service sends the journal there
        (net is implied)."""
        if dt:
            sys.exit("lab: the systemd guest names its region on the command line")
        net = net or bool(upload_url)
        b = self.board
        inp = rootfs.input_disk(self.dir / "input.tar", cmd, files, upload_url)
        append = " ".join(x for x in (
            f"console={b.console}", guest.DEFAULT_BOOTARGS,
            f"lcrt.nvram={b.nvram}", "oops=panic" if oops_panic else "",
            b.bootargs, SYSTEMD_ARGS, f"systemd.machine_id={self.machine_id}",
            IP if net else "", os.environ.get("BOOTARGS", ""), bootargs) if x)
        qemu = guest.qemu_cmd(
            b, self.nvram, "-kernel", self.kernel, "-append", append,
            # Created in this order: the root disk is vda, the input vdb
            # (found by its serial all the same).
            "-drive", f"file={self.disk},format=raw,if=none,id=root",
            "-device", "virtio-blk-pci,drive=root,serial=lab-root",
            "-drive", f"file={inp},format=raw,if=none,id=input,readonly=on",
            "-device", f"virtio-blk-pci,drive=input,serial={rootfs.INPUT_SERIAL}",
            ram=RAM, nic="user,model=virtio-net-pci" if net else "none")
        t0 = time.time()
        try:
            p = subprocess.run([str(c) for c in qemu], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout)
            console = p.stdout.decode(errors="replace") + \
                p.stderr.decode(errors="replace")
            rc = p.returncode
        except subprocess.TimeoutExpired as e:
            console = (e.stdout or b"").decode(errors="replace") + \
                "\n@@LAB-TIMEOUT\n"
            rc = -1
        console = console.replace("\r\n", "\n")
        self.boots += 1
        (self.dir / f"console-{self.boots}.log").write_text(console)
        self.last_seconds = time.time() - t0
        self.last_cmdline = append
        m = re.search(r"@@LAB-BEGIN\n(.*)@@LAB-END rc=(\d+)", console, re.S)
        if not m:
            return None, console, rc
        return m.group(1), console, int(m.group(2))


def journal_remote():
    """The host's systemd-journal-remote, or None."""
    return next((p for p in JOURNAL_REMOTE if os.path.exists(p)), None)


class Collector:
    """systemd-journal-remote on the host's loopback, socket-activated on a
    port of its own (LISTEN_FDS, as the tool's upload test starts it), writing
    what it receives under outdir; the guests reach it at HOST_ADDR."""

    def __init__(self, outdir):
        binary = journal_remote()
        if not binary:
            raise RuntimeError("no systemd-journal-remote (Debian: "
                               "systemd-journal-remote; make deps)")
        self.dir = Path(outdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self.log = open(self.dir.parent / "journal-remote.log", "w")
        # The socket as fd 3, LISTEN_PID the pid that execs the collector.
        self.proc = subprocess.Popen(
            ["sh", "-c", 'exec 3<&"$0"; export LISTEN_FDS=1 LISTEN_PID=$$; '
             'exec "$1" --listen-http=-3 --output="$2/"',
             str(sock.fileno()), binary, str(self.dir)],
            pass_fds=[sock.fileno()], stdout=self.log, stderr=subprocess.STDOUT)
        sock.close()
        self.url = f"http://{HOST_ADDR}:{self.port}"

    def stop(self):
        """Stop it (its files are closed whole); its exit code."""
        self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc

    def journals(self):
        return sorted(self.dir.rglob("*.journal"))


def scratch(name):
    """A folder for one test's devices under .lab/sysguest/, emptied."""
    d = CACHE / "sysguest" / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def drop_images(folder):
    """Remove the devices' disks, RAM files and inputs under folder; keep
    the consoles (console-N.log, one per boot) and the collector's log."""
    for p in Path(folder).rglob("*"):
        if p.is_file() and (p.suffix in (".ext4", ".tar") or p.name == "ram.img"):
            p.unlink()
