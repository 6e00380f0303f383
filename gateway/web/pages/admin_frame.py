"""Every admin page's frame: the admin sections, and the privacy banner above them.

Why a banner on every page: a caller-ID mode that is locked (a leak found, never
proven, the last run inconclusive) or whose last pass is stale stops or will stop
calls in that mode. An admin must see it wherever they are, not only on the privacy
page. When the lock state cannot be read at all, the banner says so: silence would
read as "all is well".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse

from gateway.errors import SafeDialError
from gateway.web.pages.catalogue import Translator
from gateway.web.pages.render import render, translator_for
from gateway.web.pages.session import context_of
from gateway.wiring import AppContext

#: The admin sections, in the order of the admin menu: (section, address).
SECTIONS: Final = (
    ("participants", "/admin/participants"),
    ("accounts", "/admin/accounts"),
    ("scripts", "/admin/scripts"),
    ("privacy", "/admin/privacy"),
    ("calls", "/admin/calls"),
    ("callbacks", "/admin/callbacks"),
    ("audit", "/admin/audit"),
)


@dataclass(frozen=True)
class Section:
    """One entry of the admin menu."""

    name: str
    address: str
    label: str
    about: str


def sections(t: Translator) -> list[Section]:
    """The admin menu in the page's language."""
    words = {
        "participants": (t("admin.section.participants"), t("admin.about.participants")),
        "accounts": (t("admin.section.accounts"), t("admin.about.accounts")),
        "scripts": (t("admin.section.scripts"), t("admin.about.scripts")),
        "privacy": (t("admin.section.privacy"), t("admin.about.privacy")),
        "calls": (t("admin.section.calls"), t("admin.about.calls")),
        "callbacks": (t("admin.section.callbacks"), t("admin.about.callbacks")),
        "audit": (t("admin.section.audit"), t("admin.about.audit")),
    }
    return [Section(name, address, *words[name]) for name, address in SECTIONS]


def mode_name(t: Translator, mode: str) -> str:
    """A caller-ID mode as admins read it."""
    return {"withhold": t("admin.mode.withhold"), "masked": t("admin.mode.masked")}[mode]


def lock_reason(t: Translator, cause: str) -> str:
    """Why a mode is locked, in the page's language."""
    return {
        "failed": t("admin.lock_reason.failed"),
        "never-passed": t("admin.lock_reason.never-passed"),
        "inconclusive": t("admin.lock_reason.inconclusive"),
        "stale": t("admin.lock_reason.stale"),
    }[cause]


@dataclass(frozen=True)
class BannerLine:
    """One mode that needs an admin: in words, with where to act."""

    mode: str
    text: str


def privacy_banner(ctx: AppContext, t: Translator) -> list[BannerLine]:
    """A line per mode that is locked, or whose last pass is older than the policy's
    limit; one line if the lock state cannot be read."""
    try:
        status = ctx.privacy_locks().status()
    except SafeDialError:
        return [BannerLine("", t("admin.banner.unknown"))]
    max_age = ctx.policy.selftest.max_age
    lines = []
    for mode in status:
        name = mode_name(t, mode["mode"])
        if mode["locked"]:
            reason = lock_reason(t, mode["lock_reason"])
            lines.append(BannerLine(mode["mode"], t("admin.banner.locked", mode=name,
                                                    reason=reason)))
        elif mode["age_hours"] is not None and \
                timedelta(hours=mode["age_hours"]) > max_age:
            lines.append(BannerLine(mode["mode"], t("admin.banner.stale", mode=name)))
    return lines


def render_admin(request: Request, template: str, *, section: str, status_code: int = 200,
                 **context: Any) -> HTMLResponse:
    """An admin page (``template`` extends ``admin/base.html``) with its menu and banner.

    ``section`` is one of ``SECTIONS`` (the menu marks it as the current page), or ""
    for the admin home page.
    """
    ctx = context_of(request)
    t = translator_for(request)
    return render(request, template, status_code=status_code, section="admin",
                  admin_section=section, admin_sections=sections(t),
                  banner=privacy_banner(ctx, t), **context)
