"""The voicemail-script pages in Chromium: the verdict before saving, the prompt's audio
playing in the page, a recording upload (good and refused), and axe at both widths."""

from __future__ import annotations

import io
import shutil
import wave
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from gateway.wiring import AppContext
from tests.browser.conftest import NewAdmin
from tests.support.browser import PHONE, axe_violations, watch

SCRIPT = "/admin/scripts/en/script-appointment"
GENERIC = "/admin/scripts/en/generic"


@pytest.fixture(autouse=True)
def no_edits_left(world: AppContext) -> Iterator[None]:
    """The world is shared by the session: no other test may hear an edit made here."""
    yield
    shutil.rmtree(world.settings.edited_prompts, ignore_errors=True)


def wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x10\x00\xf0\xff" * int(seconds * rate / 2))
    return out.getvalue()


def test_check_shows_the_verdict_before_anything_is_saved(new_admin: NewAdmin, app_url: str,
                                                          world: AppContext) -> None:
    page = new_admin().new_page()
    problems = watch(page, app_url)
    page.goto(app_url + SCRIPT)
    text = page.get_by_label("What the call says")
    text.fill("Hi, this is {advocate_name}, returning your call. Call 202 555 0143.")
    page.get_by_role("button", name="Check").click()
    verdict = page.get_by_role("status")
    expect(verdict).to_contain_text("Refused:")
    expect(verdict).to_contain_text("phone number")
    assert not (world.settings.edited_prompts / "en").exists()
    page.get_by_label("What the call says").fill(
        "Hi, this is {advocate_name}, returning your call about your appointment.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved.")
    expect(page.get_by_text("Calls use: edited text.")).to_be_visible()
    assert problems == []


def test_the_prompt_plays_in_the_page(new_admin: NewAdmin, app_url: str) -> None:
    page = new_admin().new_page()
    problems = watch(page, app_url)
    page.goto(app_url + GENERIC)
    sound = page.request.get(app_url + GENERIC + "/audio")
    assert sound.status == 200 and sound.headers["content-type"] == "audio/wav"
    assert sound.body()[:4] == b"RIFF"
    page.wait_for_function("document.querySelector('audio').duration > 0", timeout=20_000)
    assert problems == []


def test_a_good_recording_is_uploaded_and_a_refused_one_changes_nothing(
        new_admin: NewAdmin, app_url: str, world: AppContext) -> None:
    page = new_admin().new_page()
    page.goto(app_url + GENERIC)
    page.get_by_label("Recording (WAV file)").set_input_files(
        files=[{"name": "r.wav", "mimeType": "audio/wav", "buffer": wav(2.0, rate=44100)}])
    page.get_by_role("button", name="Upload the recording").click()
    expect(page.locator(".notice-error")).to_contain_text("8000 Hz")
    stored = world.settings.edited_prompts / "recordings" / "en" / "generic.wav"
    assert not stored.exists()
    page.get_by_label("Recording (WAV file)").set_input_files(
        files=[{"name": "r.wav", "mimeType": "audio/wav", "buffer": wav(2.0)}])
    page.get_by_role("button", name="Upload the recording").click()
    expect(page.get_by_role("status").first).to_contain_text("Recording saved.")
    expect(page.get_by_text("Calls use: uploaded recording.")).to_be_visible()
    assert stored.is_file()
    page.get_by_role("button", name="Remove the recording (back to the text)").click()
    expect(page.get_by_text("Calls use: shipped text.")).to_be_visible()


def test_the_script_pages_have_no_serious_accessibility_violation(new_admin: NewAdmin,
                                                                  app_url: str) -> None:
    for viewport in (PHONE, None):
        options = {"bypass_csp": True, **({"viewport": viewport} if viewport else {})}
        page = new_admin(**options).new_page()
        for address in ("/admin/scripts", SCRIPT, GENERIC):
            page.goto(app_url + address)
            assert axe_violations(page) == [], (address, viewport)
