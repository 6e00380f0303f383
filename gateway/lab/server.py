"""Run ``safedial serve`` in the background for ``make run``; stop it by its pid.

    python -m gateway.lab.server start|stop
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gateway.errors import ExitCode
from gateway.settings import get_settings

HOST, PORT = "127.0.0.1", 8000
#: ``start`` when the web app did not answer its health check (its log says why).
DID_NOT_START = 1


def _pid_file() -> Path:
    return get_settings().runtime_dir / "serve.pid"


def start() -> int:
    pid_file = _pid_file()
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), 0)
            print(f"web app already running at http://{HOST}:{PORT}")
            return ExitCode.OK
    log = get_settings().runtime_dir / "serve.log"
    safedial = str(Path(sys.executable).parent / "safedial")
    with log.open("ab") as output:
        process = subprocess.Popen(
            [safedial, "serve", "--host", HOST, "--port", str(PORT)],
            stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True)
    pid_file.write_text(str(process.pid))
    for _ in range(100):
        health = f"http://{HOST}:{PORT}/api/health"
        with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=1):
            print(f"web app at http://{HOST}:{PORT} (admins: API docs at /api/docs)")
            return ExitCode.OK
        if process.poll() is not None:
            break
        time.sleep(0.1)
    print(f"web app did not start; see {log}", file=sys.stderr)
    return DID_NOT_START


def stop() -> int:
    pid_file = _pid_file()
    if not pid_file.exists():
        print("web app was not running")
        return ExitCode.OK
    with contextlib.suppress(ProcessLookupError, ValueError):
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
    pid_file.unlink(missing_ok=True)
    print("web app stopped")
    return ExitCode.OK


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action not in ("start", "stop"):
        print("usage: python -m gateway.lab.server start|stop", file=sys.stderr)
        sys.exit(ExitCode.BAD_INPUT)
    sys.exit(start() if action == "start" else stop())
