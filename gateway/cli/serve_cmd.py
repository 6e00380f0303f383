"""``safedial serve``: the web app and JSON API on 127.0.0.1:8000 by default."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.errors import ExitCode

#: At shutdown, open connections (an advocate's live call status is a stream that lasts
#: as long as the call) get this long before they are closed; without a bound, one open
#: status page would keep ``serve`` from stopping until its call ended.
SHUTDOWN_GRACE_S = 10


def register(commands: Any) -> None:
    cmd = commands.add_parser("serve", help="run the web pages and /api/ (OpenAPI at /api/docs)")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=8000)
    cmd.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.web.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
    return ExitCode.OK
