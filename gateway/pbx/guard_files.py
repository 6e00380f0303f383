"""Which files the guard reads, and the checks of the files beyond the per-option rules.

Asterisk reads more than pjsip.conf and extensions.conf: a wizard can define
endpoints, sorcery.conf and extconfig.conf can move PJSIP objects or whole
config files into a database, http.conf can serve the manager over HTTP, and
features.conf can let a caller transfer, park or record a call. SafeDial
renders none of those risks, so the guard refuses them, and refuses any file in
the config folder it neither rendered nor knows how to judge: what it cannot
read, it cannot call safe.

Names are compared as Asterisk compares them (option and section names in any
case); where the guard cannot tell how Asterisk would read something (a
``type`` given twice), it refuses rather than guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from gateway.pbx.asterisk_conf import ConfigFile, Section
from gateway.pbx.findings import Finding

#: What ``safedial pbx render`` writes: one file per ``dialplans/*.j2``.
RENDERED_FILES = frozenset({
    "amd.conf", "asterisk.conf", "cdr.conf", "cel.conf", "extensions.conf", "features.conf",
    "logger.conf", "manager.conf", "modules.conf", "pjsip.conf", "rtp.conf",
})  # fmt: skip

#: Files SafeDial does not render but Asterisk reads if present; the guard judges them.
JUDGED_FILES = frozenset({"pjsip_wizard.conf", "sorcery.conf", "extconfig.conf", "http.conf"})

READ_FILES = RENDERED_FILES | JUDGED_FILES

_TRUE = {"yes", "true", "y", "t", "1", "on"}

#: Sections Asterisk finds by name in any case; the checks compare them in lower case.
_FIXED_SECTIONS = {
    "general", "modules", "logfiles", "featuremap", "applicationmap", "settings", "directories",
}  # fmt: skip
#: Where Asterisk reads its config when asterisk.conf names no ``astetcdir``.
_DEFAULT_ETC = "/etc/asterisk"

#: Sections PJSIP reads by name alone (sorcery ``explicit_name``), with no ``type``.
_PJSIP_NAMED = ("global", "system")

_ALLOWED_FEATURES = {"disconnect"}
_FORBIDDEN_APPS = {
    "transfer": "transfers the call", "blindtransfer": "transfers the call",
    "attendedtransfer": "transfers the call", "park": "parks the call",
    "parkandannounce": "parks the call", "parkedcall": "picks up a parked call",
    "dial": "dials another number", "originate": "places another call",
    "page": "places other calls", "queue": "places the call in a queue",
    "followme": "places other calls", "bridge": "bridges the call elsewhere",
    "bridgeadd": "bridges the call elsewhere", "mixmonitor": "records the call",
    "monitor": "records the call", "chanspy": "listens to other calls",
    "extenspy": "listens to other calls", "exec": "runs any application",
    "execif": "runs any application", "tryexec": "runs any application",
    "system": "runs a program", "trysystem": "runs a program", "agi": "runs a program",
    "eagi": "runs a program",
}  # fmt: skip


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def _sections(conf: ConfigFile, name: str) -> list[Section]:
    return [section for section in conf.concrete() if section.name.lower() == name]


def as_asterisk_reads(conf: ConfigFile) -> tuple[ConfigFile, list[Finding]]:
    """``conf`` with names and ``type`` values spelt the one way the checks compare.

    Fixed section names (``[General]``) become lower case; in pjsip.conf each
    section keeps one ``type`` in lower case (see :func:`_pjsip_type`). A
    section typed twice over is a finding: Asterisk reads one type, an operator
    may have meant the other.
    """
    findings: list[Finding] = []
    sections: list[Section] = []
    for section in conf.sections:
        name = section.name.lower() if section.name.lower() in _FIXED_SECTIONS else section.name
        options = section.options
        if conf.name == "pjsip.conf":
            options, unclear = _pjsip_type(conf.name, section)
            findings.extend(unclear)
        sections.append(replace(section, name=name, options=options))
    return replace(conf, sections=sections), findings


def _pjsip_type(file: str, section: Section) -> tuple[list[tuple[str, str]], list[Finding]]:
    """The section's options with its one ``type`` last, spelt in lower case.

    Sorcery takes the first ``type`` it finds, so that one counts; a section
    without one that PJSIP reads by name (``[global]``) gets it.
    """
    kinds = list(dict.fromkeys(value.strip().lower() for value in section.get_all("type")))
    unclear = []
    if len(kinds) > 1:
        unclear.append(Finding(file, section.name, "type",
                               f"is set to {' and '.join(kinds)}; set one type"))
    options = [(key, value) for key, value in section.options if key != "type"]
    if kinds:
        options.append(("type", kinds[0]))
    elif section.name in _PJSIP_NAMED:
        options.append(("type", section.name))
    return options, unclear


def unknown_files(names: Iterable[str], parsed: Iterable[ConfigFile]) -> Iterator[Finding]:
    """Every file in the folder that SafeDial did not render, the guard cannot judge,
    and no read file includes: Asterisk may read it, the guard cannot."""
    included = {name for conf in parsed for name in conf.included}
    for name in sorted(names):
        if name not in READ_FILES and name not in included:
            yield Finding(name, "", "file",
                          "SafeDial did not render it and the guard cannot judge it; remove it")


def check_directives(conf: ConfigFile) -> Iterator[Finding]:
    for directive in conf.directives:
        kind, _, target = directive.partition(" ")
        if kind == "exec":
            yield Finding(conf.name, "", "#exec", "cannot be checked; remove it")
        elif target.startswith("/"):
            yield Finding(conf.name, "", f"#{kind} {target}",
                          "names a file outside the config folder; with an Asterisk root "
                          "Asterisk reads another file there than the guard does")


def check_wizard(conf: ConfigFile) -> Iterator[Finding]:
    for section in conf.sections:
        yield Finding(conf.name, section.name, "section",
                      "SafeDial renders no wizard and the guard cannot judge wizard "
                      "endpoints; define endpoints in pjsip.conf")


def check_sorcery(conf: ConfigFile) -> Iterator[Finding]:
    for section in conf.sections:
        if section.name.lower().startswith("res_pjsip"):
            for key, _value in section.options:
                yield Finding(conf.name, section.name, key,
                              "maps PJSIP objects away from pjsip.conf, where the guard "
                              "cannot judge them; remove the mapping")


def check_extconfig(conf: ConfigFile) -> Iterator[Finding]:
    for section in conf.sections:
        for key, _value in section.options:
            yield Finding(conf.name, section.name, key,
                          "moves this config into a database the guard cannot read "
                          "(SafeDial uses no realtime); remove the mapping")


def check_http(conf: ConfigFile) -> Iterator[Finding]:
    for section in _sections(conf, "general"):
        for key in ("enabled", "tlsenable", "sslenable"):
            if _true(section.get(key)):
                yield Finding(conf.name, section.name, key,
                              "must be no: the HTTP server would serve the manager or ARI, "
                              "whose events carry numbers")


def check_manager_access(conf: ConfigFile) -> Iterator[Finding]:
    for section in _sections(conf, "general"):
        if _true(section.get("webenabled")):
            yield Finding(conf.name, section.name, "webenabled",
                          "must be no: it serves the manager over HTTP")
        bind = section.get("tlsbindaddr") or "0.0.0.0"  # noqa: S104 - Asterisk's default
        if _true(section.get("tlsenable")) and not bind.startswith("127."):
            yield Finding(conf.name, section.name, "tlsbindaddr",
                          "AMI over TLS must listen on loopback")


def check_features(conf: ConfigFile) -> Iterator[Finding]:
    for section in _sections(conf, "featuremap"):
        for key, value in section.options:
            if value.strip() and key not in _ALLOWED_FEATURES:
                yield Finding(conf.name, section.name, key,
                              "must be empty: a key that transfers, parks or records a call "
                              "can hand a participant's call (and number) to someone else")
    for section in _sections(conf, "applicationmap"):
        for key, value in section.options:
            app = _feature_app(value)
            if app in _FORBIDDEN_APPS:
                yield Finding(conf.name, section.name, key,
                              f"runs {app}, which {_FORBIDDEN_APPS[app]}; remove it")


def _feature_app(value: str) -> str:
    """The application of ``dtmf,activate_on,App(args)`` or ``dtmf,activate_on,App,args``."""
    parts = value.split(",", 2)
    app = parts[2] if len(parts) > 2 else ""
    return re.split(r"[(,]", app, maxsplit=1)[0].strip().lower()


def check_config_folder(conf: ConfigFile, etc_dir: str) -> Iterator[Finding]:
    """asterisk.conf must send Asterisk to this folder (``etc_dir``, as Asterisk sees
    it) for the rest of its config: elsewhere it reads files the guard never saw."""
    sections = _sections(conf, "directories")
    value = (sections[0].get("astetcdir") if sections else None) or _DEFAULT_ETC
    if PurePosixPath(value.strip()) != PurePosixPath(etc_dir):
        yield Finding(conf.name, "directories", "astetcdir",
                      f"must be this config folder ({etc_dir}): Asterisk would read its "
                      f"config from {value.strip()}, which the guard did not check")


#: Checks per file name, run after the per-option checks of ``guard``.
CHECKS: dict[str, Callable[[ConfigFile], Iterator[Finding]]] = {
    "pjsip_wizard.conf": check_wizard,
    "sorcery.conf": check_sorcery,
    "extconfig.conf": check_extconfig,
    "http.conf": check_http,
    "manager.conf": check_manager_access,
    "features.conf": check_features,
}
