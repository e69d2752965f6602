"""The TCP sockets a process listens on, read from /proc (Linux), for the tests that check where the
bot's services are reachable. No psutil: it is not among the project's dependencies."""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path

LISTEN = "0A"


def _address(hex_address: str) -> str:
    """'0100007F' -> '127.0.0.1'; IPv6 in /proc is four little-endian 32-bit words."""
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def listening_by_inode() -> dict[str, tuple[str, int]]:
    """Socket inode -> (address, port) of every TCP socket in LISTEN state on this machine."""
    found: dict[str, tuple[str, int]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN:
                address, port = local.split(":")
                found[inode] = (_address(address), int(port, 16))
    return found


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket that `pid` or its children listen on."""
    listening = listening_by_inode()
    found: set[tuple[str, int]] = set()
    for process in descendants(pid):
        fd_dir = Path(f"/proc/{process}/fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inode = target[len("socket:["):-1]
                if inode in listening:
                    found.add(listening[inode])
    return found


def listener_pid(root_pid: int, port: int) -> int | None:
    """The process under `root_pid` (itself included) that listens on `port`: the service itself when
    `root_pid` is the log writer around it."""
    listening = {inode for inode, (_, found) in listening_by_inode().items() if found == port}
    for process in sorted(descendants(root_pid)):
        fd_dir = Path(f"/proc/{process}/fd")
        try:
            targets = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
        except OSError:
            continue
        if any(target[len("socket:["):-1] in listening for target in targets if target.startswith("socket:[")):
            return process
    return None
