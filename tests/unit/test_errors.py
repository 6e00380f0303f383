"""One error tree: every error carries its id, exit code and HTTP status; CLI and API agree."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import gateway
from gateway import errors as errors_module
from gateway.calls.gate import CallRefused
from gateway.cli import main as cli
from gateway.cli import pbx_cmd
from gateway.domain.decision import Decision, Reason
from gateway.errors import ExitCode, SafeDialError
from gateway.pbx.guard import Finding, UnsafeConfig
from gateway.storage.auditchain import BrokenChainError, ChainCheck
from gateway.web import errors as web_errors


def _import_every_gateway_module() -> None:
    """Import the whole package, so subclasses defined next to their code are seen."""
    for module in pkgutil.walk_packages(gateway.__path__, prefix="gateway."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)


def _subclasses(base: type[SafeDialError]) -> Iterator[type[SafeDialError]]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


_import_every_gateway_module()
ERRORS = sorted({c for c in _subclasses(SafeDialError) if c.__module__.startswith("gateway.")},
                key=lambda c: c.__name__)


def test_the_tree_holds_the_errors_that_used_to_live_outside_it() -> None:
    names = {error.__name__ for error in ERRORS}
    assert {"UnsafeConfig", "PbxError", "KeyFileError", "DecryptionError", "SettingsError",
            "PolicyFileError", "BrokenChainError", "PromptError",
            "DatabaseUnavailable"} <= names


@pytest.mark.parametrize("error", ERRORS, ids=lambda c: c.__name__)
def test_every_error_has_an_id_an_exit_code_and_an_http_status(
    error: type[SafeDialError],
) -> None:
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", error.error_id), "a stable slug"
    assert error.error_id != SafeDialError.error_id, "a kind of its own, not the root's"
    assert isinstance(error.exit_code, ExitCode)
    assert error.exit_code in {2, 3, 4, 5}, "the contract: 2 input, 3 refused, 4 down, 5 dial"
    assert isinstance(error.http_status, int)
    assert 400 <= error.http_status <= 599


def test_an_error_id_names_one_kind_of_problem() -> None:
    """An id is shared only below one class (finer causes of its problem), never across."""
    for error_id in {error.error_id for error in ERRORS}:
        sharing = [error for error in ERRORS if error.error_id == error_id]
        owners = [owner for owner in sharing if all(issubclass(e, owner) for e in sharing)]
        assert owners, f"{error_id} names unrelated errors: {sharing}"


def test_exit_code_and_http_status_agree_on_the_kind_of_failure() -> None:
    """Unavailable is 503 everywhere; refused is 409; could not originate is 502."""
    for error in ERRORS:
        if error.exit_code == ExitCode.UNAVAILABLE:
            assert error.http_status == 503, error.__name__
        if error.exit_code == ExitCode.REFUSED:
            assert error.http_status == 409, error.__name__
        if error.exit_code == ExitCode.ORIGINATE_FAILED:
            assert error.http_status == 502, error.__name__


SPECIAL: dict[type[SafeDialError], Callable[[], SafeDialError]] = {
    UnsafeConfig: lambda: UnsafeConfig([Finding("pjsip.conf", "trunk", "send_pai", "on")]),
    BrokenChainError: lambda: BrokenChainError(
        ChainCheck(ok=False, checked=1, problem="hash mismatch", bad_seq=2)),
    CallRefused: lambda: CallRefused(Decision(
        allowed=False, reasons=(Reason("outside-window", "outside the safe window"),),
        next_safe_time=None, dial=None)),
}


def _instance(error: type[SafeDialError]) -> SafeDialError:
    return SPECIAL[error]() if error in SPECIAL else error("something is wrong")


def _through_the_cli(exc: SafeDialError, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    def fail(_args: object) -> int:
        raise exc

    monkeypatch.setattr(pbx_cmd, "_status", fail)
    code = cli.main(["pbx", "status"])
    return code, capsys.readouterr().err


def _through_the_api(exc: SafeDialError) -> tuple[int, dict[str, object]]:
    app = FastAPI()
    web_errors.install(app)

    @app.get("/api/fail")
    def fail() -> None:
        raise exc

    with TestClient(app) as client:
        response = client.get("/api/fail")
    body: dict[str, object] = response.json()
    return response.status_code, body


@pytest.mark.parametrize("error", ERRORS, ids=lambda c: c.__name__)
def test_the_cli_and_the_api_report_an_error_from_the_same_tree_entry(
    error: type[SafeDialError], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    exc = _instance(error)
    code, stderr = _through_the_cli(exc, monkeypatch, capsys)
    status, body = _through_the_api(exc)

    assert (code, status) == (error.exit_code, error.http_status)
    assert body["error_id"] == error.error_id
    assert stderr == f"safedial: {body['message']}\n", "the same words on both"
    assert "Traceback" not in stderr


@pytest.mark.parametrize("error", ERRORS, ids=lambda c: c.__name__)
def test_the_tree_drawn_in_gateway_errors_matches_the_classes(error: type[SafeDialError]) -> None:
    """The drawing is what developers read: it must not drift from the code."""
    drawn = re.search(rf"── {error.__name__}\*?\s+(\S+)\s+(\d)\s+(\d{{3}})\s",
                      errors_module.__doc__ or "")
    assert drawn is not None, f"{error.__name__} is missing from the tree"
    assert drawn.groups() == (error.error_id, str(int(error.exit_code)), str(error.http_status))
    parent = error.__mro__[1]
    assert parent.__name__ in (errors_module.__doc__ or ""), "drawn under its parent"


def test_the_readme_table_lists_every_error_id_with_its_exit_code_and_status() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = {match[0]: (int(match[1]), int(match[2])) for match in
            re.findall(r"^\| `([a-z-]+)` \| (\d) \| (\d{3}) \|", readme, flags=re.MULTILINE)}
    expected = {error.error_id: (int(error.exit_code), error.http_status) for error in ERRORS}
    assert rows == expected
