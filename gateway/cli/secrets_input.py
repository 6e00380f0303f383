"""Secrets (phone numbers, code words) read from standard input or a hidden prompt.

Why: a value on the command line is visible to every local user (``ps``, ``/proc``)
and stays in shell history. Given as ``-``, a flag's value is read instead: one line
from standard input, or a prompt that does not echo when standard input is a
terminal. Several ``-`` flags read one line each, in the order of ``SECRET_FLAGS``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Final, TextIO

from gateway.errors import BadInput

#: The value that means "read it, do not take it from the command line".
FROM_STDIN: Final = "-"
#: Flags that may carry a secret, in the order their lines are read: (dest, flag).
SECRET_FLAGS: Final = (("phone", "--phone"), ("code_word", "--code-word"),
                       ("cover_reason", "--cover-reason"))
#: Said in the help of each of those flags.
VISIBLE_WARNING: Final = ("'-' reads it from standard input (a hidden prompt on a terminal); "
                          "a value written here is visible to other local users")


def read_secret(flag: str, *, stream: TextIO | None = None,
                prompt: Callable[[str], str] = getpass.getpass) -> str:
    """One value for ``flag``: a hidden prompt on a terminal, else one line of ``stream``."""
    source = stream if stream is not None else sys.stdin
    if source.isatty():
        return prompt(f"{flag.lstrip('-')}: ")
    line = source.readline()
    if not line:
        raise BadInput(f"{flag} -: standard input ended before a line for it")
    return line.rstrip("\r\n")


def read_dashed_secrets(args: argparse.Namespace, *, stream: TextIO | None = None,
                        prompt: Callable[[str], str] = getpass.getpass) -> None:
    """Replace each secret flag given as ``-`` by the value read for it."""
    for dest, flag in SECRET_FLAGS:
        if getattr(args, dest, None) == FROM_STDIN:
            setattr(args, dest, read_secret(flag, stream=stream, prompt=prompt))
