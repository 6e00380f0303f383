"""Settings from ``SAFEDIAL_`` environment variables and an optional TOML file.

The TOML file is named by ``SAFEDIAL_CONFIG_FILE``; its keys are the setting
names without the prefix, in lower case (``sip_port = 5160``). The environment
wins over the file. Defaults describe the local lab: Asterisk on loopback and a
lab phone on 127.0.0.2. A malformed value stops start-up with a message naming
the setting; nothing reads settings at import time (call ``get_settings()``).
Outside a lab (``SAFEDIAL_LAB`` unset), ``get_settings()`` refuses the lab's
fictional masked, gateway and agency numbers (NANP 555-01xx).

``SAFEDIAL_ASTERISK_ROOT`` names a Debian root holding Asterisk (the lab's
Asterisk 22 from Debian sid). Asterisk then runs there with ``chroot``: the
``asterisk_*`` paths are read inside that root, and the runtime folder must lie
inside it (by default it does: ``<root>/var/lib/safedial/pbx``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.errors import ConfigurationError
from gateway.phone import InvalidPhoneNumber, PhoneNumber
from gateway.validation import problems
from gateway.web_auth.addresses import IpNetwork, parse_networks

ENV_PREFIX = "SAFEDIAL_"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
_TOKEN = re.compile(r"[A-Za-z0-9_]{1,64}")
_USER_AGENT = re.compile(r"[A-Za-z0-9._-](?:[A-Za-z0-9._ -]{0,62}[A-Za-z0-9._-])?")
_CONTACT_USER = re.compile(r"[A-Za-z0-9._-]{1,32}")
#: A run of digits long enough to be (part of) a phone number.
_NUMBER_RUN = re.compile(r"[0-9]{7,}")
#: Stricter for the Contact user: the config guard refuses one with 3 digits in a row.
_CONTACT_DIGITS = re.compile(r"[0-9]{3,}")
#: NANP 555-0100 to 555-0199, in any area code, is reserved for fiction: the lab's numbers.
_FICTIONAL_NUMBER = re.compile(r"\+1[2-9][0-9]{2}55501[0-9]{2}")
#: The numbers a participant or the agency sees; a fictional one belongs to a lab only.
_NUMBERS_SEEN_OUTSIDE = ("masked_number", "gateway_number", "agency_number")


class SettingsError(ConfigurationError):
    """Start-up cannot go on: a setting is missing or malformed. The text names it."""

    error_id = "settings-invalid"


def _state_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "safedial"


def _default_runtime_dir() -> Path:
    return _state_dir() / "pbx"


#: Where the runtime folder goes inside an Asterisk root when none is named.
RUNTIME_DIR_IN_ROOT = Path("var/lib/safedial/pbx")


def _default_database_url() -> str:
    return f"sqlite:///{_state_dir() / 'safedial.db'}"


def _default_key_file() -> Path:
    return _state_dir() / "keys.json"


#: The project's top-level folder: the shipped policies, dialplans and prompts.
_PROJECT = Path(__file__).resolve().parents[1]


def _default_policy_file() -> Path:
    return _PROJECT / "policies" / "default.toml"


def _e164(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a phone number in E.164 form, e.g. +12025550100")
    try:
        return PhoneNumber(value).e164
    except InvalidPhoneNumber as exc:
        raise ValueError(str(exc)) from None


class Settings(BaseModel):
    """Every knob the gateway reads, validated once at start-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    runtime_dir: Path = Field(default_factory=_default_runtime_dir)
    sip_bind: str = "127.0.0.1"
    sip_port: int = Field(default=5160, ge=1, le=65535)
    ami_port: int = Field(default=5039, ge=1, le=65535)
    ami_user: str = "safedial"
    ami_secret: str | None = None
    trunk_host: str = "127.0.0.2"
    trunk_port: int = Field(default=5070, ge=1, le=65535)
    rtp_start: int = Field(default=20000, ge=1024, le=65534)
    rtp_end: int = Field(default=20999, ge=1025, le=65535)
    masked_number: str = "+12025550100"
    gateway_number: str | None = None
    agency_number: str = "+12025550199"
    ring_timeout_s: int = Field(default=30, ge=5, le=120)
    database_url: str = Field(default_factory=_default_database_url)
    key_file: Path = Field(default_factory=_default_key_file)
    policy_file: Path = Field(default_factory=_default_policy_file)
    #: How long the dialplan waits for the gateway's second decision once the
    #: advocate answers; no answer in time means the participant is not dialled.
    confirm_timeout_s: int = Field(default=10, ge=2, le=60)
    #: A number the agency controls on the same trunk: the privacy self-test calls it.
    canary_number: str | None = None
    #: ``masked``: send P-Asserted-Identity (masked number) with ``Privacy: id`` on
    #: withheld calls, for carriers that require a network-asserted identity.
    trunk_asserted_identity: Literal["none", "masked"] = "none"
    #: Lock every caller-ID mode that has not passed the self-test lately (labs only: false).
    selftest_required: bool = True
    #: This is a lab (fictional numbers, test phones): only then may ``call --lab`` dial
    #: raw numbers past the policy gate. ``make run`` sets it; a deployment never does.
    lab: bool = False
    #: Optional URL receiving a JSON alert when a self-test fails or a pass is stale.
    alert_webhook: str | None = Field(default=None, pattern=r"^https?://[^\s]+$",
                                      max_length=2000)
    #: What every SIP message's User-Agent header says: neutral, so the product (and
    #: with it the kind of service a participant is talking to) is not on the wire.
    sip_user_agent: str = "PBX"
    #: The user part of every Contact header Asterisk sends; never a number.
    sip_contact_user: str = "gw"
    #: The Asterisk config templates rendered by ``safedial pbx render``.
    dialplans_dir: Path = _PROJECT / "dialplans"
    #: Voicemail scripts, briefings, notices and human recordings, per language.
    prompts_dir: Path = _PROJECT / "prompts"
    #: Admins' edited scripts and uploaded recordings (the web pages write only here, never
    #: into ``prompts_dir``); None: ``prompts-edited`` beside the key file (the state folder).
    edited_prompts_dir: Path | None = None
    #: Rendered prompt audio (texts without personal data); default: in the runtime folder.
    prompt_cache_dir: Path | None = None
    asterisk_binary: str = "/usr/sbin/asterisk"
    #: None: wherever the installed Asterisk keeps its modules (Debian 11 and sid differ).
    asterisk_modules_dir: Path | None = None
    asterisk_data_dir: Path = Path("/usr/share/asterisk")
    #: A Debian root holding Asterisk, run there with chroot; None: the host's Asterisk.
    #: With a root, the three paths above are as Asterisk sees them, inside it.
    asterisk_root: Path | None = None
    #: Reverse proxies in front of the web app (IPs and CIDR ranges): only from these is
    #: ``X-Forwarded-For`` believed when throttling sign-ins per client address.
    trusted_proxies: tuple[str, ...] = ()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies_are_networks(cls, value: object) -> object:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [entry for entry in value.split(",") if entry.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be comma-separated IP addresses or CIDR ranges")
        return tuple(str(network) for network in parse_networks(value))

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        """``trusted_proxies`` parsed, for ``gateway.web_auth.addresses.client_address``."""
        return parse_networks(self.trusted_proxies)

    @field_validator("masked_number", "agency_number", "gateway_number", "canary_number",
                     mode="before")
    @classmethod
    def _numbers_are_e164(cls, value: object) -> object:
        return None if value is None else _e164(value)

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if not re.match(r"(sqlite|postgresql)(\+[a-z0-9]+)?://", value):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("sip_bind")
    @classmethod
    def _bind_is_an_ip(cls, value: str) -> str:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("must be an IP address such as 127.0.0.1") from None

    @field_validator("trunk_host")
    @classmethod
    def _trunk_host_is_an_address(cls, value: str) -> str:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            if _HOSTNAME.fullmatch(value):
                return value
        raise ValueError("must be an IP address or a host name")

    @field_validator("ami_user")
    @classmethod
    def _ami_user_is_a_token(cls, value: str) -> str:
        if not _TOKEN.fullmatch(value):
            raise ValueError("must be letters, digits or '_' (at most 64)")
        return value

    @field_validator("ami_secret")
    @classmethod
    def _ami_secret_is_a_token(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", value):
            raise ValueError("must be 16 to 128 letters, digits, '-' or '_'")
        return value

    @field_validator("sip_user_agent")
    @classmethod
    def _user_agent_is_plain_words(cls, value: str) -> str:
        if not _USER_AGENT.fullmatch(value):
            raise ValueError("must be 1 to 64 letters, digits, spaces, '.', '-' or '_'")
        if _NUMBER_RUN.search(value):
            raise ValueError("must not hold 7 or more digits in a row: it could be a number")
        return value

    @field_validator("sip_contact_user")
    @classmethod
    def _contact_user_is_a_token(cls, value: str) -> str:
        if not _CONTACT_USER.fullmatch(value):
            raise ValueError("must be 1 to 32 letters, digits, '.', '-' or '_'")
        if _CONTACT_DIGITS.search(value):
            raise ValueError("must not hold 3 or more digits in a row: it could pass for a number")
        return value

    @field_validator("asterisk_root", mode="before")
    @classmethod
    def _root_is_absolute(cls, value: object) -> object:
        if value is None or value == "":
            return None  # an empty variable means "not set": the host's Asterisk
        if not Path(str(value)).is_absolute():
            raise ValueError("must be an absolute path")
        return value

    @model_validator(mode="before")
    @classmethod
    def _runtime_dir_defaults_into_the_root(cls, values: Any) -> Any:
        if isinstance(values, dict) and values.get("asterisk_root") and not values.get(
            "runtime_dir"
        ):
            return {**values, "runtime_dir": Path(values["asterisk_root"]) / RUNTIME_DIR_IN_ROOT}
        return values

    @model_validator(mode="after")
    def _runtime_dir_is_inside_the_root(self) -> Settings:
        if self.asterisk_root is None:
            return self
        root = self.asterisk_root.resolve()
        if not self.runtime_dir.resolve().is_relative_to(root):
            raise ValueError(
                "SAFEDIAL_RUNTIME_DIR must lie inside SAFEDIAL_ASTERISK_ROOT: Asterisk runs "
                "chrooted there and sees nothing outside it "
                f"(e.g. {self.asterisk_root / RUNTIME_DIR_IN_ROOT})"
            )
        if self.prompt_cache_dir is not None and not self.prompt_cache_dir.resolve(
        ).is_relative_to(root):
            raise ValueError(
                "SAFEDIAL_PROMPT_CACHE_DIR must lie inside SAFEDIAL_ASTERISK_ROOT: Asterisk "
                "plays the voicemail from there and sees nothing outside the root"
            )
        return self

    @model_validator(mode="after")
    def _numbers_are_kept_apart(self) -> Settings:
        if self.masked_number == self.agency_number:
            raise ValueError(
                "SAFEDIAL_MASKED_NUMBER must differ from SAFEDIAL_AGENCY_NUMBER: "
                "the agency's own number must never reach a participant"
            )
        if self.canary_number is not None and self.canary_number in (
                self.masked_number, self.agency_number, self.gateway_number):
            raise ValueError(
                "SAFEDIAL_CANARY_NUMBER must differ from the masked, agency and gateway numbers: "
                "the self-test must see what a participant's phone sees"
            )
        if self.rtp_end <= self.rtp_start:
            raise ValueError("SAFEDIAL_RTP_END must be above SAFEDIAL_RTP_START")
        return self

    @property
    def edited_prompts(self) -> Path:
        """Where the admin pages keep edited scripts and uploaded recordings."""
        return self.edited_prompts_dir or self.key_file.parent / "prompts-edited"

    @property
    def prompt_roots(self) -> tuple[Path, Path]:
        """The prompt folders a call reads, in order: admins' edits, then the prompts."""
        return (self.edited_prompts, self.prompts_dir)

    @property
    def advocate_display_number(self) -> PhoneNumber:
        """What the advocate's phone shows: the gateway number, else the masked one."""
        return PhoneNumber(self.gateway_number or self.masked_number)

    @property
    def masked(self) -> PhoneNumber:
        return PhoneNumber(self.masked_number)

    @property
    def agency(self) -> PhoneNumber:
        return PhoneNumber(self.agency_number)


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"SAFEDIAL_CONFIG_FILE: no such file: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"SAFEDIAL_CONFIG_FILE {path}: not valid TOML: {exc}") from None
    return {key.lower(): value for key, value in data.items()}


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    known = set(Settings.model_fields)
    values: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG_FILE":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name in known:
            values[name] = value
    return values


def _explain(error: ValidationError) -> str:
    return "; ".join(
        f"{ENV_PREFIX + where.upper() if where else 'settings'}: {message}"
        for where, message in problems(error.errors())
    )


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from a TOML file (if named) overlaid by the environment."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    config_file = env.get(ENV_PREFIX + "CONFIG_FILE")
    if config_file:
        values.update(_from_toml(Path(config_file)))
    values.update(_from_environment(env))
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


def refuse_lab_numbers_outside_a_lab(settings: Settings) -> Settings:
    """A deployment that kept the lab's fictional defaults would show participants a
    number nobody answers (or withhold nothing the operator checked): outside a lab,
    every number a call shows must be one the operator chose."""
    if settings.lab:
        return settings
    fictional = [name for name in _NUMBERS_SEEN_OUTSIDE
                 if (value := getattr(settings, name)) and _FICTIONAL_NUMBER.fullmatch(value)]
    if fictional:
        names = ", ".join(ENV_PREFIX + name.upper() for name in fictional)
        raise SettingsError(
            f"{names}: still a fictional lab number (555-01xx); set the agency's own "
            "numbers, or SAFEDIAL_LAB=true if this really is a lab"
        )
    return settings


def get_settings() -> Settings:
    """The settings of this process, read now from the environment: what every command,
    the server and the PBX start from, so the lab's fictional numbers stop here."""
    return refuse_lab_numbers_outside_a_lab(load_settings())
