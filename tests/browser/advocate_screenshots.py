"""The advocates' pages for ``make screenshots``: the search with results, a card where
Call is refused and one where it is allowed, and a call's status page, at both widths.

A lab desk (``tests.support.advocate_web.advocate_desk``: fictional people, a scripted
phone instead of the PBX), signed in as its advocate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from gateway.web.app import create_app
from tests.support.advocate_web import AdvocateDesk, advocate_desk, signed_in_context
from tests.support.browser import serving


def _search(page: Page, url: str, _desk: AdvocateDesk) -> None:
    page.goto(url + "/participants")
    page.get_by_label("Search participants", exact=True).fill("l")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("region", name="Results")).to_be_visible()


def _refused(page: Page, url: str, desk: AdvocateDesk) -> None:
    page.goto(f"{url}/participants/{desk.lily}")


def _allowed(page: Page, url: str, desk: AdvocateDesk) -> None:
    page.goto(f"{url}/participants/{desk.rose}")


def _call(page: Page, url: str, desk: AdvocateDesk) -> None:
    _allowed(page, url, desk)
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page).to_have_url(re.compile(r"/calls/"))
    expect(page.get_by_role("status")).to_have_text("Ended: Voicemail left.", timeout=15_000)


#: How to get to a page, signed in, at the served app's address.
Visit = Callable[[Page, str, AdvocateDesk], None]
Sizes = tuple[tuple[str, dict[str, int]], ...]

#: (file name, how to get there) of each advocate page shown in the README.
PAGES: tuple[tuple[str, Visit], ...] = (
    ("participant-search", _search),
    ("card-refused", _refused),
    ("card-allowed", _allowed),
    ("call-status", _call),
)


def take_pages(browser: Browser, folder: Path, desk: AdvocateDesk, account_id: str,
               pages: Sequence[tuple[str, Visit]], sizes: Sizes) -> list[Path]:
    """Each page at each size, signed in as ``account_id``, into ``folder``."""
    taken: list[Path] = []
    with serving(create_app(desk.world, run_scheduler=False)) as url:
        for name, visit in pages:
            for size, viewport in sizes:
                context = signed_in_context(browser, url, desk.world, account_id,
                                            viewport=viewport)
                page = context.new_page()
                visit(page, url, desk)
                page.wait_for_load_state("networkidle")
                target = folder / f"{name}-{size}.png"
                page.screenshot(path=target, full_page=True)
                context.close()
                taken.append(target)
    return taken


def take_advocate_pages(browser: Browser, folder: Path, root: Path, sizes: Sizes
                        ) -> list[Path]:
    desk = advocate_desk(root, hold_s=1.0)
    try:
        return take_pages(browser, folder, desk, desk.advocate_id, PAGES, sizes)
    finally:
        desk.world.close()
