"""Start, stop and inspect the private Asterisk that serves this gateway.

Asterisk runs with ``-C <runtime>/etc/asterisk.conf`` so every file it reads
or writes lives in the runtime folder. It is stopped by the pid it wrote, never
by name, so a system Asterisk or another test's instance is never touched.
After start the endpoints Asterisk really created are compared with the
rendered pjsip.conf: a misspelt option only logs a warning and silently drops
the object, which would leave calls going nowhere (or somewhere else).

With ``SAFEDIAL_ASTERISK_ROOT`` the same Asterisk runs from a Debian root with
``chroot`` (start, ``-V`` and every ``-rx``), reading the config at its path
inside the root; its pid is an ordinary host pid, so stopping is unchanged.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gateway.domain.policy import AgencyPolicy
from gateway.errors import PbxUnavailable
from gateway.pbx import guard
from gateway.pbx.asterisk_conf import parse
from gateway.pbx.conf_folder import folder_loader
from gateway.pbx.guard_dialplan import KnownNumbers
from gateway.pbx.render import RuntimeLayout, render_texts, write_rendered
from gateway.settings import Settings

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
CHROOT = "/usr/sbin/chroot"
_VERSION = re.compile(r"Asterisk (?P<text>(?P<major>[0-9]+)\.[0-9][^\s]*)")


class PbxError(PbxUnavailable):
    """The private Asterisk is not available or did not behave (its id: pbx-unavailable)."""


@dataclass(frozen=True)
class PbxStatus:
    running: bool
    pid: int | None
    endpoints: tuple[str, ...]
    missing_endpoints: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        return self.running and not self.missing_endpoints


@dataclass(frozen=True)
class AsteriskVersion:
    """What ``asterisk -V`` or ``core show version`` names, e.g. ``22.10.1+dfsg...``."""

    text: str
    major: int

    @classmethod
    def parse(cls, output: str) -> AsteriskVersion:
        found = _VERSION.search(output)
        if found is None:
            raise PbxError("cannot tell which Asterisk release this is")
        return cls(found["text"], int(found["major"]))

    def __str__(self) -> str:
        return f"Asterisk {self.text}"


def layout_for(settings: Settings) -> RuntimeLayout:
    root = settings.asterisk_root.resolve() if settings.asterisk_root is not None else None
    return RuntimeLayout(settings.runtime_dir.resolve(), chroot=root)


def known_numbers(settings: Settings, policy: AgencyPolicy | None = None,
                  personal_role: Callable[[str], str | None] | None = None) -> KnownNumbers:
    """The numbers the guard judges dial paths by: the configured masked, gateway and
    agency numbers (and, from the pre-call check, whose a number is)."""
    return KnownNumbers(masked=settings.masked_number, gateway=settings.gateway_number,
                        agency=settings.agency_number,
                        default_region=(policy or AgencyPolicy()).default_region,
                        personal_role=personal_role)


def asterisk_for(settings: Settings) -> Asterisk:
    """The private Asterisk these settings describe (on the host, or in its root)."""
    return Asterisk(layout_for(settings), settings.asterisk_binary)


def render(settings: Settings, policy: AgencyPolicy | None = None) -> RuntimeLayout:
    """Render the templates for the installed release, then guard what was written.

    When the release cannot be told (no Asterisk installed yet), the templates
    render for any release and the guard judges by its strictest table.
    """
    layout = layout_for(settings)
    try:
        version: int | None = Asterisk(layout, settings.asterisk_binary).version().major
    except PbxError:
        version = None
    write_rendered(layout, render_texts(settings, layout, policy, version))
    guard.check_directory(layout.etc, version, seen_as=layout.inside(layout.etc),
                          known=known_numbers(settings, policy))
    return layout


def expected_endpoints(layout: RuntimeLayout) -> tuple[str, ...]:
    # Read with its includes, as Asterisk (and the guard) read it.
    text = (layout.etc / "pjsip.conf").read_text()
    conf = parse("pjsip.conf", text, folder_loader(layout.etc))
    names = {s.name for s in conf.concrete()
             if (s.get("type") or "").strip().lower() == "endpoint"}
    return tuple(sorted(names))


class Asterisk:
    """One private Asterisk process described by a runtime layout."""

    def __init__(self, layout: RuntimeLayout, binary: str = "/usr/sbin/asterisk") -> None:
        self.layout = layout
        self.binary = binary

    def _command(self, *args: str) -> list[str]:
        """``asterisk <args>``, through chroot when Asterisk lives in a root."""
        chroot = self.layout.chroot
        if chroot is None:
            return [self.binary, *args]
        if os.geteuid() != 0:
            raise PbxError(f"running Asterisk from {chroot} needs root (chroot)")
        if not self.layout.on_host(Path(self.binary)).is_file():
            raise PbxError(
                f"no Asterisk at {self.binary} inside {chroot} "
                "(SAFEDIAL_ASTERISK_ROOT; `make deps` builds the lab's root)"
            )
        return [CHROOT, str(chroot), self.binary, *args]

    def _with_config(self, *args: str) -> list[str]:
        return self._command("-C", str(self.layout.inside(self.layout.asterisk_conf)), *args)

    def version(self) -> AsteriskVersion:
        """The installed release (``asterisk -V``); the PBX need not be running."""
        try:
            result = subprocess.run(
                self._command("-V"), capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PbxError(f"cannot run {self.binary}: {type(exc).__name__}") from None
        return AsteriskVersion.parse(result.stdout)

    def running_version(self) -> AsteriskVersion:
        """The release of the running PBX, asked over its control socket."""
        return AsteriskVersion.parse(self.cli("core show version"))

    def cli(self, command: str, timeout: float = 10.0) -> str:
        """Run one Asterisk CLI command over the control socket."""
        try:
            result = subprocess.run(
                self._with_config("-rx", command),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PbxError(f"Asterisk CLI did not answer: {type(exc).__name__}") from None
        if result.returncode != 0 or "Unable to connect to remote asterisk" in result.stdout:
            raise PbxError("Asterisk is not running (its control socket does not answer)")
        return result.stdout

    def pid(self) -> int | None:
        try:
            pid = int(self.layout.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def start(self, check_config: bool = True) -> int:
        """Start Asterisk (already checked by the guard) and wait until it is usable.

        ``check_config=False`` is only for lab far ends, which are not gateways.
        """
        if check_config:
            guard.check_directory(self.layout.etc, self.version().major,
                                  seen_as=self.layout.inside(self.layout.etc))
        if self.pid() is not None:
            raise PbxError(f"Asterisk is already running from {self.layout.root}")
        self.layout.pid_file.unlink(missing_ok=True)
        try:
            subprocess.run(
                self._with_config(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=START_TIMEOUT_S,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PbxError(f"Asterisk did not start: {exc}{self._log_tail()}") from None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            pid = self.pid()
            if pid is not None and self._fully_booted():
                self._verify_started()
                return pid
            time.sleep(0.1)
        self.stop()
        raise PbxError(f"Asterisk did not become ready in {START_TIMEOUT_S:.0f}s{self._log_tail()}")

    def _fully_booted(self) -> bool:
        try:
            return "fully booted" in self.cli("core waitfullybooted", timeout=START_TIMEOUT_S)
        except PbxError:
            return False

    def _verify_started(self) -> None:
        status = self.status()
        if status.missing_endpoints:
            missing = ", ".join(status.missing_endpoints)
            pid = self.pid()
            self.stop()
            raise PbxError(
                f"Asterisk started (pid {pid}) without PJSIP endpoint(s) {missing}: "
                f"a misspelt or unknown option in pjsip.conf drops the object{self._log_tail()}"
            )

    def status(self) -> PbxStatus:
        pid = self.pid()
        if pid is None:  # never rendered: nothing to expect yet, and status must still answer
            rendered = (self.layout.etc / "pjsip.conf").exists()
            return PbxStatus(False, None, (),
                             expected_endpoints(self.layout) if rendered else ())
        expected = expected_endpoints(self.layout)
        output = self.cli("pjsip show endpoints")
        present = tuple(sorted(_endpoint_names(output)))
        missing = tuple(name for name in expected if name not in present)
        return PbxStatus(True, pid, present, missing)

    def stop(self) -> bool:
        """Stop by pid: ask politely, then SIGTERM, then SIGKILL. True if it was running."""
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(PbxError):
            self.cli("core stop now", timeout=5.0)
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            if _wait_gone(pid, STOP_TIMEOUT_S / 3):
                break
        self.layout.pid_file.unlink(missing_ok=True)
        return True

    def log_text(self) -> str:
        log = self.layout.log_dir / "messages"
        return log.read_text(errors="replace") if log.exists() else ""

    def _log_tail(self, lines: int = 40) -> str:
        """Asterisk's own words on a failed start, or where to read them: the shipped
        logger keeps no file (every level can carry a number), so they are only seen
        by starting it in the foreground, on a console that writes nothing to disk."""
        text = self.log_text()
        if not text:
            foreground = " ".join(self._with_config("-c"))
            return ("\n(Asterisk keeps no log file; to see why, run it in the foreground: "
                    f"{foreground})")
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- Asterisk log ({self.layout.log_dir / 'messages'}) ---\n{tail}"


def _endpoint_names(output: str) -> list[str]:
    names = []
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "Endpoint:" and not words[1].startswith("<"):
            names.append(words[1].split("/")[0])
    return names


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie left by a daemonising parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        if state == "Z":
            return False
    return True


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return not pid_alive(pid)
