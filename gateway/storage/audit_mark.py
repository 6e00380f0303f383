"""The audit log's high-water mark beside the key file, outside the database.

The mark in the ``audit_head`` table catches entries cut from the newest end of the
log, but a whole older copy of the database carries its own, older mark with it.
So every commit that moves the head also writes ``<key file>.audit-head``: the
newest entry's seq and hash under the audit key's MAC. ``audit verify`` then
reports a database older than its newest audited change, which is what restoring
yesterday's copy (to undo an erase, a deactivation or a preference change) looks
like. A mark that lags behind the database (a crash between commit and write, or
a process that ran before this file existed) is not an error: the next commit
moves it.

Several processes (the CLI and ``serve``) share the file: each write takes an
exclusive lock and never moves the mark back.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from gateway.storage.private import PRIVATE_FILE, write_private_file

SUFFIX = ".audit-head"


class Mark(NamedTuple):
    seq: int
    hash: str
    mac: str


class AuditMark:
    """The file holding the newest head any process committed (see the module)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def beside(cls, key_file: Path) -> AuditMark:
        return cls(key_file.with_name(key_file.name + SUFFIX))

    def read(self) -> Mark | None:
        """The mark, or None when there is none yet; an unreadable file reads as a forged
        mark (seq -1), which ``verify`` reports rather than ignores."""
        try:
            doc = json.loads(self.path.read_text(encoding="ascii"))
            return Mark(int(doc["seq"]), str(doc["hash"]), str(doc["mac"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return Mark(-1, "", "")

    def advance(self, mark: Mark, *, replacing: bool = False) -> None:
        """Record ``mark`` unless the file already holds a newer head (or the same entry:
        ``replacing`` is a purge that put a checkpoint in place of the newest entry)."""
        with self._locked():
            current = self.read()
            if current is not None and (current.seq > mark.seq or (
                    current.seq == mark.seq and not replacing)):
                return
            self._write(mark)

    def reset(self, mark: Mark) -> None:
        """Record ``mark`` even if older: an admin accepted a restored database."""
        with self._locked():
            self._write(mark)

    def _write(self, mark: Mark) -> None:
        write_private_file(self.path, json.dumps(mark._asdict()).encode("ascii"))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
