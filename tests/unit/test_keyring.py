"""Encryption at rest: keys live outside the database, and a wrong key fails loudly."""

from __future__ import annotations

import base64
import copy
import json
import os
import pickle
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.storage.keyring import DecryptionError, KeyFileError, KeyRing, init_key_file
from tests.support.numbers import PARTICIPANT, number_forms

PHONE = "participant.phone"
#: The row a value belongs to (its id).
ROW = "p_0a1b2c"
CODE_WORD = "participant.code_word"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "keys.json"


@pytest.fixture
def ring(key_file: Path) -> KeyRing:
    return init_key_file(key_file)


def _key_material(path: Path) -> list[str]:
    doc = json.loads(path.read_text())
    return [entry["key"] for entry in doc["keys"]] + [doc["index_key"]]


def _rewrite(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


# --- the key file ----------------------------------------------------------------------------


def test_init_creates_a_key_file_with_one_active_key(key_file: Path, ring: KeyRing) -> None:
    doc = json.loads(key_file.read_text())
    assert doc["version"] == 1
    assert [k["retired"] for k in doc["keys"]] == [None]
    assert re.fullmatch(r"k[0-9a-f]{8}", doc["keys"][0]["id"]), "random, unlike any other file's"
    assert len(base64.b64decode(doc["keys"][0]["key"])) == 32
    assert len(base64.b64decode(doc["index_key"])) == 32
    assert datetime.fromisoformat(doc["keys"][0]["created"]).tzinfo is not None
    assert ring.active_key_id == doc["keys"][0]["id"]


def test_the_key_file_is_readable_by_its_owner_only(key_file: Path, ring: KeyRing) -> None:
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) & 0o077 == 0
    ring.rotate(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_init_refuses_to_overwrite_an_existing_key_file(key_file: Path, ring: KeyRing) -> None:
    before = key_file.read_bytes()
    with pytest.raises(KeyFileError, match=r"already exists.*refusing to overwrite"):
        init_key_file(key_file)
    assert key_file.read_bytes() == before


def test_writes_leave_no_temporary_files_behind(key_file: Path, ring: KeyRing) -> None:
    ring.rotate(key_file)
    with pytest.raises(KeyFileError):
        init_key_file(key_file)
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["keys.json"]


def test_a_missing_key_file_says_how_to_create_one(key_file: Path) -> None:
    with pytest.raises(KeyFileError) as caught:
        KeyRing.load(key_file)
    assert str(caught.value) == (  # the prefix is what `safedial` printed before it as well
        f"configuration error: no key file at {key_file}: create one with `safedial keys init` "
        "(keep a copy safe: a lost key file means lost data)"
    )


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o606, 0o620])
def test_a_key_file_open_to_other_users_is_refused(
    key_file: Path, ring: KeyRing, mode: int
) -> None:
    key_file.chmod(mode)
    with pytest.raises(KeyFileError, match=r"open to other users.*chmod 600"):
        KeyRing.load(key_file)


def test_a_key_file_that_is_a_directory_is_refused(key_file: Path) -> None:
    key_file.mkdir(parents=True, mode=0o700)
    with pytest.raises(KeyFileError, match="not a regular file"):
        KeyRing.load(key_file)


def _two_active(doc) -> None:
    doc["keys"].append({**doc["keys"][0], "id": "k2"})


def _active_not_last(doc) -> None:
    doc["keys"].append({**doc["keys"][0], "id": "k2", "retired": "2024-01-01T00:00:00+00:00"})


