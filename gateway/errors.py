"""Domain errors: a stable ``error_id``, plain words an advocate can act on, no HTTP here.

Every error the gateway raises derives from ``SafeDialError`` and carries, as class
attributes, its ``error_id``, the ``exit_code`` of the ``safedial`` command and the
``http_status`` of the API. The CLI (``gateway.cli.main``) and the API
(``gateway.web.errors``) each read them in one place, so they cannot disagree.
``http_status`` is a plain number: it names what the API answers, not how.

Exception tree (class, error id, exit code, HTTP status)::

    SafeDialError
    ├── BadInput                  bad-input            2  422  the request itself is wrong
    │   ├── NotFound              not-found            2  404  no such record or call
    │   ├── NotALab*              lab-only             2  422  call --lab outside a lab
    │   ├── DuplicateRecord*      duplicate            2  409  the number or alias is on file
    │   ├── RequestTooLarge*      request-too-large    2  413  an API body over 64 KiB
    │   └── PromptError*          prompt-error         2  422  a prompt or script is refused
    ├── Unauthorized              unauthorized         2  401  no or unknown API token
    │   ├── TokenExpired*         token-expired        2  401  older than [access] token_days
    │   ├── TokenRevoked*         token-revoked        2  401  an admin revoked the token
    │   ├── AccountDeactivated*   account-deactivated  2  401  the account was deactivated
    │   ├── SignInFailed*         sign-in-failed       2  401  wrong username or password (or code)
    │   └── SignInRequired*       sign-in-required     2  401  a page needs a signed-in session
    ├── Forbidden                 forbidden            2  403  signed in, but not allowed
    │   ├── PasswordChangeRequired* password-change-required 2 403 first choose a new password
    │   └── FormRefused*          form-refused         2  403  a form without this session's token
    ├── TooManyAttempts           too-many-attempts    2  429  too many tries: wait, then again
    │   ├── SignInThrottled*      sign-in-throttled    2  429  too many failed sign-ins
    │   └── CodeWordThrottled*    code-word-throttled  2  429  too many code-word checks
    ├── ConfigurationError        configuration-error  2  503  an operator must fix a setting
    │   ├── SettingsError*        settings-invalid     2  503  a SAFEDIAL_ setting is malformed
    │   ├── PolicyFileError*      policy-file-invalid  2  503  the policy file is malformed
    │   └── KeysUnavailable       keys-unavailable     2  503  the keys cannot open the data
    │       ├── KeyFileError*     keys-unavailable     2  503  key file missing or unusable
    │       │   └── KeyFileMissing* keys-unavailable   2  503  no key file at the path
    │       ├── KeyFileMismatch*  key-file-mismatch    2  503  not the database's key file
    │       └── DecryptionError*  keys-unavailable     2  503  a value does not decrypt
    ├── Refused                   refused              3  409  policy, a lock or a check says no
    │   ├── CallRefused*          refused              3  409  the policy said no; has the decision
    │   ├── UnsafeConfig*         pbx-config-unsafe    3  409  the leak guard refuses a config
    │   ├── BrokenChainError*     audit-chain-broken   3  409  the audit log does not verify
    │   └── LockNotClearable*     lock-not-clearable   3  409  no self-test passed since a failure
    ├── ServiceUnavailable        service-unavailable  4  503  a service SafeDial needs is down
    │   ├── PbxUnavailable        pbx-unavailable      4  503  Asterisk or AMI cannot be reached
    │   │   └── PbxError*         pbx-unavailable      4  503  the private Asterisk misbehaved
    │   └── DatabaseUnavailable   database-unavailable 4  503  locked, read-only, corrupt
    └── OriginateFailed           originate-failed     5  502  the PBX would not start the call

    * defined next to the code that raises it (this module imports none of them)

Configuration errors are exit 2 because the fix is the operator's input (a setting, the
policy file, the key file), and HTTP 503 because the API client did nothing wrong: the
server cannot serve until an operator fixes it.

Messages never contain a phone number or a code word.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

#: The reason recorded when something failed on an error that is not a SafeDialError (a
#: bug): only this id is kept, never the exception's text, which could quote a value.
INTERNAL_ERROR = "internal-error"


class ExitCode(IntEnum):
    """The ``safedial`` command's exit codes: a contract scripts rely on."""

    OK = 0
    BAD_INPUT = 2
    REFUSED = 3
    UNAVAILABLE = 4
    ORIGINATE_FAILED = 5
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class SafeDialError(Exception):
    """Root of the tree; raise a subclass, which says what went wrong and what to do."""

    error_id: ClassVar[str] = "safedial-error"
    exit_code: ClassVar[ExitCode] = ExitCode.BAD_INPUT
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, **details: str) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details)

    def stdout_report(self) -> str | None:
        """What the CLI prints on standard output besides the message (e.g. a decision)."""
        return None

    def __str__(self) -> str:
        return self.message


class BadInput(SafeDialError):
    error_id = "bad-input"
    exit_code = ExitCode.BAD_INPUT
    http_status = 422


class NotFound(BadInput):
    error_id = "not-found"
    http_status = 404


class Unauthorized(SafeDialError):
    error_id = "unauthorized"
    exit_code = ExitCode.BAD_INPUT
    http_status = 401


class Forbidden(SafeDialError):
    error_id = "forbidden"
    exit_code = ExitCode.BAD_INPUT
    http_status = 403


class TooManyAttempts(SafeDialError):
    """Too many tries in a short time (sign-ins, code-word checks): a wait, not a refusal
    by policy. ``details["retry_after_s"]`` says how long (the API's Retry-After)."""

    error_id = "too-many-attempts"
    exit_code = ExitCode.BAD_INPUT
    http_status = 429


class ConfigurationError(SafeDialError):
    """SafeDial is set up wrongly; the message names the setting or file to fix."""

    error_id = "configuration-error"
    exit_code = ExitCode.BAD_INPUT
    http_status = 503

    def __init__(self, message: str, **details: str) -> None:
        super().__init__(f"configuration error: {message}", **details)


class KeysUnavailable(ConfigurationError):
    """The key file cannot be used, or does not hold the key the stored data needs."""

    error_id = "keys-unavailable"


class Refused(SafeDialError):
    error_id = "refused"
    exit_code = ExitCode.REFUSED
    http_status = 409


class ServiceUnavailable(SafeDialError):
    """Something SafeDial depends on (PBX, AMI, database) cannot be used right now."""

    error_id = "service-unavailable"
    exit_code = ExitCode.UNAVAILABLE
    http_status = 503


class PbxUnavailable(ServiceUnavailable):
    error_id = "pbx-unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    """Locked, read-only, unreachable or corrupt. The message never holds SQL or values."""

    error_id = "database-unavailable"


class OriginateFailed(SafeDialError):
    error_id = "originate-failed"
    exit_code = ExitCode.ORIGINATE_FAILED
    http_status = 502
