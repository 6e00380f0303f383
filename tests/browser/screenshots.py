"""``make screenshots``: the main pages at phone and desktop widths, into docs/screenshots/.

The real app on a temporary lab world (nothing personal on any page), served and
photographed exactly as the browser tier sees it (``tests.support.browser``).
    usage: python -m tests.browser.screenshots [FOLDER]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from gateway.web.app import create_app
from tests.browser import demo
from tests.browser.admin_screenshots import take_admin_pages
from tests.browser.advocate_screenshots import take_advocate_pages
from tests.support.browser import chromium, serving
from tests.support.world import make_world

#: (file name, address) of each page shown in the README.
PAGES = (("sign-in", "/"), ("first-sign-in", "/_demo/first-sign-in"))
SIZES = (("phone", {"width": 360, "height": 740}), ("desktop", {"width": 1280, "height": 800}))


def take(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="safedial-screenshots-") as root:
        world = make_world(Path(root))
        app = create_app(world, run_scheduler=False)
        app.include_router(demo.router)
        try:
            with serving(app) as url, chromium() as browser:
                for name, path in PAGES:
                    for size, viewport in SIZES:
                        context = browser.new_context(viewport=viewport, locale="en-US")
                        page = context.new_page()
                        page.goto(url + path)
                        page.wait_for_load_state("networkidle")
                        target = folder / f"{name}-{size}.png"
                        page.screenshot(path=target, full_page=True)
                        context.close()
                        taken.append(target)
                taken += take_advocate_pages(browser, folder, Path(root) / "desk", SIZES)
                taken += take_admin_pages(browser, folder, Path(root) / "admin-desk", SIZES)
        finally:
            world.close()
    return taken


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("docs/screenshots")
    for path in take(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
