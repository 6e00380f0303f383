"""Render dialplans/ templates into the runtime folder.

The runtime folder holds everything this private Asterisk writes: its config
(``etc/``), logs, spool and control socket. Rendering is pure text work on
validated settings (so no value can inject a config line); the guard checks the
result before anyone starts Asterisk with it.

With an Asterisk root (``SAFEDIAL_ASTERISK_ROOT``) Asterisk runs chrooted and
sees every path relative to that root: every path written for Asterisk (config,
dialplan variables) goes through :meth:`RuntimeLayout.inside`, while Python keeps
reading and writing the same files at their host paths.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import jinja2

from gateway.domain.anonymity import rejection_pattern
from gateway.domain.policy import AgencyPolicy
from gateway.pbx import dialvars
from gateway.settings import Settings
from gateway.storage.private import make_private_folder

TEMPLATE_SUFFIX = ".j2"
SECRET_FILE = "ami.secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class RuntimeLayout:
    """Where a rendered PBX keeps its files (host paths), and the root Asterisk runs in."""

    root: Path
    #: The Debian root Asterisk runs in with chroot; None for the host's Asterisk.
    chroot: Path | None = None

    def inside(self, path: Path) -> Path:
        """``path`` (a host path) as Asterisk sees it: the one host-to-PBX translation."""
        if self.chroot is None:
            return path
        if not path.is_relative_to(self.chroot):
            raise ValueError(f"{path} is outside the Asterisk root {self.chroot}")
        return Path("/") / path.relative_to(self.chroot)

    def on_host(self, path: Path) -> Path:
        """A path as Asterisk sees it (e.g. its modules folder), at its host location."""
        if self.chroot is None:
            return path
        return self.chroot / path.relative_to("/")

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
    make_private_folder(layout.root)
    secret = secrets.token_urlsafe(24)
    fd = os.open(layout.secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def _uri_host(host: str) -> str:
    """A host as it is written before ``:port`` (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host


#: Where Debian's Asterisk packages keep modules: Debian 11 (16), then multiarch (sid, 22).
MODULE_DIRS = ("/usr/lib/asterisk/modules", "/usr/lib/*/asterisk/modules")


def modules_dir(settings: Settings, layout: RuntimeLayout) -> Path:
    """Asterisk's modules folder as Asterisk sees it: the setting, else where Debian put it."""
    if settings.asterisk_modules_dir is not None:
        return settings.asterisk_modules_dir
    base = layout.on_host(Path("/"))
    for pattern in MODULE_DIRS:
        for found in sorted(base.glob(pattern.lstrip("/"))):
            if (found / "res_pjsip.so").is_file():
                return Path("/") / found.relative_to(base)
    return Path(MODULE_DIRS[0])


def template_values(
    settings: Settings,
    layout: RuntimeLayout,
    policy: AgencyPolicy | None = None,
    version: int | None = None,
) -> dict[str, object]:
    """``version`` is the Asterisk major release that will run (None: not known)."""
    policy = policy or AgencyPolicy()
    return {
        "amd": policy.amd,
        # Letters, digits, spaces and the expression's own ^ ( | . * ) only (validated).
        "anonymous_rejection_pattern": rejection_pattern(policy.anonymous_rejections),
        "asterisk_version": version or 0,
        "runtime_dir": str(layout.inside(layout.root)),
        "etc_dir": str(layout.inside(layout.etc)),
        "modules_dir": str(modules_dir(settings, layout)),
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
        # Validated: plain words and tokens, no run of digits that could be a number.
        "user_agent": settings.sip_user_agent,
        "contact_user": settings.sip_contact_user,
        "confirm_timeout_s": settings.confirm_timeout_s,
        "canary_number": settings.canary_number,
        "asserted_identity": settings.trunk_asserted_identity == "masked",
        "withheld_identity": ('"Anonymous" <${SAFEDIAL_MASKED_CALLERID}>'
                              if settings.trunk_asserted_identity == "masked"
                              else '"Anonymous" <anonymous>'),
        # Digits only: a carrier may present the canary's number without its '+'.
        "canary_digits": (settings.canary_number or "").lstrip("+"),
        # The reading's event headers (gateway/pbx/dialvars.py): every copy of each header.
        "canary_headers": list(dialvars.CANARY_HEADER_FIELDS.items()),
        "canary_copies": dialvars.CANARY_COPIES + 1,
        "selftest_hold_s": settings.ring_timeout_s * 2 + 60,
        # 0-9 * # only (validated): the advocate's "someone else answered" keys.
        "other_person_keys": policy.other_person_keys,
    }


def render_texts(
    settings: Settings,
    layout: RuntimeLayout,
    policy: AgencyPolicy | None = None,
    version: int | None = None,
) -> dict[str, str]:
    """File name to rendered text, for every template in ``dialplans/``."""
    source = settings.dialplans_dir
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk config, not HTML
    )
    values = template_values(settings, layout, policy, version)
    rendered = {}
    for template in sorted(source.glob("*" + TEMPLATE_SUFFIX)):
        name = template.name.removesuffix(TEMPLATE_SUFFIX)
        rendered[name] = env.get_template(template.name).render(values)
    return rendered


def write_rendered(layout: RuntimeLayout, texts: dict[str, str]) -> None:
    for directory in layout.writable_dirs():
        make_private_folder(directory)
    for name, text in texts.items():
        target = layout.etc / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(text)
        os.chmod(tmp, 0o600)
        tmp.replace(target)
