"""Passwords: argon2id hashes, one-time passwords an admin hands over, and the rules.

Why: a copied database must not give away anyone's password, so only an argon2id
hash is stored (RFC 9106's low-memory profile: 64 MiB, 3 passes; each check costs
about a tenth of a second, which is what makes guessing slow). A check for an account
that does not exist runs against a dummy hash of the same cost, so the time taken
does not tell which usernames exist. Passwords are compared as Unicode NFKC, so the
same password typed on two keyboards matches.

One-time passwords are what an admin reads out or hands over: four groups of five
from an alphabet without look-alikes (no i, l, o, 0, 1), about 99 bits. They are
typed on phones, whose keyboards capitalise the first letter, so a one-time password
is checked in lower case with outer spaces removed.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import astuple
from functools import cache
from typing import Any, Final

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

#: RFC 9106's low-memory profile: argon2id, 64 MiB, 3 passes, 4 lanes.
DEFAULT_PARAMETERS: Final = profiles.RFC_9106_LOW_MEMORY
#: The hashing cost in force (tests lower it to save time; nothing else changes it).
PARAMETERS: Parameters = DEFAULT_PARAMETERS
ONE_TIME_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_GROUPS: Final = 4
ONE_TIME_GROUP_LENGTH: Final = 5
MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 256


def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(PARAMETERS)


def _plain(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _dummy_hash() -> str:
    """A hash of a random password at the cost in force (made once per cost)."""
    return _dummy_hash_for(astuple(PARAMETERS))


@cache
def _dummy_hash_for(parameters: tuple[Any, ...]) -> str:
    hasher = PasswordHasher.from_parameters(Parameters(*parameters))
    return hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """The argon2id hash to store (salted: the same password hashes differently)."""
    return _hasher().hash(_plain(password))


def verify_password(stored: str | None, password: str, *, one_time: bool = False) -> bool:
    """Whether ``password`` is the one ``stored`` was made from.

    ``stored`` None (no such account, or no password yet) still costs one argon2
    check, against a dummy hash, and is False.
    """
    candidate = one_time_form(password) if one_time else _plain(password)
    if len(candidate) > MAX_LENGTH:
        candidate = ""  # still checked: a long input must not answer faster
    try:
        return _hasher().verify(stored or _dummy_hash(), candidate) and (
            stored is not None)
    except (VerificationError, InvalidHashError):
        return False


def same_password(new: str, current: str, *, one_time: bool) -> bool:
    """Whether ``new`` is ``current`` again, read as each is checked."""
    if one_time:
        return one_time_form(new) == one_time_form(current)
    return _plain(new) == _plain(current)


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with other parameters (rehash after a good sign-in)."""
    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


def one_time_password() -> str:
    """A new random one-time password, e.g. ``k7mqa-3xwpe-t9bhc-ud42r``."""
    return "-".join(
        "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_GROUP_LENGTH))
        for _ in range(ONE_TIME_GROUPS))


def one_time_form(text: str) -> str:
    """A typed one-time password as it was issued: lower case, no outer spaces."""
    return _plain(text).strip().lower()


#: Why a new password is refused: a stable rule id (pages show their own words for it)
#: and words an advocate can act on.
RULES: Final = {
    "too-short": f"a password needs at least {MIN_LENGTH} characters (a few words work well)",
    "too-long": f"a password may have at most {MAX_LENGTH} characters",
    "only-spaces": "a password must not be only spaces",
    "username": "a password must not be your username",
    "same": "choose a new password, not the one you have now",
}


def broken_rule(password: str, *, username: str | None) -> str | None:
    """The id (a key of ``RULES``) of the rule a new password breaks; None if it is fine.

    Length is what makes a password hard to guess; a passphrase of ordinary words is
    welcome. The username is the first thing anyone would try.
    """
    plain = _plain(password)
    if len(plain) < MIN_LENGTH:
        return "too-short"
    if len(plain) > MAX_LENGTH:
        return "too-long"
    if not plain.strip():
        return "only-spaces"
    if username is not None and plain.strip().casefold() == username.casefold():
        return "username"
    return None


def password_problem(password: str, *, username: str | None) -> str | None:
    """Why a new password is refused, in words an advocate can act on; None if it is fine."""
    rule = broken_rule(password, username=username)
    return None if rule is None else RULES[rule]
