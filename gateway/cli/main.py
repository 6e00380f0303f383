"""Entry point of the ``safedial`` command.

Exit codes (the contract, ``gateway.errors.ExitCode``): 0 done, 2 bad usage or
input, 3 refused (policy, a lock, the leak guard, a broken audit chain), 4 a service
SafeDial needs is unavailable (PBX, AMI, database), 5 could not originate. Each error
carries its own code, so this module has one ``except`` for all of them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from gateway.cli import (
    access_cmd,
    audit_cmd,
    call_cmd,
    callbacks_cmd,
    keys_cmd,
    pbx_cmd,
    people_cmd,
    selftest_cmd,
    serve_cmd,
)
from gateway.errors import ExitCode, SafeDialError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safedial",
        description="Privacy-safe outbound calling gateway (Asterisk).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cmd.register(commands)
    pbx_cmd.register(commands)
    people_cmd.register(commands)
    access_cmd.register(commands)
    call_cmd.register(commands)
    keys_cmd.register(commands)
    audit_cmd.register(commands)
    callbacks_cmd.register(commands)
    selftest_cmd.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.handler(args)
    except SafeDialError as exc:
        report = exc.stdout_report()
        if report is not None:
            print(report)
        print(f"safedial: {exc.message}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    return code


if __name__ == "__main__":
    sys.exit(main())
