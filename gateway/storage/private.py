"""Files only their owner may open: the state folder is made 700, the database 600.

A database copied by another local user reveals who is on the caseload (aliases, call
times) even with every number encrypted, so SafeDial never relies on the umask: it
creates its folders 700 and the SQLite file 600, and at start-up refuses a database
file other users could open, or a folder they could write to (and so swap the file).
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

from gateway.errors import ConfigurationError

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def make_private_folder(path: Path) -> None:
    """Create ``path`` and each missing parent with mode 700 (``mkdir -p`` would use the
    umask for the parents, which usually lets everyone read them)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode is masked by the umask


def create_private_file(path: Path) -> None:
    """Create an empty ``path`` with mode 600 unless it exists (then leave it as it is)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)


def check_private_file(path: Path, *, what: str) -> None:
    """Refuse a file other users could open, or a folder they could write to."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"the {what} at {path} is open to other users (mode {mode:04o}); only its owner "
            f"may open it: run `chmod 600 {path}`"
        )
    folder = stat.S_IMODE(path.parent.stat().st_mode)
    if folder & 0o022:
        raise ConfigurationError(
            f"the folder of the {what}, {path.parent}, is writable by other users (mode "
            f"{folder:04o}), who could replace the file: run `chmod 700 {path.parent}`"
        )


def write_private_file(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all: mode 600, in a private folder.

    Why one writer: a reader (a call, another process) must never see half a key file,
    audit mark or edited prompt. A temporary file beside ``path`` is written and synced,
    then renamed over ``path``; with ``overwrite=False`` it is linked instead, which
    fails with ``FileExistsError`` if the name exists (a key file is never replaced).
    The folder is synced so the new name survives a crash. ``OSError`` is left to the
    caller to put in its own words.
    """
    make_private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp created it with mode 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic, and fails if the name exists
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):  # not every platform can fsync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
