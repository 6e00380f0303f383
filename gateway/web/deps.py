"""Request dependencies: the app context and the authenticated user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.domain.preferences import AdvocateFacts, Role
from gateway.errors import Forbidden, Unauthorized
from gateway.people import access
from gateway.people.caseload import Scope, scope_for
from gateway.people.records import advocate_facts
from gateway.web.pages.session import web_user
from gateway.wiring import AppContext

_bearer = HTTPBearer(auto_error=False)


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


Context = Annotated[AppContext, Depends(get_context)]


def current_user(
    ctx: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tuple[AdvocateFacts, Role]:
    """The signed-in advocate (or admin) and their role, from an API token."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("sign in: send 'Authorization: Bearer <API token>'")
    with ctx.db.unit_of_work() as session:
        row = access.authenticate(session, credentials.credentials)
        return advocate_facts(row, agency_timezone=ctx.policy.timezone), Role(row.role)


User = Annotated[tuple[AdvocateFacts, Role], Depends(current_user)]


def require_admin(user: User) -> AdvocateFacts:
    facts, role = user
    if role is not Role.ADMIN:
        raise Forbidden("only an admin may do this")
    return facts


Admin = Annotated[AdvocateFacts, Depends(require_admin)]


def docs_reader(
    request: Request,
    ctx: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AdvocateFacts:
    """Who may read ``/api/docs`` and ``/api/openapi.json``: an admin; anyone else gets 401.

    An admin's API token, or (the page is opened in a browser) an admin's signed-in
    web session (its cookie; one still to choose a new password does not count). Only
    these two read-only routes take the cookie: the JSON API itself takes tokens only,
    so no cookie a browser sends on its own can act there.
    """
    if credentials is not None and credentials.credentials:
        facts, role = current_user(ctx, credentials)
        if role is Role.ADMIN:
            return facts
    user = web_user(request)
    if user is not None and user.role is Role.ADMIN and not user.must_change_password:
        return user.advocate
    raise Unauthorized("sign in as an admin to read the API description")


DocsReader = Annotated[AdvocateFacts, Depends(docs_reader)]


def current_scope(ctx: Context, user: User) -> Scope:
    """Whose caseload the signed-in person is held to under ``[access] advocates_see``."""
    facts, role = user
    return scope_for(ctx.policy, advocate_id=facts.advocate_id, role=role)


Scoped = Annotated[Scope, Depends(current_scope)]