CORRUPTIONS = {
    "not JSON": lambda path: path.write_text("{not json"),
    "not an object": lambda path: path.write_text("[]"),
    "no keys": lambda path: _rewrite(path, lambda d: d.update(keys=[])),
    "short key": lambda path: _rewrite(path, lambda d: d["keys"][0].update(key="AAAA")),
    "key not base64": lambda path: _rewrite(path, lambda d: d["keys"][0].update(key="!!")),
    "no index key": lambda path: _rewrite(path, lambda d: d.pop("index_key")),
    "bad key id": lambda path: _rewrite(path, lambda d: d["keys"][0].update(id="k:1")),
    "bad created time": lambda path: _rewrite(path, lambda d: d["keys"][0].update(created="x")),
    "two active keys": lambda path: _rewrite(path, _two_active),
    "active key not newest": lambda path: _rewrite(path, _active_not_last),
    "duplicate ids": lambda path: _rewrite(
        path, lambda d: d["keys"].insert(0, {**d["keys"][0], "retired": d["keys"][0]["created"]})
    ),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_key_file_is_refused_without_showing_its_keys(
    key_file: Path, ring: KeyRing, corrupt
) -> None:
    secrets = _key_material(key_file)
    corrupt(key_file)
    key_file.chmod(0o600)
    with pytest.raises(KeyFileError, match=r"corrupt.*restore it from your safe copy") as caught:
        KeyRing.load(key_file)
    assert not any(secret in str(caught.value) for secret in secrets)
    assert caught.value.__cause__ is None


def test_a_key_file_from_a_newer_safedial_asks_for_an_upgrade(
    key_file: Path, ring: KeyRing
) -> None:
    _rewrite(key_file, lambda d: d.update(version=2))
    with pytest.raises(KeyFileError, match=r"not in format version 1.*upgrade SafeDial"):
        KeyRing.load(key_file)


# --- encryption ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    [
        PARTICIPANT,
        "",
        "Łódź-Żółw",
        "ключ слово",
        "秘密の言葉",
        "كلمة السر",
        "🦉 owl\u200dmix",
        "a\0b",
    ],
)
def test_unicode_plaintext_round_trips(ring: KeyRing, plaintext: str) -> None:
    blob = ring.encrypt(plaintext, purpose=CODE_WORD, record=ROW)
    assert ring.decrypt(blob, purpose=CODE_WORD, record=ROW) == plaintext


def test_a_loaded_key_file_decrypts_what_the_new_one_encrypted(
    key_file: Path, ring: KeyRing
) -> None:
    blob = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    assert KeyRing.load(key_file).decrypt(blob, purpose=PHONE, record=ROW) == PARTICIPANT


def test_ciphertext_contains_no_plaintext_bytes(ring: KeyRing) -> None:
    blob = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    raw = base64.b64decode(blob.split(b":", 2)[2])
    for form in number_forms(PARTICIPANT):
        assert form.encode() not in blob
        assert form.encode() not in raw


def test_ciphertext_is_ascii_in_the_documented_format(ring: KeyRing) -> None:
    blob = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    prefix, key_id, encoded = blob.split(b":")
    assert (prefix, key_id) == (b"sd2", ring.active_key_id.encode())
    assert blob.decode("ascii")
    assert len(base64.b64decode(encoded, validate=True)) == 12 + len(PARTICIPANT) + 16


def test_the_same_plaintext_encrypts_differently_each_time(ring: KeyRing) -> None:
    blobs = {ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW) for _ in range(20)}
    assert len(blobs) == 20


def test_a_wrong_key_fails_loudly(tmp_path: Path, ring: KeyRing) -> None:
    other = init_key_file(tmp_path / "other.json")
    blob = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    with pytest.raises(DecryptionError, match=rf"cannot decrypt participant\.phone: wrong or "
                                              rf"missing key {ring.active_key_id}"):
        other.decrypt(blob, purpose=PHONE, record=ROW)
    same_id = b"sd2:" + other.active_key_id.encode() + blob[len(b"sd2:") + 9:]
    with pytest.raises(DecryptionError, match="or the value was altered"):
        other.decrypt(same_id, purpose=PHONE, record=ROW)


def test_an_unknown_key_id_fails_loudly(key_file: Path, ring: KeyRing) -> None:
    rotated = ring.rotate(key_file)
    blob = rotated.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    with pytest.raises(DecryptionError, match=f"wrong or missing key {rotated.active_key_id}"):
        ring.decrypt(blob, purpose=PHONE, record=ROW)


def test_a_ciphertext_moved_to_another_field_does_not_decrypt(ring: KeyRing) -> None:
    blob = ring.encrypt("bluebird", purpose=CODE_WORD, record=ROW)
    with pytest.raises(DecryptionError, match="belongs to another field"):
        ring.decrypt(blob, purpose=PHONE, record=ROW)


