"""Entry point of the ``safedial`` command.

Exit codes (the contract): 0 done, 2 bad usage or input, 3 refused by policy
or lock, 4 PBX/AMI unavailable, 5 could not originate.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from gateway.cli import (
    audit_cmd,
    call_cmd,
    callbacks_cmd,
    keys_cmd,
    pbx_cmd,
    people_cmd,
    serve_cmd,
)
from gateway.errors import SafeDialError
from gateway.pbx.guard import UnsafeConfig
from gateway.pbx.process import PbxError
from gateway.policyfile import PolicyFileError
from gateway.settings import SettingsError
from gateway.storage.keyring import DecryptionError, KeyFileError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_PBX_UNAVAILABLE = 4
EXIT_ORIGINATE_FAILED = 5


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
    call_cmd.register(commands)
    keys_cmd.register(commands)
    audit_cmd.register(commands)
    callbacks_cmd.register(commands)
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
    except (SettingsError, PolicyFileError, KeyFileError) as exc:
        print(f"safedial: configuration error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DecryptionError as exc:
        print(f"safedial: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnsafeConfig as exc:
        print(f"safedial: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except PbxError as exc:
        print(f"safedial: {exc}", file=sys.stderr)
        return EXIT_PBX_UNAVAILABLE
    except SafeDialError as exc:
        report = exc.stdout_report()
        if report is not None:
            print(report)
        print(f"safedial: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
