"""UI strings live in one catalogue per language; English has every key that is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import nodes

from gateway.web.pages.catalogue import (
    ENGLISH,
    CatalogueError,
    load_catalogue,
    load_catalogues,
    placeholders,
    translator,
)
from gateway.web.pages.language import negotiate
from gateway.web.pages.render import LOCALES, TEMPLATES, WEB, template_environment

_PYTHON_KEY = re.compile(r"""\bt\(\s*["']([^"']+)["']""")


def keys_used_in_templates() -> dict[str, set[str]]:
    """Every literal ``t("key")`` in every template, by template; a computed key fails."""
    env = template_environment()
    used: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        tree = env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "t":
                first = call.args[0] if call.args else None
                assert isinstance(first, nodes.Const), f"{name}: t() needs a literal key"
                used.setdefault(name, set()).add(first.value)
    return used


def keys_used_in_python() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in sorted(WEB.rglob("*.py")):
        found = set(_PYTHON_KEY.findall(path.read_text(encoding="utf-8")))
        if found:
            used[path.relative_to(WEB).as_posix()] = found
    return used


def test_every_key_the_templates_and_routes_use_is_in_the_english_catalogue() -> None:
    english = load_catalogues(LOCALES)[ENGLISH].strings
    used = {**keys_used_in_templates(), **keys_used_in_python()}
    assert "sign_in.html" in used and "errors.py" in used  # the scans see the files
    missing = {where: sorted(keys - english.keys()) for where, keys in used.items()
               if keys - english.keys()}
    assert missing == {}


def test_other_catalogues_hold_only_english_keys_with_the_same_values_to_fill_in() -> None:
    catalogues = load_catalogues(LOCALES)
    english = catalogues[ENGLISH].strings
    assert len(catalogues) > 1  # at least one other language is checked
    for language, catalogue in catalogues.items():
        unknown = sorted(catalogue.strings.keys() - english.keys())
        assert unknown == [], f"{language}.toml has keys English does not"
        for key, text in catalogue.strings.items():
            assert placeholders(text) == placeholders(english[key]), (language, key)


def test_the_contract_labels_are_the_english_strings() -> None:
    english = load_catalogues(LOCALES)[ENGLISH].strings
    assert english["sign_in.username"] == "Username"
    assert english["sign_in.password"] == "Password"
    assert english["sign_in.submit"] == "Sign in"
    assert english["change_password.new"] == "New password"
    assert english["change_password.confirm"] == "Confirm new password"
    assert english["change_password.submit"] == "Save"


def write(folder: Path, language: str, body: str) -> None:
    (folder / f"{language}.toml").write_text(
        f'[meta]\nname = "{language}"\ndirection = "ltr"\n{body}', encoding="utf-8")


def test_a_key_missing_in_another_language_is_shown_in_english(tmp_path: Path) -> None:
    write(tmp_path, "en", '[a]\nhello = "Hello"\nbye = "Goodbye"\n')
    write(tmp_path, "fr", '[a]\nhello = "Bonjour"\n')
    t = translator(load_catalogues(tmp_path), "fr")
    assert t("a.hello") == "Bonjour"
    assert t("a.bye") == "Goodbye"


def test_an_unknown_language_is_shown_in_english(tmp_path: Path) -> None:
    write(tmp_path, "en", '[a]\nhello = "Hello"\n')
    assert translator(load_catalogues(tmp_path), "xx")("a.hello") == "Hello"


def test_a_key_english_lacks_is_a_bug_not_a_blank(tmp_path: Path) -> None:
    write(tmp_path, "en", '[a]\nhello = "Hello"\n')
    with pytest.raises(KeyError, match=r"a\.nope"):
        translator(load_catalogues(tmp_path), "en")("a.nope")


def test_values_are_filled_in_by_name_and_a_missing_one_is_a_bug(tmp_path: Path) -> None:
    write(tmp_path, "en", '[a]\nnext = "Next safe time: {when}."\n')
    t = translator(load_catalogues(tmp_path), "en")
    assert t("a.next", when="9:00") == "Next safe time: 9:00."
    with pytest.raises(KeyError, match="when"):
        t("a.next")


def test_a_folder_without_english_or_a_bad_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "fr", '[a]\nhello = "Bonjour"\n')
    with pytest.raises(CatalogueError, match="English"):
        load_catalogues(tmp_path)
    (tmp_path / "de.toml").write_text('[meta]\nname = "Deutsch"\n[a]\nn = 3\n')
    with pytest.raises(CatalogueError, match="not text"):
        load_catalogue(tmp_path / "de.toml")


def test_an_area_of_the_app_keeps_its_strings_in_a_part_beside_the_language(
    tmp_path: Path
) -> None:
    write(tmp_path, "en", '[a]\nhello = "Hello"\n')
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "admin.toml").write_text('[admin.x]\ntitle = "Admin"\n')
    t = translator(load_catalogues(tmp_path), "en")
    assert (t("a.hello"), t("admin.x.title")) == ("Hello", "Admin")


def test_a_key_defined_in_two_parts_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "en", '[a]\nhello = "Hello"\n')
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "again.toml").write_text('[a]\nhello = "Hi"\n')
    with pytest.raises(CatalogueError, match="already defined"):
        load_catalogues(tmp_path)


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"),
    ("", "en"),
    ("fr", "fr"),
    ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
    ("de-DE,de;q=0.9", "en"),
    ("de;q=0.9,fr;q=0.5", "fr"),
    ("fr;q=0,en", "en"),
    ("en;q=0.2,fr;q=0.9", "fr"),
    ("*", "en"),
    ("fr;q=bad,EN", "en"),
])
def test_the_browsers_language_picks_the_catalogue(header: str | None, expected: str) -> None:
    assert negotiate(header, {"en", "fr"}) == expected
