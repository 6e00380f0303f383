"""The admins' pages for ``make screenshots``: the admin home with its privacy banner,
a participant's preferences, the accounts, a voicemail script, the privacy proof, and
the records, at both widths.

The same lab desk as the advocates' screenshots (fictional people, both caller-ID
modes proven), with an admin signed in.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from gateway.web.app import create_app
from tests.support.advocate_web import advocate_desk, signed_in_context, with_password
from tests.support.browser import serving
from tests.support.world import add_advocate

#: (file name, address; {rose} is a participant's id) of each admin page in the README.
PAGES = (
    ("admin-home", "/admin/"),
    ("admin-participant", "/admin/participants/{rose}"),
    ("admin-accounts", "/admin/accounts"),
    ("admin-script", "/admin/scripts/en/generic"),
    ("admin-privacy", "/admin/privacy"),
    ("admin-calls", "/admin/calls"),
    ("admin-audit", "/admin/audit"),
)


def take_admin_pages(browser: Browser, folder: Path, root: Path,
                     sizes: tuple[tuple[str, dict[str, int]], ...]) -> list[Path]:
    desk = advocate_desk(root, hold_s=1.0)
    admin_id = add_advocate(desk.world, role="admin", name="Alex", phone="+12025550134")
    with_password(desk.world, admin_id, "alex")
    taken: list[Path] = []
    try:
        with serving(create_app(desk.world, run_scheduler=False)) as url:
            for name, address in PAGES:
                for size, viewport in sizes:
                    context = signed_in_context(browser, url, desk.world, admin_id,
                                                viewport=viewport)
                    page = context.new_page()
                    page.goto(url + address.format(rose=desk.rose))
                    page.wait_for_load_state("networkidle")
                    target = folder / f"{name}-{size}.png"
                    page.screenshot(path=target, full_page=True)
                    context.close()
                    taken.append(target)
    finally:
        desk.world.close()
    return taken
