"""The filters of the admins' record pages, read from their addresses. Pure, no I/O.

Why: a filter is a GET form, so its values sit in the address, the history and a
server log. Only codes, dates, page numbers and pseudonymous ids are accepted there:
nothing that could be a name, a number or free text. A value that does not parse is a
``FilterProblem`` (the page says which, with 422, and shows nothing filtered wrongly);
it is never guessed at or silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from gateway.calls.models import Outcome

#: Rows on one page of a record table.
PAGE_SIZE: Final = 50
#: Far beyond any real log; a bigger page number is a typo, not a request.
_MAX_PAGE: Final = 100_000
_PARTICIPANT_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
_ACTION_PREFIX: Final = re.compile(r"[a-z0-9._-]{1,64}")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class FilterProblem(ValueError):
    """A filter value the page cannot use; ``code`` names which (record_words says it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CallFilter:
    """Call records with this outcome (None: any), started from ``since`` to ``until``
    (both days inclusive, on the reader's clock), page ``page`` (from 1)."""

    outcome: Outcome | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    def utc_range(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """``[since 00:00, the day after until 00:00)`` on ``zone``'s clock, in UTC."""
        start = (datetime.combine(self.since, time(0), zone).astimezone(UTC)
                 if self.since else None)
        end = (datetime.combine(self.until + timedelta(days=1), time(0), zone).astimezone(UTC)
               if self.until else None)
        return start, end


@dataclass(frozen=True)
class AuditFilter:
    """Audit entries about one participant and/or whose action starts with a prefix."""

    participant: str | None = None
    action: str | None = None
    page: int = 1


def parse_page(text: str) -> int:
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= _MAX_PAGE:
        raise FilterProblem("page")
    return int(text)


def parse_day(text: str, code: str) -> date | None:
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise FilterProblem(code) from None


def parse_call_filter(*, outcome: str, since: str, until: str, page: str) -> CallFilter:
    """The call records' filter from the form's fields; ``FilterProblem`` if one is bad."""
    chosen: Outcome | None = None
    if outcome:
        try:
            chosen = Outcome(outcome)
        except ValueError:
            raise FilterProblem("outcome") from None
    first, last = parse_day(since, "since"), parse_day(until, "until")
    if first and last and first > last:
        raise FilterProblem("order")
    return CallFilter(chosen, first, last, parse_page(page))


def parse_audit_filter(*, participant: str, action: str, page: str) -> AuditFilter:
    """The audit log's filter; ``FilterProblem`` for anything but an id or action code."""
    participant, action = participant.strip(), action.strip()
    if participant and not _PARTICIPANT_ID.fullmatch(participant):
        raise FilterProblem("participant")
    if action and not _ACTION_PREFIX.fullmatch(action):
        raise FilterProblem("action")
    return AuditFilter(participant or None, action or None, parse_page(page))


def offset(page: int) -> int:
    return (page - 1) * PAGE_SIZE
