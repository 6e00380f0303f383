"""Engine, sessions and schema migrations.

The schema is owned by Alembic (``gateway/storage/migrations``). The one wiring
point (``gateway.wiring.build_context``) calls ``Database.migrate`` once when a
command or ``serve`` starts, so an operator never runs a separate migration step.
Opening a ``Database`` does not migrate: Alembic's context is process-global and
not thread-safe, so it runs once, before any worker thread uses the database.

Database errors are translated in one place, an engine ``handle_error`` hook, so
every user of the engine (units of work, migrations, the scheduler's job store) sees
one ``DatabaseUnavailable`` that names the kind of problem (locked, read-only,
corrupt, ...) and never the SQL or its values; the engine hides parameters from
its own messages and logs as well (``hide_parameters``).

A SQLite file is private (``gateway.storage.private``): created 600 in a 700 folder,
and refused at start-up if other users could open it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import DatabaseUnavailable
from gateway.storage.audit_mark import AuditMark, Mark
from gateway.storage.private import check_private_file, create_private_file, make_private_folder

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: ``Session.info`` key holding ``Database.audit_key`` for the audit log (see there).
AUDIT_KEY = "safedial.audit_key"
#: ``Session.info`` key holding ``Database.audit_mark``, and the head a unit of work moved.
AUDIT_MARK = "safedial.audit_mark"
NEW_AUDIT_HEAD = "safedial.new_audit_head"
#: How the mark moves to the new head: ``forward`` (the default), ``replacing`` (a purge's
#: checkpoint took the newest entry's place) or ``reset`` (an accepted restore: backwards).
AUDIT_MARK_MOVE = "safedial.audit_mark_move"
#: How long SQLite waits for another writer's lock before giving up (``?timeout=`` wins).
SQLITE_BUSY_TIMEOUT_S = 5.0
#: Taking the append lock is tried this many times (each waiting the busy timeout), with
#: a growing pause between tries, before "locked" is reported: a burst of writers (fifty
#: refused calls at once) queues up instead of failing, and a stuck writer still surfaces.
APPEND_LOCK_ATTEMPTS = 3
APPEND_LOCK_PAUSE_S = 0.25

_LOCKED = ("locked", "it is locked by another process; try again shortly")
_CORRUPT = ("corrupt", "the file is not a database or is corrupt; restore it from a backup")
#: SQLite's result codes that mean "cannot use the database now", in plain words.
_SQLITE_REASONS: dict[str, tuple[str, str]] = {
    "SQLITE_BUSY": _LOCKED,
    "SQLITE_LOCKED": _LOCKED,
    "SQLITE_READONLY": ("read-only", "it is read-only; check the file's permissions and "
                                     "SAFEDIAL_DATABASE_URL"),
    "SQLITE_NOTADB": _CORRUPT,
    "SQLITE_CORRUPT": _CORRUPT,
    "SQLITE_CANTOPEN": ("cannot-open", "the file cannot be opened; check its folder and "
                                       "SAFEDIAL_DATABASE_URL"),
    "SQLITE_PERM": ("denied", "access to the file is denied"),
    "SQLITE_FULL": ("disk-full", "the disk is full"),
    "SQLITE_IOERR": ("io-error", "the disk reported an input/output error"),
}
_UNREACHABLE = ("unreachable", "it cannot be reached or did not answer; is its server up?")


def _unavailable(context: ExceptionContext) -> DatabaseUnavailable | None:
    """The plain-words error for a database that cannot be used now; None for anything else.

    Only the driver's error *code* is read: the SQLAlchemy error's text holds the SQL.
    Errors that mean a bug (a constraint, a syntax error) are left as they are.
    """
    error = context.sqlalchemy_exception
    code = getattr(context.original_exception, "sqlite_errorname", None)
    if isinstance(code, str):
        reason = _SQLITE_REASONS.get("_".join(code.split("_")[:2]))
    elif isinstance(error, sa.OperationalError | sa.InterfaceError):
        reason = _UNREACHABLE
    else:
        reason = None
    if reason is None:
        return None
    kind, words = reason
    return DatabaseUnavailable(f"database unavailable: {words}", reason=kind)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _private_sqlite_file(path: Path) -> None:
    """Made 600 in a 700 folder before SQLite opens it (SQLite would follow the umask, and
    gives its journal files the database's mode); an existing one others can open is
    refused, like the key file."""
    try:
        make_private_folder(path.parent)
        create_private_file(path)
    except OSError as exc:
        raise DatabaseUnavailable(f"database unavailable: cannot create the file at {path}: "
                                  f"{exc.strerror}", reason="cannot-open") from None
    check_private_file(path, what="database")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        _private_sqlite_file(Path(parsed.database))
    connect_args: dict[str, float] = {}
    if sqlite and "timeout" not in parsed.query:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
    engine = create_engine(url, hide_parameters=True, connect_args=connect_args)

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> None:
        error = _unavailable(context)
        if error is not None:
            raise error

    if sqlite:

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # erased data is overwritten on disk
            cursor.close()

    return engine


def lock_for_append(session: Session, name: str) -> None:
    """Take the write lock before reading what the next row is built on (an append-only
    chain reads its last entry): two writers then append one after the other instead of
    both building on the same last row.

    SQLite: start the transaction as ``BEGIN IMMEDIATE`` (the driver otherwise begins
    only at the first write, after the read). A transaction that already wrote holds
    the lock. Waiting is bounded: the busy timeout, retried ``APPEND_LOCK_ATTEMPTS``
    times. PostgreSQL: a transaction-scoped advisory lock named after ``name`` (it
    serialises appends like a row lock would, and also when the chain is still empty).

    Not WAL: SQLite's write-ahead log keeps old page images (an erased participant's
    alias) in the ``-wal`` file, out of ``secure_delete``'s reach.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            _begin_immediate(connection)
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def _begin_immediate(connection: Connection) -> None:
    for attempt in range(1, APPEND_LOCK_ATTEMPTS + 1):
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except DatabaseUnavailable as exc:
            if exc.details.get("reason") != "locked" or attempt == APPEND_LOCK_ATTEMPTS:
                raise
        time.sleep(APPEND_LOCK_PAUSE_S * attempt)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """One engine and its session factory; units of work commit at the edge."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Gives the audit chain's key inside a unit of work (the wiring sets it from the
        #: key file); None: the audit log is the plain, unkeyed chain (bare databases).
        self.audit_key: Callable[[Session], bytes] | None = None
        #: The audit head's copy beside the key file (the wiring sets it): moved after
        #: each commit that moved the head, so a restored older database is reported.
        self.audit_mark: AuditMark | None = None

    def migrate(self) -> Self:
        """Bring the schema to the newest revision; once per process, at start-up."""
        upgrade(self.engine)
        return self

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session committed if the block succeeds, rolled back if it raises."""
        session = self._sessions()
        if self.audit_key is not None:
            session.info[AUDIT_KEY] = self.audit_key
        if self.audit_mark is not None:
            session.info[AUDIT_MARK] = self.audit_mark
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        moved = session.info.get(NEW_AUDIT_HEAD)
        if moved is not None and self.audit_mark is not None:
            self._move_mark(self.audit_mark, moved, session.info.get(AUDIT_MARK_MOVE))

    @staticmethod
    def _move_mark(mark: AuditMark, head: Mark, how: str | None) -> None:
        """After the commit: the change is made; a mark that cannot be written only lags
        (the next commit moves it), so say so and go on."""
        try:
            if how == "reset":
                mark.reset(head)
            else:
                mark.advance(head, replacing=how == "replacing")
        except OSError as exc:
            log.error("could not update the audit high-water mark beside the key file "
                      "(%s); the next audited change will try again", type(exc).__name__)

    def dispose(self) -> None:
        self.engine.dispose()
