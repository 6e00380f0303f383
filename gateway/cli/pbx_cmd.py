"""``safedial pbx render|up|down|status|check``: the private Asterisk's life cycle."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gateway.cli.selftest_cmd import status_line
from gateway.domain.policy import AgencyPolicy
from gateway.errors import BadInput, ExitCode
from gateway.pbx import guard
from gateway.pbx.process import Asterisk, asterisk_for, known_numbers, layout_for, render
from gateway.policyfile import load_policy
from gateway.settings import Settings, get_settings
from gateway.wiring import build_context


def register(commands: Any) -> None:
    pbx = commands.add_parser("pbx", help="render, start, stop, inspect or check local Asterisk")
    actions = pbx.add_subparsers(dest="pbx_action", required=True, metavar="ACTION")

    cmd = actions.add_parser("render", help="render dialplans/ into the runtime folder; check it")
    cmd.set_defaults(handler=_render)

    cmd = actions.add_parser("up", help="render, check and start Asterisk; verify its endpoints")
    cmd.add_argument(
        "--no-render",
        action="store_true",
        help="start from the config already in the runtime folder (still checked)",
    )
    cmd.set_defaults(handler=_up)

    cmd = actions.add_parser("down", help="stop the Asterisk started by `pbx up` (by its pid)")
    cmd.set_defaults(handler=_down)

    cmd = actions.add_parser("status", help="is Asterisk running, with every expected endpoint?")
    cmd.add_argument("--json", action="store_true", help="print the status as JSON")
    cmd.set_defaults(handler=_status)

    cmd = actions.add_parser("check", help="check a config folder for settings that leak numbers")
    cmd.add_argument(
        "--etc",
        type=Path,
        help="folder holding the .conf files (default: the runtime folder's etc/)",
    )
    cmd.set_defaults(handler=_check)


def _asterisk() -> Asterisk:
    return asterisk_for(get_settings())


def _where(asterisk: Asterisk) -> str:
    chroot = asterisk.layout.chroot
    return f"in {chroot} (chroot)" if chroot is not None else "on the host"


def _policy(settings: Settings) -> AgencyPolicy:
    return load_policy(settings.policy_file)


def _render(_args: argparse.Namespace) -> int:
    settings = get_settings()
    layout = render(settings, _policy(settings))
    print(f"rendered and checked: {layout.etc}")
    return ExitCode.OK


def _up(args: argparse.Namespace) -> int:
    settings = get_settings()
    layout = layout_for(settings) if args.no_render else render(settings, _policy(settings))
    asterisk = Asterisk(layout, settings.asterisk_binary)
    if asterisk.pid() is not None:
        print(f"Asterisk already running (pid {asterisk.pid()}) from {layout.root}")
        return ExitCode.OK
    pid = asterisk.start()
    status = asterisk.status()
    print(
        f"{asterisk.running_version()} up {_where(asterisk)} (pid {pid}): "
        f"SIP {settings.sip_bind}:{settings.sip_port}, "
        f"AMI 127.0.0.1:{settings.ami_port}, trunk {settings.trunk_host}:{settings.trunk_port}, "
        f"endpoints: {', '.join(status.endpoints)}"
    )
    return ExitCode.OK


def _down(_args: argparse.Namespace) -> int:
    stopped = _asterisk().stop()
    print("Asterisk stopped" if stopped else "Asterisk was not running")
    return ExitCode.OK


def _status(args: argparse.Namespace) -> int:
    status = _asterisk().status()
    privacy = build_context().privacy_locks().status()
    if args.json:
        print(
            json.dumps(
                {
                    "running": status.running,
                    "pid": status.pid,
                    "endpoints": list(status.endpoints),
                    "missing_endpoints": list(status.missing_endpoints),
                    "selftest": privacy,
                }
            )
        )
    elif not status.running:
        print("Asterisk is not running (start it with: safedial pbx up)")
    elif status.missing_endpoints:
        print(
            f"Asterisk running (pid {status.pid}) but endpoint(s) missing: "
            f"{', '.join(status.missing_endpoints)}"
        )
    else:
        print(f"Asterisk running (pid {status.pid}); endpoints: {', '.join(status.endpoints)}")
    if not args.json:
        for mode in privacy:
            print(f"privacy self-test: {status_line(mode)}")
    return ExitCode.OK if status.healthy else ExitCode.UNAVAILABLE


def _check(args: argparse.Namespace) -> int:
    settings = get_settings()
    layout = layout_for(settings)
    etc = args.etc or layout.etc
    if not etc.is_dir():
        raise BadInput(f"no config folder at {etc} (run: safedial pbx render)")
    # A folder named with --etc may be checked before it is moved into place.
    guard.check_directory(etc, seen_as=None if args.etc else layout.inside(layout.etc),
                          known=known_numbers(settings))
    print(f"config is safe: {etc}")
    return ExitCode.OK
