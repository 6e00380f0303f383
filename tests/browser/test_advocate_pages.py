"""The advocates' pages in a real Chromium: sign in, search, the card (refused and
allowed), the code-word check, a call followed to its outcome, call-backs; caseload
scoping; no number on any page; axe-core at phone and desktop widths.

The world is unit-style (``tests.support.advocate_web.advocate_desk``): a scripted phone
stands in for the PBX. The same flow against the real Asterisk lab is
``tests/integration/test_advocate_web_call.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from gateway.web.app import create_app
from tests.browser.conftest import NewContext
from tests.support.advocate_web import (
    AdvocateDesk,
    advocate_desk,
    pending_callback,
    sign_in_form,
    sign_in_through_pages,
    signed_in_context,
)
from tests.support.browser import DESKTOP, PHONE, axe_violations, serving, watch
from tests.support.numbers import ADVOCATE, PARTICIPANT, leaked

SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdvocateDesk]:
    made = advocate_desk(tmp_path_factory.mktemp("advocate-desk"), hold_s=1.2)
    yield made
    made.world.close()


@pytest.fixture(scope="module")
def desk_url(desk: AdvocateDesk) -> Iterator[str]:
    with serving(create_app(desk.world, run_scheduler=False)) as url:
        yield url


def signed_in(new_context: NewContext, desk: AdvocateDesk, url: str,
              viewport: dict[str, int] = DESKTOP, **options: object) -> Page:
    return signed_in_context(new_context, url, desk.world, desk.advocate_id,
                             viewport=viewport, **options).new_page()


def no_number_in(page: Page) -> None:
    assert leaked(page.content(), ADVOCATE, PARTICIPANT) == []


def test_a_newcomer_signs_in_chooses_a_password_and_lands_on_the_search(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    _, one_time = desk.newcomer("alex", phone="+12025550113")
    page = new_context().new_page()
    problems = watch(page, desk_url)
    sign_in_through_pages(page, desk_url, "alex", one_time)
    expect(page).to_have_url(desk_url + "/participants")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a participant")
    assert problems == []


def test_an_advocate_signs_in_and_finds_a_participant_without_the_alias_in_any_address(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = new_context().new_page()
    problems = watch(page, desk_url)
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    sign_in_form(page, desk_url, desk.username, desk.password)
    expect(page).to_have_url(desk_url + "/participants")

    page.get_by_label("Search participants", exact=True).fill("ros")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("link")).to_have_count(1)
    results.get_by_role("link", name="Rose", exact=True).click()

    expect(page).to_have_url(f"{desk_url}/participants/{desk.rose}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rose")
    assert [url for url in addresses if "ros" in url.lower()] == []  # ids are hex
    assert problems == []
    no_number_in(page)


def test_a_search_never_lists_a_participant_outside_the_caseload(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = signed_in(new_context, desk, desk_url)
    page.goto(desk_url + "/participants")
    page.get_by_label("Search participants", exact=True).fill("i")  # Lily and Iris
    page.get_by_label("Search participants", exact=True).press("Enter")
    links = page.get_by_role("region", name="Results").get_by_role("link")
    expect(links).to_have_text(["Lily"])


def test_outside_the_window_call_is_disabled_with_the_reason_and_the_next_safe_time(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = signed_in(new_context, desk, desk_url)
    problems = watch(page, desk_url)
    page.goto(f"{desk_url}/participants/{desk.lily}")

    call = page.get_by_role("button", name="Call", exact=True)
    expect(call).to_be_disabled()
    reasons = page.locator("#call-reasons")
    expect(reasons).to_contain_text("It is outside their safe-call windows.")
    expect(reasons).to_contain_text("next safe time")
    expect(reasons).to_contain_text(re.compile(r"Their time: .*\(America/Vancouver\)"))
    expect(reasons).to_contain_text(re.compile(r"Your time: .*\(Europe/Paris\)"))
    expect(call).to_have_attribute("aria-describedby", "call-reasons")
    # Lily agreed her caller ID and voicemail; the drop and other-answers rules are defaults.
    expect(page.get_by_text("(default, not yet discussed)")).to_have_count(2)
    assert problems == []
    no_number_in(page)


def test_an_unassigned_participant_is_not_found(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = signed_in(new_context, desk, desk_url)
    response = page.goto(f"{desk_url}/participants/{desk.iris}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("There is no page at this address.")
    expect(page.get_by_text("Iris")).to_have_count(0)


@pytest.mark.parametrize(("spoken", "role", "answer"), [
    ("BLUEBIRD", "status", "Match: this is the code word on file."),
    ("sparrow", "alert", "No match: this is not the code word on file."),
])
def test_the_code_word_check_answers_match_or_no_match(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str, spoken: str, role: str,
    answer: str,
) -> None:
    page = signed_in(new_context, desk, desk_url)
    page.goto(f"{desk_url}/participants/{desk.rose}")
    field = page.get_by_label("What the participant said", exact=True)
    field.fill(spoken)
    page.get_by_role("button", name="Check code word", exact=True).click()

    expect(page.get_by_role(role).filter(has_text=answer)).to_have_count(1)  # type: ignore[arg-type]
    expect(page.get_by_label("What the participant said", exact=True)).to_have_value("")
    html = page.content().lower()
    assert spoken.lower() not in html and "bluebird" not in html


def test_a_call_is_followed_in_the_status_region_to_its_outcome(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = signed_in(new_context, desk, desk_url)
    problems = watch(page, desk_url)
    page.goto(f"{desk_url}/participants/{desk.rose}")
    expect(page.get_by_text("It is safe to call now.")).to_be_visible()
    page.get_by_role("button", name="Call", exact=True).click()

    expect(page).to_have_url(re.compile(re.escape(desk_url) + r"/calls/[0-9a-f-]{36}$"))
    status = page.get_by_role("status")
    expect(status).to_have_text("Ended: Voicemail left.", timeout=15_000)
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()
    assert problems == []
    no_number_in(page)


def test_the_call_page_works_without_javascript(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = signed_in(new_context, desk, desk_url, java_script_enabled=False)
    page.goto(f"{desk_url}/participants/{desk.rose}")
    page.get_by_role("button", name="Call", exact=True).click()
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(
        "^(Calling you|Briefing|Calling the participant|Leaving a voicemail)$"))
    expect(status).not_to_have_attribute("data-live-source", "")  # live.js would follow it
    for _ in range(40):
        if (status.text_content() or "").startswith("Ended"):
            break
        page.wait_for_timeout(250)
        page.get_by_role("link", name="Refresh", exact=True).click()
    expect(status).to_have_text("Ended: Voicemail left.")


def test_the_advocate_sees_and_cancels_their_call_back(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    pending_callback(desk, desk.lily, in_hours=5)
    page = signed_in(new_context, desk, desk_url)
    page.goto(f"{desk_url}/callbacks")
    items = page.locator("li.callback")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Rose")  # soonest first
    lily = items.filter(has_text="Lily")
    expect(lily).to_contain_text("(Europe/Paris)")
    expect(lily).to_contain_text("Attempt 1 of 3")
    lily.get_by_role("button", name="Cancel call-back").click()
    expect(page.get_by_role("status")).to_have_text(
        "The call-back was cancelled. Nothing will ring for it.")
    expect(page.locator("li.callback")).to_have_count(1)
    expect(page.locator("li.callback")).to_contain_text("Rose")


def test_the_keyboard_reaches_the_search_field_with_a_visible_focus(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str,
) -> None:
    page = signed_in(new_context, desk, desk_url)
    page.goto(desk_url + "/participants")
    field = page.get_by_label("Search participants", exact=True)
    for _ in range(15):
        page.keyboard.press("Tab")
        if field.evaluate("element => element === document.activeElement"):
            break
    expect(field).to_be_focused()
    assert field.evaluate("element => getComputedStyle(element).outlineStyle") == "solid"


PAGES = {
    "search": lambda d: "/participants",
    "card-refused": lambda d: f"/participants/{d.lily}",
    "card-allowed": lambda d: f"/participants/{d.rose}",
    "callbacks": lambda d: "/callbacks",
}


@SIZES
@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_advocates_pages_have_no_serious_accessibility_violation(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str, viewport: dict[str, int],
    name: str,
) -> None:
    page = signed_in(new_context, desk, desk_url, viewport, bypass_csp=True)
    page.goto(desk_url + PAGES[name](desk))
    assert axe_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], "nothing scrolls sideways"


@SIZES
def test_the_search_results_and_the_call_page_have_no_serious_accessibility_violation(
    new_context: NewContext, desk: AdvocateDesk, desk_url: str, viewport: dict[str, int],
) -> None:
    page = signed_in(new_context, desk, desk_url, viewport, bypass_csp=True)
    page.goto(desk_url + "/participants")
    page.get_by_label("Search participants", exact=True).fill("l")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("region", name="Results")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(f"{desk_url}/participants/{desk.rose}")
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Ended: Voicemail left.", timeout=15_000)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
