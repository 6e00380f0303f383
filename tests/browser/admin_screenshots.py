"""The admins' pages for ``make screenshots``: the admin home with its privacy banner,
a participant's preferences, the accounts, a voicemail script, the privacy proof, and
the records, at both widths.

The same lab desk as the advocates' screenshots (fictional people, both caller-ID
modes proven), with an admin signed in.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.browser.advocate_screenshots import Sizes, Visit, take_pages
from tests.support.advocate_web import AdvocateDesk, advocate_desk, with_password
from tests.support.world import add_advocate

#: (file name, address; {rose} is a participant's id) of each admin page in the README.
ADDRESSES = (
    ("admin-home", "/admin/"),
    ("admin-participant", "/admin/participants/{rose}"),
    ("admin-accounts", "/admin/accounts"),
    ("admin-script", "/admin/scripts/en/generic"),
    ("admin-privacy", "/admin/privacy"),
    ("admin-calls", "/admin/calls"),
    ("admin-audit", "/admin/audit"),
)


def _at(address: str) -> Visit:
    def visit(page: Page, url: str, desk: AdvocateDesk) -> None:
        page.goto(url + address.format(rose=desk.rose))
    return visit


def take_admin_pages(browser: Browser, folder: Path, root: Path, sizes: Sizes) -> list[Path]:
    desk = advocate_desk(root, hold_s=1.0)
    admin_id = add_advocate(desk.world, role="admin", name="Alex", phone="+12025550134")
    with_password(desk.world, admin_id, "alex")
    try:
        return take_pages(browser, folder, desk, admin_id,
                          [(name, _at(address)) for name, address in ADDRESSES], sizes)
    finally:
        desk.world.close()