def test_an_altered_ciphertext_does_not_decrypt(ring: KeyRing) -> None:
    prefix, key_id, encoded = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW).split(b":")
    raw = bytearray(base64.b64decode(encoded))
    raw[-20] ^= 0x01
    with pytest.raises(DecryptionError, match="altered"):
        ring.decrypt(b":".join([prefix, key_id, base64.b64encode(bytes(raw))]), purpose=PHONE,
                     record=ROW)


@pytest.mark.parametrize(
    "blob",
    [
        PARTICIPANT.encode(),
        b"sd1:k1",
        b"sd1:k1:not base64!",
        b"sd1:k1:" + base64.b64encode(b"too short"),
        b"sd1:bad id:" + base64.b64encode(bytes(40)),
        b"sd3:k1:" + base64.b64encode(bytes(40)),
        b"sd2:k1",
        b"",
    ],
)
def test_a_value_that_is_not_a_ciphertext_is_refused_without_echoing_it(
    ring: KeyRing, blob: bytes
) -> None:
    with pytest.raises(DecryptionError, match="not a SafeDial ciphertext") as caught:
        ring.decrypt(blob, purpose=PHONE, record=ROW)
    assert not any(form in str(caught.value) for form in number_forms(PARTICIPANT))


def test_decryption_errors_never_contain_the_plaintext(tmp_path: Path, ring: KeyRing) -> None:
    other = init_key_file(tmp_path / "other.json")
    blob = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    for attempt in (
        lambda: other.decrypt(blob, purpose=PHONE, record=ROW),
        lambda: ring.decrypt(blob, purpose=CODE_WORD, record=ROW),
    ):
        with pytest.raises(DecryptionError) as caught:
            attempt()
        assert not any(form in str(caught.value) for form in number_forms(PARTICIPANT))


@pytest.mark.parametrize("purpose", ["", "has space", "nul\0byte", "x" * 65])
def test_a_purpose_must_be_a_plain_name(ring: KeyRing, purpose: str) -> None:
    with pytest.raises(ValueError, match="purpose"):
        ring.encrypt(PARTICIPANT, purpose=purpose, record=ROW)
    with pytest.raises(ValueError, match="purpose"):
        ring.blind_index(PARTICIPANT, purpose=purpose)


def test_encrypt_takes_text_only(ring: KeyRing) -> None:
    with pytest.raises(TypeError, match="e164"):
        ring.encrypt(PARTICIPANT.encode(), purpose=PHONE, record=ROW)  # type: ignore[arg-type]


# --- rotation --------------------------------------------------------------------------------


def test_rotation_keeps_every_old_ciphertext_readable(key_file: Path, ring: KeyRing) -> None:
    blobs = {}
    for generation in range(3):
        blobs[ring.active_key_id] = ring.encrypt(f"code word {generation}", purpose=CODE_WORD,
                                                 record=ROW)
        ring = ring.rotate(key_file)
    reloaded = KeyRing.load(key_file)
    assert reloaded.active_key_id == ring.active_key_id
    assert len({info.id for info in reloaded.key_ids()}) == 4
    for generation, (key_id, blob) in enumerate(blobs.items()):
        assert blob.startswith(b"sd2:" + key_id.encode() + b":")
        assert reloaded.decrypt(blob, purpose=CODE_WORD, record=ROW) == f"code word {generation}"


def test_rotation_retires_the_old_key_and_activates_a_new_one(
    key_file: Path, ring: KeyRing
) -> None:
    later = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    rotated = ring.rotate(key_file, now=later)
    first, second = ring.active_key_id, rotated.active_key_id
    assert rotated.key_ids() == ((first, True), (second, False))
    assert [(info.id, info.retired) for info in rotated.key_ids()] == [(first, True),
                                                                       (second, False)]
    assert first != second
    assert KeyRing.load(key_file).key_ids() == rotated.key_ids()
    entries = json.loads(key_file.read_text())["keys"]
    assert entries[0]["retired"] == entries[1]["created"] == "2031-05-06T07:08:09+00:00"
    blob = rotated.encrypt("x", purpose=CODE_WORD, record=ROW)
    assert blob.startswith(b"sd2:" + second.encode() + b":")


