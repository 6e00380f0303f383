"""Pages are rendered in one place: ``render(request, template, **context)``.

It picks the language (``request.state.language`` when the session layer set one,
else the browser's ``Accept-Language``, else English), hands the template that
language's ``t(key, **values)``, the ``lang``/``dir`` of the page, the form's
``csrf_token`` slot and the signed-in ``user`` (None when signed out: the header then
shows no account), and answers HTML. Jinja2 escapes every value (autoescape is on
for all templates) and an undefined name in a template is an error, not a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from starlette.requests import Request
from starlette.responses import HTMLResponse

from gateway.web.pages.catalogue import Catalogue, Translator, load_catalogues, translator
from gateway.web.pages.language import negotiate

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
LOCALES = WEB / "locales"
STATIC = WEB / "static"


@dataclass(frozen=True)
class Pages:
    """The templates and catalogues, built once per app (``app.state.pages``)."""

    environment: Environment
    catalogues: Mapping[str, Catalogue]


@dataclass(frozen=True)
class Notice:
    """A message shown above a page's content (``partials/message.html``).

    ``error`` is announced at once (``role="alert"``); ``info`` politely (``status``).
    ``text`` is plain words, already in the page's language.
    """

    kind: Literal["error", "info"]
    text: str


def template_environment(folder: Path = TEMPLATES) -> Environment:
    return Environment(loader=FileSystemLoader(folder), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def build_pages(templates: Path = TEMPLATES, locales: Path = LOCALES) -> Pages:
    return Pages(environment=template_environment(templates),
                 catalogues=load_catalogues(locales))


def language_for(request: Request, pages: Pages) -> str:
    """The session's language if the session layer set a known one, else the browser's."""
    chosen = getattr(request.state, "language", None)
    if isinstance(chosen, str) and chosen in pages.catalogues:
        return chosen
    return negotiate(request.headers.get("accept-language"), pages.catalogues)


def csrf_token(request: Request) -> str:
    """The value of every form's hidden ``csrf_token`` field.

    The session layer sets ``request.state.csrf_token``; until then the field is empty.
    """
    return str(getattr(request.state, "csrf_token", ""))


def signed_in_user(request: Request) -> object | None:
    """The ``WebUser`` the session layer found for this request (the header shows who is
    signed in, and sign-out), or None."""
    return getattr(request.state, "web_user", None)


def translator_for(request: Request) -> Translator:
    """``t`` in the request's language, for words a route picks before rendering."""
    pages: Pages = request.app.state.pages
    return translator(pages.catalogues, language_for(request, pages))


def render(request: Request, template: str | Template, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """The page ``template`` (a name in ``templates/``, or a compiled template) in the
    request's language, as an HTML answer."""
    pages: Pages = request.app.state.pages
    t = translator_for(request)
    values = {"lang": t.language, "dir": t.catalogue.direction, "t": t,
              "csrf_token": csrf_token(request), "user": signed_in_user(request), **context}
    html = pages.environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Language": t.language})
