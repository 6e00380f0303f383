"""The admin participant pages: the list, add and edit (every preference the CLI
knows), assign advocates, erase.

Thin: read the form (``participant_form``), call one service
(``admin_participant_services``), render. The alias search is a POST, so no alias
reaches an address; addresses carry only pseudonymous ids. The phone number, the code
word and the cover reason are never rendered back, not even after a refused save:
the admin is asked to type them again. The participant form has a field per window
row, more than ``CheckedForm`` reads, so it is read by ``checked_form_of`` with the
same session and CSRF checks and a larger field limit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.domain.windows import zone_or_none
from gateway.errors import BadInput
from gateway.web.pages import admin_participant_services as services
from gateway.web.pages import participant_form as forms
from gateway.web.pages.admin_frame import render_admin
from gateway.web.pages.admin_participant_words import safe_times, window_lines
from gateway.web.pages.card import discussed_line
from gateway.web.pages.render import Notice, translator_for
from gateway.web.pages.session import (
    AdminSignedIn,
    CheckedForm,
    checked_form_of,
    context_of,
    form_text,
)
from gateway.web_auth.sessions import WebUser

router = APIRouter(prefix="/admin", include_in_schema=False)

SECTION: Final = "participants"
#: Longer than any alias (the records allow 80 characters).
MAX_QUERY: Final = 100
#: The participant form: about 25 fields and three per window row (28 rows at most).
_MAX_FIELDS: Final = 25 + 3 * forms.MAX_ROWS + 8


#: The participant form, CSRF-checked like ``CheckedForm``, with room for every row.
ParticipantForm = Annotated[FormData, Depends(checked_form_of(_MAX_FIELDS))]


# The list and the search ---------------------------------------------------------------

def _list_page(request: Request, *, query: str = "", status_code: int = 200,
               notice: Notice | None = None) -> HTMLResponse:
    ctx = context_of(request)
    entries = services.participants(ctx, query or None)
    return render_admin(request, "admin/participants.html", section=SECTION,
                        status_code=status_code, entries=entries, query=query, notice=notice)


@router.get("/participants")
def participant_list(request: Request, _admin: AdminSignedIn, erased: bool = False
                     ) -> HTMLResponse:
    notice = Notice("info", translator_for(request)("admin_participants.erased")) \
        if erased else None
    return _list_page(request, notice=notice)


@router.post("/participants")
def participant_search(request: Request, _admin: AdminSignedIn, form: CheckedForm
                       ) -> HTMLResponse:
    query = form_text(form, "alias").strip()[:MAX_QUERY]
    return _list_page(request, query=query)


# The form ------------------------------------------------------------------------------

def _form_page(request: Request, form: forms.Form, *, on_file: services.OnFile | None,
               status_code: int = 200, notice: Notice | None = None,
               problems: tuple[str, ...] = (), retype: bool = False) -> HTMLResponse:
    """The participant form with ``form``'s values, its windows on both clocks, any
    window problems, and the next three safe times."""
    ctx = context_of(request)
    t = translator_for(request)
    check = forms.check_windows(form.rows)
    zone = form.timezone
    today = datetime.now(zone_or_none(zone) or ZoneInfo("UTC")).date()
    return render_admin(
        request, "admin/participant_form.html", section=SECTION, status_code=status_code,
        form=form, on_file=on_file, notice=notice, retype=retype,
        problems=problems or check.problems, agency_zone=ctx.policy.timezone,
        window_lines=window_lines(t, check.windows, zone, ctx.policy.timezone, today),
        safe_times=[] if check.problems else safe_times(
            t, check.windows, zone, ctx.policy.timezone, datetime.now(UTC),
            forms.pause_date(form)),
        discussed={name: discussed_line(t, d)
                   for name, d in (on_file.discussions.items() if on_file else ())},
        defaults=on_file.defaults if on_file else services.DEFAULTABLE)


def _action(request: Request, posted: FormData, on_file: services.OnFile | None,
            admin: WebUser) -> Response:
    """Add rows, check or save: anything but a save that succeeds shows the form again."""
    t = translator_for(request)
    form, secrets = forms.read_form(posted)
    typed_secret = bool(secrets.phone or secrets.code_word or secrets.cover_reason)
    action = form_text(posted, "action")
    if action != "save":
        spare = forms.SPARE_ROWS * 2 if action == "rows" else forms.SPARE_ROWS
        return _form_page(request, forms.with_spare_rows(form, spare), on_file=on_file,
                          retype=typed_secret)
    check = forms.check_windows(form.rows)
    if check.problems:
        return _form_page(request, forms.with_spare_rows(form), on_file=on_file,
                          status_code=422, retype=typed_secret,
                          notice=Notice("error", t("admin_participants.windows_refused")))
    data = forms.changes(form, secrets, check.specs, creating=on_file is None)
    ctx = context_of(request)
    try:
        if on_file is None:
            participant_id = services.create(ctx, actor=admin.advocate_id, data=data)
        else:
            participant_id = on_file.id
            services.update(ctx, actor=admin.advocate_id, participant_id=on_file.id, data=data)
    except BadInput as exc:
        return _form_page(request, forms.with_spare_rows(form), on_file=on_file,
                          status_code=exc.http_status, retype=typed_secret,
                          notice=Notice("error", t("admin_participants.refused",
                                                   reason=exc.message)))
    return RedirectResponse(f"/admin/participants/{participant_id}?done=saved",
                            status_code=303)


@router.get("/participants/new")
def new_form(request: Request, _admin: AdminSignedIn) -> HTMLResponse:
    return _form_page(request, forms.with_spare_rows(forms.Form(), forms.SPARE_ROWS + 1),
                      on_file=None)


@router.post("/participants/new")
def new_post(request: Request, admin: AdminSignedIn, posted: ParticipantForm) -> Response:
    return _action(request, posted, None, admin)


def _done(request: Request, done: str, cancelled: int) -> Notice | None:
    t = translator_for(request)
    words = {
        "saved": lambda: t("admin_participants.saved"),
        "assigned": lambda: t("admin_participants.assigned"),
        "already": lambda: t("admin_participants.already_assigned"),
        "unassigned": lambda: t("admin_participants.unassigned", count=cancelled),
    }.get(done)
    return Notice("info", words()) if words else None


@router.get("/participants/{participant_id}")
def edit_form(participant_id: str, request: Request, _admin: AdminSignedIn, done: str = "",
              cancelled: int = 0) -> HTMLResponse:
    on_file = services.on_file(context_of(request), participant_id)
    return _form_page(request, forms.with_spare_rows(on_file.form), on_file=on_file,
                      notice=_done(request, done, cancelled))


@router.post("/participants/{participant_id}")
def edit_post(participant_id: str, request: Request, admin: AdminSignedIn,
              posted: ParticipantForm) -> Response:
    on_file = services.on_file(context_of(request), participant_id)
    return _action(request, posted, on_file, admin)


# Caseload ------------------------------------------------------------------------------

def _back(participant_id: str, done: str, **extra: Any) -> RedirectResponse:
    query = "&".join(f"{k}={v}" for k, v in {"done": done, **extra}.items())
    return RedirectResponse(f"/admin/participants/{participant_id}?{query}", status_code=303)


@router.post("/participants/{participant_id}/assign")
def assign(participant_id: str, request: Request, admin: AdminSignedIn,
           form: CheckedForm) -> Response:
    assigned = services.assign(context_of(request), actor=admin.advocate_id,
                               participant_id=participant_id,
                               advocate_id=form_text(form, "advocate_id"))
    return _back(participant_id, "assigned" if assigned else "already")


@router.post("/participants/{participant_id}/unassign")
def unassign(participant_id: str, request: Request, admin: AdminSignedIn,
             form: CheckedForm) -> Response:
    result = services.unassign(context_of(request), actor=admin.advocate_id,
                               participant_id=participant_id,
                               advocate_id=form_text(form, "advocate_id"))
    return _back(participant_id, "unassigned", cancelled=result.callbacks_cancelled)


# Erase ---------------------------------------------------------------------------------

def _erase_page(request: Request, participant_id: str, *, status_code: int = 200,
                notice: Notice | None = None) -> HTMLResponse:
    ctx = context_of(request)
    on_file = services.on_file(ctx, participant_id)
    return render_admin(request, "admin/participant_erase.html", section=SECTION,
                        status_code=status_code, on_file=on_file, notice=notice,
                        pending=services.pending_callbacks(ctx, participant_id))


@router.get("/participants/{participant_id}/erase")
def erase_form(participant_id: str, request: Request, _admin: AdminSignedIn
               ) -> HTMLResponse:
    return _erase_page(request, participant_id)


@router.post("/participants/{participant_id}/erase")
def erase(participant_id: str, request: Request, admin: AdminSignedIn, form: CheckedForm
          ) -> Response:
    """Erases only when the participant's id was typed: a slip cannot erase anyone."""
    if form_text(form, "confirm").strip() != participant_id:
        services.on_file(context_of(request), participant_id)  # a missing id: 404
        notice = Notice("error", translator_for(request)("admin_participants.erase_mismatch"))
        return _erase_page(request, participant_id, status_code=422, notice=notice)
    services.erase(context_of(request), actor=admin.advocate_id, participant_id=participant_id)
    return RedirectResponse("/admin/participants?erased=true", status_code=303)
