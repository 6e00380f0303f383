"""Render dialplans/ templates into the runtime folder.

The runtime folder holds everything this private Asterisk writes: its config
(``etc/``), logs, spool and control socket. Rendering is pure text work on
validated settings (so no value can inject a config line); the guard checks the
result before anyone starts Asterisk with it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import jinja2

from gateway.domain.policy import AgencyPolicy
from gateway.settings import Settings

TEMPLATE_SUFFIX = ".j2"
CONTACT_USER = "safedial"
SECRET_FILE = "ami.secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class RuntimeLayout:
    """Where a rendered PBX keeps its files."""

    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def asterisk_conf(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "asterisk.pid"

    @property
    def secret_file(self) -> Path:
        return self.root / SECRET_FILE

    def writable_dirs(self) -> list[Path]:
        return [
            self.etc,
            self.log_dir,
            self.run_dir,
            self.root / "lib",
            self.root / "lib" / "agi-bin",
            self.root / "spool",
            self.sounds,
        ]

    @property
    def sounds(self) -> Path:
        """Per-call prompts (briefings, voicemail audio): no number in any name."""
        return self.root / "sounds"


def ami_secret(settings: Settings, layout: RuntimeLayout) -> str:
    """The AMI password: from settings, else one generated once per runtime folder."""
    if settings.ami_secret:
        return settings.ami_secret
    if layout.secret_file.exists():
        return layout.secret_file.read_text().strip()
    layout.root.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    fd = os.open(layout.secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def _uri_host(host: str) -> str:
    """A host as it is written before ``:port`` (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host


def template_values(
    settings: Settings, layout: RuntimeLayout, policy: AgencyPolicy | None = None
) -> dict[str, object]:
    return {
        "amd": (policy or AgencyPolicy()).amd,
        "runtime_dir": str(layout.root),
        "etc_dir": str(layout.etc),
        "modules_dir": str(settings.asterisk_modules_dir),
        "data_dir": str(settings.asterisk_data_dir),
        "sip_bind": _uri_host(settings.sip_bind),
        "sip_port": settings.sip_port,
        "ami_port": settings.ami_port,
        "ami_user": settings.ami_user,
        "ami_secret": ami_secret(settings, layout),
        "trunk_host": settings.trunk_host,
        "trunk_uri_host": _uri_host(settings.trunk_host),
        "trunk_port": settings.trunk_port,
        "rtp_start": settings.rtp_start,
        "rtp_end": settings.rtp_end,
        "masked_number": settings.masked.e164,
        "contact_user": CONTACT_USER,
        "confirm_timeout_s": settings.confirm_timeout_s,
        "canary_number": settings.canary_number,
        # Digits only: a carrier may present the canary's number without its '+'.
        "canary_digits": (settings.canary_number or "").lstrip("+"),
        "selftest_hold_s": settings.ring_timeout_s * 2 + 60,
    }


def render_texts(
    settings: Settings, layout: RuntimeLayout, policy: AgencyPolicy | None = None
) -> dict[str, str]:
    """File name to rendered text, for every template in ``dialplans/``."""
    source = settings.dialplans_dir
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk config, not HTML
    )
    values = template_values(settings, layout, policy)
    rendered = {}
    for template in sorted(source.glob("*" + TEMPLATE_SUFFIX)):
        name = template.name.removesuffix(TEMPLATE_SUFFIX)
        rendered[name] = env.get_template(template.name).render(values)
    return rendered


def write_rendered(layout: RuntimeLayout, texts: dict[str, str]) -> None:
    for directory in layout.writable_dirs():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, text in texts.items():
        target = layout.etc / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(text)
        os.chmod(tmp, 0o600)
        tmp.replace(target)
