"""The lab phone for ``make run``: a sipp far end on the lab trunk that answers every call.

Each answered leg hangs up after ``--hold`` seconds unless the other side does
first, so a lab call rings the "advocate", then the "participant", bridges
them, and ends by itself. Its message trace is kept in the runtime folder so an
operator can see exactly what each phone received.

    python -m gateway.lab.phone start|stop|status
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from gateway.errors import ExitCode
from gateway.lab.config import LAB_PHONE
from gateway.lab.farend import FarEnd
from gateway.lab.scenario import Answer
from gateway.pbx.process import layout_for, pid_alive
from gateway.settings import SettingsError, get_settings

#: ``status`` when the lab phone is not running: an answer, not an error (as ``pgrep``).
NOT_RUNNING = 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.lab.phone")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--hold", type=int, default=20, help="seconds each answered leg lasts")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"lab phone: {exc}", file=sys.stderr)
        return exc.exit_code
    workdir = layout_for(settings).root / "lab-phone"
    pid_file = workdir / "sipp.pid"
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    running = pid is not None and pid_alive(pid)
    if args.action == "status":
        print(f"lab phone running (pid {pid})" if running else "lab phone not running")
        return ExitCode.OK if running else NOT_RUNNING
    if args.action == "stop":
        if running and pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGUSR1)
        pid_file.unlink(missing_ok=True)
        print("lab phone stopped" if running else "lab phone was not running")
        return ExitCode.OK
    if running:
        print(f"lab phone already running (pid {pid})")
        return ExitCode.OK
    host, port = LAB_PHONE  # behind the lab carrier (SafeDial's trunk)
    phone = FarEnd(workdir, host, port, default=Answer(hold_ms=args.hold * 1000))
    started = phone.start()
    pid_file.write_text(str(started))
    print(
        f"lab phone answering on {host}:{port} "
        f"(pid {started}); SIP trace: {phone.trace_file}"
    )
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
