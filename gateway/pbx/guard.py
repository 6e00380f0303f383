"""The config guard: refuse any rendered Asterisk config that could leak a number.

Privacy must not depend on every operator remembering every PJSIP option, so
the gateway reads the config Asterisk would load (rendered or hand-edited) and
refuses to start it when any leak vector from TELEPHONY.md is open. Each
finding names the file, section and setting, and says why it matters.

Options are judged by their effective value: an option left out counts with
the default of the Asterisk release that will run, so ``send_connected_line``
(default yes in 16 and 22) must be set to ``no`` explicitly. When the release
is not known, an option counts as on if it defaults to on in any release.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from gateway.errors import Refused
from gateway.pbx import guard_files
from gateway.pbx.asterisk_conf import (
    ConfigFile,
    ConfigSyntaxError,
    IncludeLoader,
    Section,
    parse,
)
from gateway.pbx.conf_folder import folder_files, folder_loader
from gateway.pbx.dialvars import CALL_CONTEXT
from gateway.pbx.findings import Finding
from gateway.pbx.guard_dialplan import (
    DIAL_APP,
    KnownNumbers,
    check_agency_number,
    check_dial_paths,
    check_personal_numbers,
    dial_options,
)

GUARDED_FILES = (
    "pjsip.conf",
    "extensions.conf",
    "modules.conf",
    "logger.conf",
    "cdr.conf",
    "cel.conf",
    "manager.conf",
)

_NUMBERISH = re.compile(r"[0-9]{3,}")
#: A phone number's worth of digits (an IPv4 octet or a port is never this long).
_LONG_DIGITS = re.compile(r"[0-9]{7,}")
# Asterisk matches application and function names without regard to case.
_PRES_PROHIB = re.compile(r"\bCALLERID\(pres\)\s*=\s*prohib", re.IGNORECASE)
_TRUE = {"yes", "true", "y", "t", "1", "on"}

_COMMON_DEFAULTS = {
    "send_pai": "no",
    "send_rpid": "no",
    "trust_id_outbound": "no",
    "trust_id_inbound": "no",
    "send_connected_line": "yes",
    "trust_connected_line": "yes",
    "send_diversion": "yes",
    "send_history_info": "no",
    "stir_shaken_profile": "",
    # re-INVITEs would give each side the other's media address
    "direct_media": "yes",
    "allow_transfer": "yes",
}

#: Defaults of the endpoint options the guard judges, per Asterisk major release,
#: as registered in res/res_pjsip/pjsip_configuration.c of 16.28 and 22.10.
#: 22 dropped ``stir_shaken`` (still parsed, ignored with a warning) for
#: ``stir_shaken_profile``; the guard refuses either when set.
ENDPOINT_DEFAULTS: dict[int, dict[str, str]] = {
    16: {**_COMMON_DEFAULTS, "stir_shaken": "off"},
    22: dict(_COMMON_DEFAULTS),
}

#: Modules that write numbers to disk or send SIP traffic elsewhere.
_FORBIDDEN_MODULES = (
    "cdr_csv.so",
    "cdr_custom.so",
    "cdr_manager.so",
    "cdr_sqlite3_custom.so",
    "cel_custom.so",
    "cel_manager.so",
    "cel_sqlite3_custom.so",
    "res_pjsip_logger.so",
    "res_hep.so",
    "res_hep_pjsip.so",
    "res_hep_rtcp.so",
    "res_stir_shaken.so",
    "res_pjsip_stir_shaken.so",
    # CDR and CEL rows (with both numbers) to a database or RADIUS
    "cdr_adaptive_odbc.so",
    "cdr_odbc.so",
    "cdr_pgsql.so",
    "cdr_radius.so",
    "cdr_tds.so",
    "cel_odbc.so",
    "cel_pgsql.so",
    "cel_radius.so",
    "cel_tds.so",
    # 22: the custom CDR/CEL writers' shared backend
    "res_cdrel_custom.so",
    # keeps every SIP message (with its headers) for `pjsip show history`
    "res_pjsip_history.so",
    # 22: call audio streamed out of the PBX, and channel metrics served over HTTP
    "chan_websocket.so",
    "res_websocket_client.so",
    "chan_audiosocket.so",
    "res_audiosocket.so",
    "app_audiosocket.so",
    "res_aeap.so",
    "res_speech_aeap.so",
    "res_prometheus.so",
    # a voicemail store keeps the caller's number beside each message
    "app_voicemail.so",
    "app_voicemail_odbc.so",
)

_ALLOWED_AMI_READ = {"call", "user", "originate"}
#: Originate rings the advocate; call is Setvar and Redirect for the second decision.
_ALLOWED_AMI_WRITE = {"originate", "call"}
#: The event filters SafeDial renders (16: anchored regex; 22: exact names). Any other
#: include filter lets more events (with dial strings) reach the user.
_ALLOWED_EVENT_FILTERS = {
    ("eventfilter", "^Event: UserEvent[[:space:]]"),
    ("eventfilter", "^Event: OriginateResponse[[:space:]]"),
    ("eventfilter(action(include),name(userevent))", ""),
    ("eventfilter(action(include),name(originateresponse))", ""),
}
#: Endpoint options that put a fixed caller ID or channel variables on every call.
_FORBIDDEN_ENDPOINT_OPTIONS = {
    "callerid": "gives every call through it a fixed caller ID, beneath the dialplan's",
    "callerid_privacy": "overrides the presentation the dialplan sets for each call",
    "set_var": "sets channel variables on every call, beneath the dialplan's checks",
}
#: Endpoint options that reach a call's SDP or From: never a phone number.
_NO_NUMBER_OPTIONS = ("sdp_owner", "sdp_session", "from_domain")


class UnsafeConfig(Refused):
    """The config could leak a number; Asterisk must not start with it."""

    error_id = "pbx-config-unsafe"

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        listed = "\n  ".join(str(finding) for finding in findings)
        super().__init__(f"refusing this Asterisk config, it could leak a number:\n  {listed}")


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def endpoint_defaults(version: int | None) -> dict[str, str]:
    """The defaults of ``version``; for an unknown release, on wherever any release has on."""
    if version in ENDPOINT_DEFAULTS:
        return ENDPOINT_DEFAULTS[version]
    strictest: dict[str, str] = {}
    for table in ENDPOINT_DEFAULTS.values():
        for key, value in table.items():
            if _true(value) or key not in strictest:
                strictest[key] = value
    return strictest


def check_pjsip(conf: ConfigFile, version: int | None = None,
                asserted_identity_pinned: bool = False) -> Iterator[Finding]:
    """``asserted_identity_pinned``: the dialplan pins every Dial's caller ID to the masked
    number, so P-Asserted-Identity (``send_pai`` with ``trust_id_outbound``, for carriers
    that demand a network-asserted identity) can carry nothing else; ``send_rpid`` stays
    refused."""
    file = conf.name
    for section in conf.concrete():
        kind = (section.get("type") or "").strip().lower()
        if kind == "global":
            user = section.get("default_from_user") or "asterisk"
            if _NUMBERISH.search(user):
                yield Finding(
                    file,
                    section.name,
                    "default_from_user",
                    "is a number; it becomes the Contact user of every call",
                )
            if _true(section.get("use_callerid_contact")):
                yield Finding(
                    file,
                    section.name,
                    "use_callerid_contact",
                    "copies the caller's number into the Contact header; set no",
                )
            if _LONG_DIGITS.search(section.get("user_agent") or ""):
                yield Finding(file, section.name, "user_agent",
                              "holds a number; it is sent in every SIP request")
            if _true(section.get("debug")):
                yield Finding(
                    file, section.name, "debug", "logs every SIP message with its numbers; set no"
                )
        if kind != "endpoint":
            continue
        yield from _check_endpoint(file, section, endpoint_defaults(version),
                                   asserted_identity_pinned)


def _check_endpoint(file: str, section: Section, defaults: dict[str, str],
                    asserted_identity_pinned: bool = False) -> Iterator[Finding]:
    def _effective(key: str) -> str:
        value = section.get(key)
        return value if value is not None else defaults.get(key, "")

    name = section.name
    for key in ("from_user", "contact_user"):
        value = section.get(key) or ""
        if _NUMBERISH.search(value):
            yield Finding(file, name, key, "is a number; it would show in From/Contact")
    for key in _NO_NUMBER_OPTIONS:
        if _LONG_DIGITS.search(section.get(key) or ""):
            yield Finding(file, name, key, "holds a number; it is sent with every call")
    for key, why in _FORBIDDEN_ENDPOINT_OPTIONS.items():
        if section.get(key) is not None:
            yield Finding(file, name, key, f"must not be set: it {why}")
    trust_out = _true(_effective("trust_id_outbound"))
    for key in ("send_pai", "send_rpid"):
        if key == "send_pai" and asserted_identity_pinned:
            continue  # PAI can only carry the masked number (or anonymous), with Privacy: id
        if _true(_effective(key)) and trust_out:
            yield Finding(
                file,
                name,
                key,
                "with trust_id_outbound=yes sends the real caller ID even when "
                "withheld; set trust_id_outbound=no",
            )
    for key, why in (
        ("send_connected_line", "re-INVITEs/UPDATEs would push one side's number to the other"),
        ("trust_connected_line", "accepts connected-line updates carrying a number"),
        ("trust_id_inbound", "lets a phone's answer overwrite the caller ID of the next leg"),
        ("send_diversion", "the Diversion header ignores presentation"),
        ("send_history_info", "the History-Info header ignores presentation"),
        ("stir_shaken", "Asterisk 16 signs the real identity even when withheld"),
        ("direct_media", "re-INVITEs would give each side the other's media address"),
        ("allow_transfer", "a REFER could move the call to a party that learns a number"),
    ):
        if _true(_effective(key)):
            yield Finding(file, name, key, f"must be no: {why}")
    if _effective("stir_shaken_profile").strip():
        yield Finding(
            file,
            name,
            "stir_shaken_profile",
            "must be unset: STIR/SHAKEN attests the real caller identity",
        )


def check_extensions(conf: ConfigFile, known: KnownNumbers | None = None
                     ) -> Iterator[Finding]:
    """The participant-leg context withholds, and every dial path in every context
    pins a caller ID that cannot be a real number (gateway.pbx.guard_dialplan)."""
    file = conf.name
    known = known or KnownNumbers()
    contexts = conf.named(CALL_CONTEXT)
    if not contexts:
        yield Finding(file, CALL_CONTEXT, "context", "the participant-leg context is missing")
        return
    for context in contexts:
        lines = [value for key, value in context.options if key in ("exten", "same")]
        if not any(_PRES_PROHIB.search(line) for line in lines):
            yield Finding(
                file,
                context.name,
                "CALLERID(pres)",
                "the participant leg never sets presentation to prohib before Dial",
            )
        if not any(DIAL_APP.search(line) for line in lines):
            yield Finding(file, context.name, "Dial", "the participant-leg context has no Dial")
    for rule in (check_dial_paths, check_agency_number, check_personal_numbers):
        for found in rule(conf, known):
            yield Finding(file, found.section, found.setting, found.why)


def check_modules(conf: ConfigFile) -> Iterator[Finding]:
    for section in conf.named("modules"):
        autoload = _true(section.get("autoload"))
        noloaded = {_module(name) for name in section.get_all("noload")}
        loaded = {
            _module(name)
            for key in ("load", "preload", "require", "preload-require")
            for name in section.get_all(key)
        }
        for module in _FORBIDDEN_MODULES:
            if _module(module) in loaded or (autoload and _module(module) not in noloaded):
                yield Finding(
                    conf.name,
                    section.name,
                    module,
                    "must not load: it writes or sends numbers or call audio (add noload)",
                )


def _module(name: str) -> str:
    """A module's name as Asterisk's loader compares it: no ``.so``, any case."""
    return name.strip().lower().removesuffix(".so")


def check_logger(conf: ConfigFile) -> Iterator[Finding]:
    """Asterisk's file logger must keep nothing: every level can carry a number.

    Seen on 16 and 22 (tests/integration/test_logs_hold_no_number.py): a notice
    names the From URI of an INVITE from an unknown address, an error the dial
    string PJSIP could not make a URI of; verbose logs every Dial string. Only
    the console (never written to disk) may log; syslog channels count as files.
    """
    for section in conf.named("general"):
        if section.get("queue_log") is None or _true(section.get("queue_log")):
            yield Finding(conf.name, section.name, "queue_log", "must be no")
    for section in conf.named("logfiles"):
        for channel, levels in section.options:
            if channel == "console":
                continue
            yield Finding(
                conf.name,
                section.name,
                channel,
                f"writes '{levels.strip() or 'the default levels'}' to disk: notices "
                "carry From URIs, verbose lines and even errors dial strings; "
                "keep no file log",
            )


def check_disabled(conf: ConfigFile) -> Iterator[Finding]:
    sections = conf.named("general")
    if not sections or any(_true(section.get("enable") or "yes") for section in sections):
        yield Finding(
            conf.name,
            "general",
            "enable",
            "must be no: these records carry both numbers of every call",
        )


def check_manager(conf: ConfigFile) -> Iterator[Finding]:
    for section in conf.concrete():
        if section.name == "general":
            bind = section.get("bindaddr") or "0.0.0.0"  # noqa: S104 - Asterisk's default
            if not bind.startswith("127."):
                yield Finding(conf.name, section.name, "bindaddr", "AMI must listen on loopback")
            continue
        read = {word.strip().lower() for word in (section.get("read") or "").split(",")}
        extra = sorted(word for word in read - _ALLOWED_AMI_READ if word)
        if extra:
            yield Finding(
                conf.name,
                section.name,
                "read",
                f"grants {', '.join(extra)}: AMI events of those classes carry "
                "dial strings with numbers (allowed: call, user, originate)",
            )
        write = {word.strip().lower() for word in (section.get("write") or "").split(",")}
        extra = sorted(word for word in write - _ALLOWED_AMI_WRITE if word)
        if extra:
            yield Finding(conf.name, section.name, "write",
                          f"grants {', '.join(extra)}: actions beyond placing and steering "
                          "calls can read or change numbers (allowed: originate, call)")
        yield from _check_event_filters(conf.name, section)


def _check_event_filters(file: str, user: Section) -> Iterator[Finding]:
    """Only SafeDial's whitelist reaches the user: channel events carry dial strings."""
    filters = [(key, value) for key, value in user.options if key.startswith("eventfilter")]
    includes = [(key, value) for key, value in filters
                if not value.startswith("!") and "action(exclude)" not in key]
    if not includes:
        yield Finding(file, user.name, "eventfilter",
                      "missing: without SafeDial's event filters every event of the user's "
                      "classes (dial strings with numbers) reaches it")
    for key, value in includes:
        if (key, value) not in _ALLOWED_EVENT_FILTERS:
            yield Finding(file, user.name, "eventfilter",
                          "lets more than UserEvent and OriginateResponse through")


