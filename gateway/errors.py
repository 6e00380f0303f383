"""Domain errors: a stable ``error_id``, plain words an advocate can act on, no HTTP.

Exception tree::

    SafeDialError
    ├── BadInput            (exit 2)   the request itself is wrong
    │   └── NotFound        (exit 2)   no such participant/advocate
    ├── Refused             (exit 3)   policy or a lock says no
    ├── PbxUnavailable      (exit 4)   Asterisk or AMI cannot be reached
    └── OriginateFailed     (exit 5)   the PBX would not start the call

Messages never contain a phone number or a code word.
"""

from __future__ import annotations


class SafeDialError(Exception):
    error_id = "safedial-error"
    exit_code = 1

    def __init__(self, message: str, **details: str) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details)

    def stdout_report(self) -> str | None:
        """What the CLI prints on standard output besides the message (e.g. a decision)."""
        return None


class BadInput(SafeDialError):
    error_id = "bad-input"
    exit_code = 2


class NotFound(BadInput):
    error_id = "not-found"


class Unauthorized(SafeDialError):
    error_id = "unauthorized"
    exit_code = 2


class Forbidden(SafeDialError):
    error_id = "forbidden"
    exit_code = 2


class Refused(SafeDialError):
    error_id = "refused"
    exit_code = 3


class PbxUnavailable(SafeDialError):
    error_id = "pbx-unavailable"
    exit_code = 4


class OriginateFailed(SafeDialError):
    error_id = "originate-failed"
    exit_code = 5