def test_rotation_refuses_a_key_file_changed_since_loading(key_file: Path, ring: KeyRing) -> None:
    theirs = ring.rotate(key_file)  # someone else rotated; `ring` is stale
    with pytest.raises(KeyFileError, match="changed since it was loaded"):
        ring.rotate(key_file)
    assert KeyRing.load(key_file).key_ids() == theirs.key_ids()


def test_reencryption_moves_a_value_to_the_active_key(key_file: Path, ring: KeyRing) -> None:
    old = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    assert not ring.needs_reencrypt(old)
    rotated = ring.rotate(key_file)
    assert rotated.needs_reencrypt(old)
    new = rotated.reencrypt(old, purpose=PHONE, record=ROW)
    assert not rotated.needs_reencrypt(new)
    assert new.startswith(b"sd2:" + rotated.active_key_id.encode() + b":")
    assert rotated.decrypt(new, purpose=PHONE, record=ROW) == PARTICIPANT


def test_reencryption_refuses_a_value_under_the_wrong_purpose(
    key_file: Path, ring: KeyRing
) -> None:
    old = ring.encrypt(PARTICIPANT, purpose=PHONE, record=ROW)
    with pytest.raises(DecryptionError):
        ring.rotate(key_file).reencrypt(old, purpose=CODE_WORD, record=ROW)


def test_needs_reencrypt_refuses_a_value_that_is_not_a_ciphertext(ring: KeyRing) -> None:
    with pytest.raises(DecryptionError, match="not a SafeDial ciphertext"):
        ring.needs_reencrypt(PARTICIPANT.encode())


# --- blind index -----------------------------------------------------------------------------


def test_blind_index_recognises_a_value_without_containing_it(ring: KeyRing) -> None:
    index = ring.blind_index(PARTICIPANT, purpose=PHONE)
    assert index == ring.blind_index(PARTICIPANT, purpose=PHONE)
    assert index != ring.blind_index("+12025550133", purpose=PHONE)
    assert len(index) == 64 and int(index, 16) >= 0
    assert not any(form in index for form in number_forms(PARTICIPANT))


def test_blind_index_is_stable_across_rotation(key_file: Path, ring: KeyRing) -> None:
    before = ring.blind_index(PARTICIPANT, purpose=PHONE)
    ring.rotate(key_file).rotate(key_file)
    assert KeyRing.load(key_file).blind_index(PARTICIPANT, purpose=PHONE) == before


def test_blind_index_differs_per_purpose(ring: KeyRing) -> None:
    phone = ring.blind_index(PARTICIPANT, purpose=PHONE)
    assert phone != ring.blind_index(PARTICIPANT, purpose="advocate.phone")


def test_blind_index_differs_per_key_file(tmp_path: Path, ring: KeyRing) -> None:
    other = init_key_file(tmp_path / "other.json")
    assert ring.blind_index(PARTICIPANT, purpose=PHONE) != other.blind_index(
        PARTICIPANT, purpose=PHONE
    )


# --- no key bytes in sight -------------------------------------------------------------------


def test_the_keyring_never_shows_key_bytes(key_file: Path, ring: KeyRing) -> None:
    ring = ring.rotate(key_file)
    secrets = _key_material(key_file)
    raw = [base64.b64decode(s) for s in secrets]
    shown = " ".join([repr(ring), str(ring), f"{ring}", repr(ring.key_ids()), str(ring.key_ids())])
    assert shown.startswith(f"<KeyRing active={ring.active_key_id} keys=2>")
    assert not any(secret in shown for secret in secrets)
    assert not any(repr(material) in shown or material.hex() in shown for material in raw)


@pytest.mark.parametrize("duplicate", [pickle.dumps, copy.copy, copy.deepcopy])
def test_a_keyring_cannot_be_pickled_or_copied(ring: KeyRing, duplicate) -> None:
    with pytest.raises(TypeError, match="not picklable"):
        duplicate(ring)


def test_the_key_file_is_never_world_writable_even_with_a_loose_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        init_key_file(tmp_path / "loose" / "keys.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "loose" / "keys.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "loose").stat().st_mode) == 0o700