_CHECKS: dict[str, Callable[[ConfigFile], Iterator[Finding]]] = {
    "pjsip.conf": check_pjsip,
    "extensions.conf": check_extensions,
    "modules.conf": check_modules,
    "logger.conf": check_logger,
    "cdr.conf": check_disabled,
    "cel.conf": check_disabled,
    "manager.conf": check_manager,
}


_ASSERTABLE = {"${SAFEDIAL_MASKED_CALLERID}"}


def asserted_identity_pinned(extensions: ConfigFile) -> bool:
    """True when every Dial anywhere pins its caller-ID number with ``f()`` to the masked
    number (``SAFEDIAL_TRUNK_ASSERTED_IDENTITY=masked`` renders the withheld path so):
    then an asserted identity can carry nothing else."""
    dials = [value for context in extensions.concrete() for key, value in context.options
             if key in ("exten", "same") and DIAL_APP.search(value)]
    for line in dials:
        pinned = dial_options(line).get("f", "")
        number = pinned.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in pinned else pinned
        if number not in _ASSERTABLE:
            return False
    return bool(dials)


def findings_for(
    texts: dict[str, str],
    load_include: IncludeLoader,
    version: int | None = None,
    etc_dir: str | None = None,
    known: KnownNumbers | None = None,
) -> list[Finding]:
    """Every finding for the files of a config folder (file name to text).

    Every file the guard reads is parsed with its includes and judged as
    Asterisk reads it; a file it neither reads nor sees included is refused.
    ``version`` is the Asterisk major release that will read them (None: any);
    ``etc_dir`` is the folder as Asterisk sees it, which asterisk.conf must
    name (None: a folder checked on its own, e.g. before it is copied in place);
    ``known`` the numbers dial paths are judged by (None: no literal number passes).
    """
    pinned = False
    if "extensions.conf" in texts:
        try:
            pinned = asserted_identity_pinned(
                parse("extensions.conf", texts["extensions.conf"], load_include))
        except ConfigSyntaxError:
            pinned = False  # reported below with the file's own findings
    checks: dict[str, Callable[[ConfigFile], Iterator[Finding]]] = {
        **_CHECKS,
        "pjsip.conf": partial(check_pjsip, version=version, asserted_identity_pinned=pinned),
        "extensions.conf": partial(check_extensions, known=known),
    }
    findings = [Finding(name, "", "file", "is missing") for name in GUARDED_FILES
                if name not in texts]
    parsed: list[ConfigFile] = []
    for name in sorted(set(texts) & guard_files.READ_FILES):
        try:
            parsed.append(parse(name, texts[name], load_include))
        except ConfigSyntaxError as exc:
            findings.append(Finding(name, "", "syntax", str(exc)))
    findings.extend(guard_files.unknown_files(texts, parsed))
    for conf in parsed:
        findings.extend(guard_files.check_directives(conf))
        read, unclear = guard_files.as_asterisk_reads(conf)
        findings.extend(unclear)
        for table in (checks, guard_files.CHECKS):
            if conf.name in table:
                findings.extend(table[conf.name](read))
        if conf.name == "asterisk.conf" and etc_dir is not None:
            findings.extend(guard_files.check_config_folder(read, etc_dir))
    return findings


def check_texts(
    texts: dict[str, str],
    load_include: IncludeLoader,
    version: int | None = None,
    etc_dir: str | None = None,
    known: KnownNumbers | None = None,
) -> None:
    """Raise :class:`UnsafeConfig` unless every file of the folder is safe."""
    findings = findings_for(texts, load_include, version, etc_dir, known)
    if findings:
        raise UnsafeConfig(findings)


def check_directory(etc: Path, version: int | None = None, seen_as: Path | None = None,
                    known: KnownNumbers | None = None) -> None:
    """Check the config folder ``etc`` as Asterisk ``version`` (None: any) would read it,
    judging dial paths by the ``known`` numbers.

    ``seen_as``: the folder's path as the Asterisk that runs it sees it (inside its
    root); given, asterisk.conf must point Asterisk there.
    """
    etc_dir = str(seen_as) if seen_as is not None else None
    check_texts(folder_files(etc), folder_loader(etc), version, etc_dir, known)
