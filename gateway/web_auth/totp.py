"""Time-based one-time codes (RFC 6238) for admins' optional second factor.

Why: an admin account can read every participant's record, so an admin may add a
code from an authenticator app to the password. The shared secret is stored only
encrypted with the key ring, bound to the admin's row. A code is accepted in the
30-second step it belongs to or the one either side (clocks drift), and only in a
step later than the last one accepted, so a code seen over a shoulder cannot be
used again.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Final

import pyotp

from gateway.storage.keyring import KeyRing

PURPOSE: Final = "advocate.totp_secret"
ISSUER: Final = "SafeDial"
#: Steps either side of now that are still accepted (clock drift).
DRIFT_STEPS: Final = 1
_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    return pyotp.random_base32()


def encrypt_secret(keys: KeyRing, secret: str, *, advocate_id: str) -> str:
    return keys.encrypt(secret, purpose=PURPOSE, record=advocate_id).decode("ascii")


def decrypt_secret(keys: KeyRing, stored: str, *, advocate_id: str) -> str:
    return keys.decrypt(stored.encode("ascii"), purpose=PURPOSE, record=advocate_id)


def provisioning_uri(secret: str, *, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (shown once, when enabled)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, *, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is accepted now; None otherwise.

    Every candidate step is compared (in constant time), so the answer's timing does
    not say which step nearly matched.
    """
    typed = re.sub(r"\s", "", code)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    accepted = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        matches = hmac.compare_digest(expected.encode(), typed.encode("utf-8"))
        if matches and _CODE.fullmatch(typed) and (last_step is None or step > last_step):
            accepted = step
    return accepted
