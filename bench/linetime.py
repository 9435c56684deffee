#!/usr/bin/env python3
"""Runs a command and reports when lines containing each marker first appear on its output.

    linetime.py TIMEOUT MARKER[,MARKER...] -- CMD ARGS...

Prints one line: `MARKER=SECONDS` for each marker seen (`MARKER=-` if not seen before the
timeout or the end of the output), measured from process start. The process is killed after
the last marker or at the timeout. With LINETIME_LINES=1 in the environment, the line holding
each marker (read to its end, at most 5 s more) follows, one per marker, as `MARKER: LINE`.
"""
import os
import select
import signal
import subprocess
import sys
import time


def main():
    timeout = float(sys.argv[1])
    markers = sys.argv[2].split(",")
    cmd = sys.argv[sys.argv.index("--") + 1:]
    seen = {}
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    buf = b""
    while len(seen) < len(markers) and time.monotonic() - start < timeout:
        r, _, _ = select.select([p.stdout], [], [], 0.5)
        if not r:
            if p.poll() is not None:
                break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        now = time.monotonic() - start
        for m in markers:
            if m not in seen and m.encode() in buf:
                seen[m] = now
        buf = buf[-4096:]
    if os.environ.get("LINETIME_LINES") == "1" and seen:
        deadline = time.monotonic() + 5
        text = buf
        while time.monotonic() < deadline and not all(ends_line(text, m) for m in seen):
            r, _, _ = select.select([p.stdout], [], [], 0.2)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                text += chunk
        lines = {}
        for m in seen:
            i = text.find(m.encode())
            if i >= 0:
                end = text.find(b"\n", i)
                i = text.rfind(b"\n", 0, i) + 1
                lines[m] = text[i:end if end >= 0 else len(text)].decode(errors="replace").rstrip("\r")
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    print(" ".join(f"{m.replace(' ', '_')}={seen[m]:.2f}" if m in seen else f"{m.replace(' ', '_')}=-" for m in markers))
    if os.environ.get("LINETIME_LINES") == "1":
        for m in markers:
            print(f"{m}: {lines.get(m, '-') if seen else '-'}")


def ends_line(text, marker):
    i = text.find(marker.encode())
    return i >= 0 and text.find(b"\n", i) >= 0


if __name__ == "__main__":
    main()
