"""The voicemail-script pages: the linter's verdict before saving, nothing unsafe saved,
calls use the edit, recordings checked before they replace a fixed prompt."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.callerid import CallerIdMode
from gateway.calls.prompting import prepare_call_audio
from gateway.domain.decision import DialSettings
from gateway.domain.preferences import (
    AdvocateFacts,
    DropProtocolKind,
    DropRule,
    ParticipantFacts,
    Preferences,
    VoicemailRule,
)
from gateway.prompts import render_audio, voicemail_template
from gateway.prompts.editing import check_recording
from gateway.storage.tables import AuditRow
from gateway.wiring import AppContext
from tests.support.pages import Html, Session, client_for, sign_in
from tests.support.world import make_world

GOOD = "Hi, this is {advocate_name}, returning your call. Talk soon, {callback_hours}."
WITH_NUMBER = "Hi, this is {advocate_name}, returning your call. Call 202 555 0143."
PAGE = "/admin/scripts/en/generic"
KEY = b"k" * 32


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = make_world(tmp_path)
    yield ctx
    ctx.close()


def edited(world: AppContext, relative: str = "en/generic.txt") -> Path:
    return world.settings.edited_prompts / relative


def uploaded(world: AppContext, name: str = "generic") -> Path:
    return world.settings.edited_prompts / "recordings" / "en" / f"{name}.wav"


def wav(seconds: float = 2.0, *, rate: int = 8000, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(bytes(range(256)) * (frames * channels * width // 256) + b"\0" * (
            frames * channels * width % 256))
    return out.getvalue()


def audit_actions(world: AppContext) -> list[tuple[str, list[str]]]:
    with world.db.unit_of_work() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        return [(row.action, list(row.fields)) for row in rows if row.action.startswith("prompt.")]


def admin(world: AppContext, client: TestClient) -> Session:
    return sign_in(world, client, role="admin")


def upload(client: TestClient, who: Session, data: bytes, *, token: bool = True,
           path: str = PAGE):
    fields = {"csrf_token": who.csrf} if token else {}
    return client.post(f"{path}/recording", data=fields,
                       files={"recording": ("r.wav", data, "audio/wav")})


def test_an_advocate_gets_403_on_every_script_page(world: AppContext) -> None:
    with client_for(world) as client:
        who = sign_in(world, client)
        assert client.get("/admin/scripts").status_code == 403
        assert client.get(PAGE).status_code == 403
        assert client.get(f"{PAGE}/audio").status_code == 403
        assert client.post(f"{PAGE}/save", data=who.form(text=GOOD)).status_code == 403
        assert upload(client, who, wav()).status_code == 403
    assert not edited(world).exists() and not uploaded(world).exists()


def test_the_list_shows_each_language_its_prompts_where_they_come_from_and_the_verdict(
        world: AppContext) -> None:
    with client_for(world) as client:
        admin(world, client)
        page = client.get("/admin/scripts")
    assert page.status_code == 200
    text = Html(page.text).text
    for language in ("en", "fr", "es", "ar", "hi"):
        assert f"/admin/scripts/{language}/generic" in page.text
    assert "/admin/scripts/en/script-appointment" in page.text
    assert "shipped text" in text
    assert "Passes: this voicemail may be left." in text
    assert "Not a voicemail" in text


def test_check_shows_the_verdict_and_the_fields_allowed_without_saving(
        world: AppContext) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        page = client.post(f"{PAGE}/check", data=who.form(text=WITH_NUMBER))
    assert page.status_code == 200
    text = Html(page.text).text
    assert "Refused:" in text and "phone number" in text
    assert "{advocate_name}" in text and "{callback_hours}" in text
    assert "202 555 0143" in Html(page.text).one("textarea", id="text").text
    assert not edited(world).exists()
    assert audit_actions(world) == []


def test_a_script_the_linter_refuses_is_not_saved_and_the_page_says_why(
        world: AppContext) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        for bad, words in ((WITH_NUMBER, "phone number"),
                           ("Hi, this is Morgan, returning your call.", "advocate's name"),
                           ("Hi, this is {advocate_name}. Call me back.", "no reason"),
                           ("Hi {advocate_name} {participant}", "Write fields"),
                           ("# only a note", "empty")):
            page = client.post(f"{PAGE}/save", data=who.form(text=bad))
            assert page.status_code == 422, bad
            assert words in Html(page.text).text, bad
    assert not edited(world).exists()
    assert audit_actions(world) == []


def test_a_passing_script_is_saved_apart_from_the_shipped_text_and_audited_without_it(
        world: AppContext) -> None:
    shipped = (world.settings.prompts_dir / "en" / "generic.txt").read_bytes()
    with client_for(world) as client:
        who = admin(world, client)
        saved = client.post(f"{PAGE}/save", data=who.form(text=GOOD))
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{PAGE}?done=saved"
        listing = Html(client.get("/admin/scripts").text).text
    assert edited(world).read_text().strip() == GOOD
    assert (world.settings.prompts_dir / "en" / "generic.txt").read_bytes() == shipped
    assert "edited text" in listing
    assert audit_actions(world) == [("prompt.script.saved", ["lang.en", "prompt.generic"])]


def test_a_call_uses_the_edited_script(world: AppContext, tmp_path: Path) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        client.post(f"{PAGE}/save", data=who.form(text=GOOD))
    roots = world.settings.prompt_roots
    template = voicemail_template(VoicemailRule.parse("generic"), "en", base=roots)
    assert template is not None and template.text == GOOD
    advocate = AdvocateFacts(advocate_id="a_1", display_name="Sam")
    audio = prepare_call_audio(
        folder=tmp_path / "call", cache=tmp_path / "cache",
        participant=ParticipantFacts(participant_id="p_1", alias="Rose",
                                     preferences=Preferences(timezone="UTC")),
        advocate=advocate, policy=world.policy, cache_key=KEY, prompts=roots,
        dial=DialSettings(mode=CallerIdMode.WITHHOLD, masked_fallback=False,
                          voicemail=VoicemailRule.parse("generic"),
                          on_drop=DropRule(DropProtocolKind.WAIT)))
    assert audio.voicemail is not None
    cached = set((tmp_path / "cache").glob("*.wav"))
    # The cache names a file by what it says: the edited text's file is the one made.
    expected = render_audio(GOOD.format(advocate_name="Sam",
                                        callback_hours=world.policy.callback_hours),
                            "en", tmp_path / "cache", name_key=KEY)
    assert cached == {expected}
    assert audio.voicemail.with_suffix(".wav").read_bytes() == expected.read_bytes()


def test_back_to_the_shipped_text_removes_the_edit_and_is_audited(world: AppContext) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        client.post(f"{PAGE}/save", data=who.form(text=GOOD))
        back = client.post(f"{PAGE}/restore", data=who.form())
    assert back.status_code == 303
    assert not edited(world).exists()
    assert [a for a, _ in audit_actions(world)] == ["prompt.script.saved",
                                                   "prompt.script.restored"]


def test_a_post_without_the_csrf_token_changes_nothing(world: AppContext) -> None:
    with client_for(world) as client:
        admin(world, client)
        assert client.post(f"{PAGE}/save", data={"text": GOOD}).status_code == 403
        assert client.post(f"{PAGE}/save", data={"text": GOOD, "csrf_token": "x"}
                           ).status_code == 403
        who = Session("", "")
        assert upload(client, who, wav(), token=False).status_code == 403
        assert client.post(f"{PAGE}/recording", data={"csrf_token": "nope"},
                           files={"recording": ("r.wav", wav(), "audio/wav")}).status_code == 403
    assert not edited(world).exists() and not uploaded(world).exists()
    assert audit_actions(world) == []


def test_the_audio_route_serves_the_rendered_prompt_as_wav_never_stored(
        world: AppContext) -> None:
    with client_for(world) as client:
        admin(world, client)
        page = client.get(PAGE)
        sound = client.get(f"{PAGE}/audio")
    assert Html(page.text).one("audio").attrs["src"] == f"{PAGE}/audio"
    assert sound.status_code == 200
    assert sound.headers["content-type"] == "audio/wav"
    assert sound.headers["cache-control"] == "no-store"
    assert sound.content[:4] == b"RIFF" and sound.content[8:12] == b"WAVE"


def test_an_unknown_language_or_prompt_is_not_found(world: AppContext) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        assert client.get("/admin/scripts/xx/generic").status_code == 404
        assert client.get("/admin/scripts/en/script-nope").status_code == 404
        assert client.get("/admin/scripts/..%2Fen/generic").status_code == 404
        assert client.post("/admin/scripts/en/briefing/save",
                           data=who.form(text=GOOD)).status_code == 422


def test_a_good_recording_replaces_the_fixed_prompt_until_it_is_removed(
        world: AppContext) -> None:
    data = wav(2.0)
    with client_for(world) as client:
        who = admin(world, client)
        sent = upload(client, who, data)
        assert sent.status_code == 303, sent.text
        listing = Html(client.get("/admin/scripts").text).text
        played = client.get(f"{PAGE}/audio")
        assert "uploaded recording" in listing
        assert played.content[:4] == b"RIFF"
        removed = client.post(f"{PAGE}/recording/remove", data=who.form())
        assert removed.status_code == 303
    assert not uploaded(world).exists()
    assert [a for a, _ in audit_actions(world)] == ["prompt.recording.uploaded",
                                                   "prompt.recording.removed"]


@pytest.mark.parametrize(("data", "words"), [
    (b"ID3" + b"\0" * 5000, "not a WAV file"),
    (wav(2.0, rate=16000), "8000 Hz"),
    (wav(2.0, channels=2), "mono"),
    (wav(2.0, width=1), "16-bit"),
    (wav(0.5), "shorter than one second"),
    (wav(61.0), "longer than one minute"),
    (wav(2.0)[:-100], "damaged"),
    (b"", "Choose a WAV file"),
])
def test_a_recording_asterisk_cannot_play_as_it_is_is_refused_and_nothing_stored(
        world: AppContext, data: bytes, words: str) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        sent = upload(client, who, data)
    assert sent.status_code == 422
    assert words in Html(sent.text).text
    assert not uploaded(world).exists()
    assert audit_actions(world) == []


def test_a_script_cannot_be_replaced_by_a_recording(world: AppContext) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        sent = upload(client, who, wav(), path="/admin/scripts/en/script-appointment")
    assert sent.status_code == 422
    assert not uploaded(world, "script-appointment").exists()


def test_an_upload_larger_than_its_bounded_limit_is_refused_with_413(
        world: AppContext) -> None:
    with client_for(world) as client:
        who = admin(world, client)
        sent = upload(client, who, b"RIFF" + b"\0" * (2 * 1024 * 1024 + 10))
        other = client.post(f"{PAGE}/save", data=who.form(text="x" * (70 * 1024)))
    assert sent.status_code == 413
    assert other.status_code == 413
    assert "A recording may be at most one minute long" in Html(sent.text).text, "a page, in words"
    assert not uploaded(world).exists() and not edited(world).exists()


def test_the_recording_check_measures_a_good_file() -> None:
    assert check_recording(wav(2.5)) == 2.5
