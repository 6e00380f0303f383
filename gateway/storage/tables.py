"""Database tables (SQLAlchemy 2, typed). Nothing SQLite-only, so PostgreSQL works.

Phone numbers and code words are stored only as ciphertext (``*_enc``) plus a
keyed blind index; the alias is the one participant field kept in plain text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ParticipantRow(Base):
    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    alias: Mapped[str] = mapped_column(String(80), index=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    windows: Mapped[list[str]] = mapped_column(JSON, default=list)
    pause_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    voicemail: Mapped[str | None] = mapped_column(String(80), nullable=True)
    on_drop: Mapped[str | None] = mapped_column(String(16), nullable=True)
    callback_delay_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    callback_attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    caller_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    masked_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_may_name_organisation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    voicemail_may_include_number: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    code_word_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    code_word_rotated: Mapped[date | None] = mapped_column(Date, nullable=True)
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    #: ``none`` or ``pause:DAYS``; None = not yet discussed (the default, none, applies).
    if_other_answers: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The agreed reason for calling, said if someone else answers (ciphertext).
    cover_reason_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: HMAC of the agreed preferences under the audit key (gateway.storage.preference_mac).
    prefs_mac: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AdvocateRow(Base):
    __tablename__ = "advocates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(35))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The advocate's own zone; None = the agency's.
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Weekly windows (the participants' syntax) when call-backs may ring them; [] = any time.
    working_hours: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Web sign-in name: lower case, 3-32 of [a-z0-9._-]; None = no web sign-in.
    username: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True,
                                                 index=True)
    #: argon2id hash (gateway.web_auth.passwords); the password itself is never stored.
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Set by an admin (one-time password): the next sign-in must choose a new one.
    password_one_time: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    #: An admin's TOTP secret (ciphertext bound to this row); None = no second factor.
    totp_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The last TOTP time step accepted, so a code seen once cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    advocate_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The public id (``tok_...``) admins list and revoke by; the secret is only hashed.
    public_id: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True,
                                                  index=True)
    #: None only for a row a migration could not date; such a token counts as expired.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    participant: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="entry")


class CallRecordRow(Base):
    """One placed (or refused) call: pseudonymous ids, times, outcome, rule applied; no number."""

    __tablename__ = "call_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(32), index=True)
    advocate_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # call | callback
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32))
    caller_id_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    voicemail_rule: Mapped[str | None] = mapped_column(String(80), nullable=True)
    drop_rule: Mapped[str | None] = mapped_column(String(16), nullable=True)
    masked_fallback_used: Mapped[bool] = mapped_column(Boolean, default=False)
    other_person_answered: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default=false())
    #: Advocate answered -> participant's phone ringing; None when it never rang.
    advocate_wait_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Why no voicemail was left on a machine (a fixed code, e.g. voicemail-none).
    voicemail_reason: Mapped[str | None] = mapped_column(String(48), nullable=True)
    next_action: Mapped[str | None] = mapped_column(String(32), nullable=True)


class CallbackRow(Base):
    """A scheduled call-back after a drop; its APScheduler job has the same id."""

    __tablename__ = "callbacks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    advocate_id: Mapped[str] = mapped_column(String(32), index=True)
    origin_call_id: Mapped[str] = mapped_column(String(36))
    attempt: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True)
    last_outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SelftestResultRow(Base):
    """One mode's verdict in one privacy self-test run. A leak is named by role, never digits."""

    __tablename__ = "selftest_results"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    mode: Mapped[str] = mapped_column(String(16), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    failed_check: Mapped[str | None] = mapped_column(String(48), nullable=True)
    leaked_role: Mapped[str | None] = mapped_column(String(48), nullable=True)
    sip_cause: Mapped[str | None] = mapped_column(String(64), nullable=True)
    trigger: Mapped[str] = mapped_column(String(16))  # scheduled | on-demand
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LockClearanceRow(Base):
    """An admin cleared a mode's failure lock (allowed only after a later pass)."""

    __tablename__ = "lock_clearances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mode: Mapped[str] = mapped_column(String(16), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    cleared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseloadRow(Base):
    """A participant assigned to an advocate: under scoping, who may see and call whom."""

    __tablename__ = "caseload"

    participant_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    advocate_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("advocates.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PreferenceDiscussionRow(Base):
    """Who recorded one of a participant's preferences (as discussed with them), and when.

    ``discussed_by`` is the admin's advocate id (or the CLI's actor); the row goes
    with the participant (erased with them).
    """

    __tablename__ = "preference_discussions"

    participant_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    preference: Mapped[str] = mapped_column(String(32), primary_key=True)
    discussed_by: Mapped[str] = mapped_column(String(64))
    discussed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeyFileBindingRow(Base):
    """The fingerprint of the key file this database's ciphertexts belong to (one row).

    Recorded the first time a key file is used with the database; a command run with
    another key file is refused before it reads or writes a secret.
    """

    __tablename__ = "key_file_binding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Values from before row binding (``sd1:``) may remain; False once all were rebound.
    legacy_values: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditHeadRow(Base):
    """The audit log's high-water mark (one row), kept outside the audit table: the newest
    entry's seq and hash under an HMAC, so cutting off entries or emptying the table shows."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class WebSessionRow(Base):
    """A signed-in browser. The id is the SHA-256 of the secret in the cookie: a copied
    database opens no session. Ended rows are kept (when, why) until purged."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    advocate_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Moved at most once a minute (gateway.domain.web_sessions.TOUCH_RESOLUTION).
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The absolute end ([web] session_hours after sign-in), whatever the activity.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: signed-out, idle, expired, deactivated, password-changed, ... (a fixed code).
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The password was right, the admin's TOTP code is still to come: acts for no one.
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default=false())


class ThrottleRow(Base):
    """Failed (or counted) attempts under one key, kept in the database so every worker
    and every restart sees them. The key is a keyed hash of ``account:<username>``,
    ``address:<ip>`` or ``code-word:<advocate>:<participant>``: no name or address is
    stored."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
