"""The admins' record pages: call records, call-backs to follow up, the audit log.

Thin: read the filter (``record_filters``), ask one query, put it in words
(``record_words``), render. Filters are GET forms holding only codes, dates, page
numbers and pseudonymous ids; a bad one is answered 422 with what to fix, and nothing
filtered wrongly. Times are on the admin's own clock, named once per page. Verify runs
the very check ``safedial audit verify`` runs; like that command it only reads, so it
is not itself audited.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from gateway.audit import service as audit
from gateway.callbacks import followup
from gateway.calls import records
from gateway.domain.windows import zone_or_none
from gateway.people.records import advocate_names
from gateway.web.pages import record_words as words
from gateway.web.pages.admin_frame import render_admin
from gateway.web.pages.audit_verdict import verdict
from gateway.web.pages.record_filters import (
    PAGE_SIZE,
    AuditFilter,
    CallFilter,
    FilterProblem,
    offset,
    parse_audit_filter,
    parse_call_filter,
)
from gateway.web.pages.render import Notice, translator_for
from gateway.web.pages.session import AdminSignedIn, CheckedForm, context_of
from gateway.web_auth.sessions import WebUser

router = APIRouter(prefix="/admin", include_in_schema=False)

#: Call-backs shown per status; the page says how many more there are.
CALLBACKS_SHOWN = 100


def _zone(user: WebUser) -> ZoneInfo:
    return zone_or_none(user.advocate.timezone) or ZoneInfo("UTC")


def _address(path: str, page: int | None, **values: str) -> str | None:
    if page is None:
        return None
    kept = {name: value for name, value in values.items() if value}
    return f"{path}?{urlencode({**kept, 'page': page})}"


@router.get("/calls")
def calls_page(request: Request, admin: AdminSignedIn, outcome: str = "",
               since: Annotated[str, Query(alias="from")] = "", until: Annotated[
                   str, Query(alias="to")] = "", page: str = "") -> HTMLResponse:
    t = translator_for(request)
    zone = _zone(admin)
    form = {"outcome": outcome, "from": since, "to": until}
    try:
        chosen = parse_call_filter(outcome=outcome, since=since, until=until, page=page)
    except FilterProblem as problem:
        return render_admin(request, "admin/calls.html", section="calls", status_code=422,
                            notice=Notice("error", words.filter_problem(t, problem)),
                            form=form, outcomes=words.outcome_names(t), zone=zone.key,
                            rows=None, paging=None)
    start, end = chosen.utc_range(zone)
    found = records.find_records(context_of(request).db,
                                 outcome=chosen.outcome.value if chosen.outcome else None,
                                 since=start, until=end, limit=PAGE_SIZE,
                                 offset=offset(chosen.page))
    paging = words.page_of(chosen.page, PAGE_SIZE, len(found.lines), found.total)
    return render_admin(
        request, "admin/calls.html", section="calls", notice=None, form=form,
        outcomes=words.outcome_names(t), zone=zone.key,
        rows=[words.call_row(t, line, zone) for line in found.lines], paging=paging,
        previous=_address("/admin/calls", paging.previous, **_kept(chosen)),
        next=_address("/admin/calls", paging.next, **_kept(chosen)))


def _kept(chosen: CallFilter) -> dict[str, str]:
    return {"outcome": chosen.outcome.value if chosen.outcome else "",
            "from": chosen.since.isoformat() if chosen.since else "",
            "to": chosen.until.isoformat() if chosen.until else ""}


@router.get("/callbacks")
def callbacks_page(request: Request, admin: AdminSignedIn) -> HTMLResponse:
    t = translator_for(request)
    zone = _zone(admin)
    db = context_of(request).db
    groups = []
    for status in followup.FOLLOW_UP:
        items, total = followup.call_backs(db, status=status, limit=CALLBACKS_SHOWN)
        groups.append({"status": status.value, "heading": words.status_name(t, status),
                       "rows": [words.callback_row(t, item, zone) for item in items],
                       "total": total})
    return render_admin(request, "admin/callbacks.html", section="callbacks", groups=groups,
                        zone=zone.key)


@router.get("/audit")
def audit_page(request: Request, admin: AdminSignedIn, participant: str = "",
               action: str = "", page: str = "") -> HTMLResponse:
    form = {"participant": participant, "action": action}
    try:
        chosen = parse_audit_filter(participant=participant, action=action, page=page)
    except FilterProblem as problem:
        notice = Notice("error", words.filter_problem(translator_for(request), problem))
        return _audit(request, admin, AuditFilter(), form=form, notice=notice,
                      status_code=422, listed=False)
    return _audit(request, admin, chosen, form=form, notice=None)


@router.post("/audit/verify")
def verify_audit(request: Request, admin: AdminSignedIn, _form: CheckedForm) -> HTMLResponse:
    """The verdict above the newest entries (unfiltered)."""
    zone = _zone(admin)
    with context_of(request).db.unit_of_work() as session:
        check = audit.verify(session)
        at = audit.entry_time(session, check.bad_seq) if check.bad_seq is not None else None
    notice = verdict(translator_for(request), check, at=at, zone=zone)
    return _audit(request, admin, AuditFilter(), form={"participant": "", "action": ""},
                  notice=notice)


def _audit(request: Request, admin: WebUser, chosen: AuditFilter, *, form: dict[str, str],
           notice: Notice | None, status_code: int = 200, listed: bool = True
           ) -> HTMLResponse:
    t = translator_for(request)
    zone = _zone(admin)
    rows, paging = None, None
    previous = following = None
    if listed:
        with context_of(request).db.unit_of_work() as session:
            entries, total = audit.newest(session, participant=chosen.participant,
                                          action_prefix=chosen.action, limit=PAGE_SIZE,
                                          offset=offset(chosen.page))
            names = advocate_names(session, (entry.actor for entry in entries))
        rows = [words.audit_row(t, entry, names, zone) for entry in entries]
        paging = words.page_of(chosen.page, PAGE_SIZE, len(entries), total)
        kept = {"participant": chosen.participant or "", "action": chosen.action or ""}
        previous = _address("/admin/audit", paging.previous, **kept)
        following = _address("/admin/audit", paging.next, **kept)
    return render_admin(request, "admin/audit.html", section="audit", status_code=status_code,
                        notice=notice, form=form, zone=zone.key, rows=rows, paging=paging,
                        previous=previous, next=following)
