"""The audit log's verification verdict in words, as ``safedial audit verify`` judges it.

Why: an admin who presses Verify must learn in one reading whether the log can be
trusted and, when it cannot, where it broke (the entry and when it was written, on the
admin's clock) and what the check found, so they know where to start looking. The
finding itself is the verification's own sentence (the same the command line prints).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.storage.auditchain import ChainCheck
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.record_words import short_time
from gateway.web.pages.render import Notice


def _written(t: Translator, at: str | None, zone: ZoneInfo) -> str:
    """When the entry says it was written, or that it cannot tell (the time itself may be
    what was altered)."""
    try:
        moment = datetime.fromisoformat(at) if at else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return t("admin_records.verify.time_unknown")
    return short_time(moment, zone)


def verdict(t: Translator, check: ChainCheck, *, at: str | None, zone: ZoneInfo) -> Notice:
    """Intact (news, read politely) or broken (an alert), with where and what."""
    if check.ok:
        return Notice("info", t("admin_records.verify.intact", count=check.checked))
    problem = check.problem or t("admin_records.verify.no_detail")
    if check.bad_seq is None:
        return Notice("error", t("admin_records.verify.broken", problem=problem))
    return Notice("error", t("admin_records.verify.broken_at", seq=check.bad_seq,
                             at=_written(t, at, zone), problem=problem))
