"""PhoneNumber: the digits only come out through ``.e164``."""

from __future__ import annotations

import copy
import logging

import pytest

from gateway.phone import InvalidPhoneNumber, PhoneNumber

NUMBER = "+12025550123"
DIGIT_FORMS = ("+12025550123", "12025550123", "2025550123", "5550123")


def _shows_no_digits(text: str) -> bool:
    return not any(form in text for form in DIGIT_FORMS)


@pytest.mark.parametrize(
    "render",
    [
        pytest.param(str, id="str"),
        pytest.param(repr, id="repr"),
        pytest.param(lambda n: f"{n}", id="f-string"),
        pytest.param(lambda n: f"{n!r}", id="f-string-repr"),
        pytest.param(lambda n: f"{n:>40}", id="f-string-with-spec"),
        pytest.param(lambda n: format(n, ""), id="format"),
        pytest.param(lambda n: "{}".format(n), id="str.format"),  # noqa: UP032
        pytest.param(lambda n: "%s" % n, id="percent-s"),  # noqa: UP031
        pytest.param(lambda n: "%r" % n, id="percent-r"),  # noqa: UP031
        pytest.param(lambda n: str([n]), id="inside-a-list"),
        pytest.param(lambda n: str({"to": n}), id="inside-a-dict"),
        pytest.param(lambda n: str(ValueError(n)), id="inside-an-exception"),
    ],
)
def test_no_text_form_of_a_number_shows_its_digits(render):
    assert _shows_no_digits(render(PhoneNumber(NUMBER)))


def test_a_logged_number_is_redacted(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("safedial.test").info(
            "calling %s (%r)", PhoneNumber(NUMBER), PhoneNumber(NUMBER)
        )
    assert "redacted" in caplog.text
    assert _shows_no_digits(caplog.text)


def test_e164_gives_the_real_number():
    assert PhoneNumber(NUMBER).e164 == NUMBER


def test_a_page_may_show_only_the_last_two_digits():
    assert PhoneNumber(NUMBER).last_two == "23"


def test_national_tail_is_the_last_seven_digits():
    assert PhoneNumber(NUMBER).national_tail == "5550123"


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("+1 202 555 0123", id="spaces"),
        pytest.param("+1-202-555-0123", id="dashes"),
        pytest.param("+1.202.555.0123", id="dots"),
        pytest.param("+1 (202) 555-0123", id="brackets"),
        pytest.param("  +12025550123\n", id="surrounding-whitespace"),
        pytest.param("+1\t202\t555\t0123", id="tabs"),
    ],
)
def test_separators_are_stripped(written):
    assert PhoneNumber(written).e164 == NUMBER


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2025550123", id="no-plus"),
        pytest.param("0012025550123", id="international-prefix-instead-of-plus"),
        pytest.param("+02025550123", id="country-code-starting-with-0"),
        pytest.param("+120255", id="too-short"),
        pytest.param("+1202555012345678", id="too-long"),
        pytest.param("+1202555O123", id="letter-o-for-zero"),
        pytest.param("+1 202 555 0123 ext 4", id="extension"),
        pytest.param("+1/202/555/0123", id="slashes"),
        pytest.param("", id="empty"),
        pytest.param("+1", id="country-code-only"),
        pytest.param("+١٢٠٢٥٥٥٠١٢٣", id="non-ascii-digits"),
    ],
)
def test_a_malformed_number_is_refused_without_repeating_it(text):
    with pytest.raises(InvalidPhoneNumber) as caught:
        PhoneNumber(text)
    message = str(caught.value)
    assert "E.164" in message
    assert not text or text not in message
    assert "2025550" not in message


@pytest.mark.parametrize(
    "value", [12025550123, None, b"+12025550123"], ids=["int", "none", "bytes"]
)
def test_a_non_text_value_is_refused(value):
    with pytest.raises(InvalidPhoneNumber):
        PhoneNumber(value)


def test_invalid_phone_number_is_a_value_error():
    assert issubclass(InvalidPhoneNumber, ValueError)


def test_the_same_number_written_two_ways_is_equal_and_hashes_alike():
    a, b = PhoneNumber("+1 (202) 555-0123"), PhoneNumber(NUMBER)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_different_numbers_are_not_equal():
    assert PhoneNumber(NUMBER) != PhoneNumber("+12025550124")


def test_a_number_never_equals_its_own_text():
    assert PhoneNumber(NUMBER) != NUMBER
    assert NUMBER != PhoneNumber(NUMBER)  # noqa: SIM300 - the reflected comparison is the point


def test_a_copied_number_keeps_its_digits():
    assert copy.deepcopy(PhoneNumber(NUMBER)).e164 == NUMBER


def _read(text: str) -> str:
    try:
        return PhoneNumber(text).e164
    except InvalidPhoneNumber:
        return "refused"


def test_a_bracketed_trunk_prefix_never_ends_up_in_the_dialled_number():
    assert _read("+44 (0)20 7946 0958") in {"+442079460958", "refused"}
