#!/usr/bin/env python3
"""Sends human-monitor commands to a QEMU listening on a UNIX socket
(-monitor unix:PATH,server,nowait), waiting for the prompt after each.

usage: qemu-monitor.py SOCKET COMMAND...
"""
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_until_prompt(sock, deadline):
    buf = b""
    while not buf.endswith(PROMPT):
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            break  # QEMU closed the monitor (after "quit")
        buf += chunk
        if time.monotonic() > deadline:
            raise TimeoutError("no monitor prompt")
    return buf


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(argv[1])
    read_until_prompt(sock, time.monotonic() + 10)
    for cmd in argv[2:]:
        sock.sendall(cmd.encode() + b"\n")
        # After "quit" this returns when QEMU closes the connection.
        read_until_prompt(sock, time.monotonic() + 30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
