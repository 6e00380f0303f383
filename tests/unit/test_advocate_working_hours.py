"""An advocate's working hours: recorded in their own zone (the agency's by default),
shown, changed, and refused when malformed, alike in the services, the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.audit import service as audit
from gateway.cli.main import main
from gateway.domain.windows import parse_window_spec
from gateway.errors import BadInput, ExitCode
from gateway.people import service as people
from gateway.people.inputs import AdvocateFields, parse_input
from gateway.people.records import advocate_facts, get_advocate_row
from gateway.storage.tables import AdvocateRow
from gateway.web.app import create_app
from gateway.wiring import AppContext
from tests.support.numbers import ADVOCATE
from tests.support.world import add_advocate, new_advocate, world_for_cli

BAD_HOURS = [
    ("timezone", "Nowhere/Land", "unknown time zone"),
    ("working_hours", ["mon 25:00-26:00"], "is not a time"),
    ("working_hours", ["someday 09:00-17:00"], "is not a day"),
    ("working_hours", ["mon-fri 09:00-17:00", "mon 16:00-18:00"], "overlap"),
]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """A world on disk that `safedial` finds through its environment."""
    return world_for_cli(tmp_path, monkeypatch)


def show(world: AppContext, advocate_id: str) -> dict[str, Any]:
    with world.db.unit_of_work() as session:
        return people.show_advocate(session, policy=world.policy, advocate_id=advocate_id)


def advocate_count(world: AppContext) -> int:
    with world.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(AdvocateRow)) or 0


def audit_trail(world: AppContext) -> list[tuple[str, tuple[str, ...]]]:
    with world.db.unit_of_work() as session:
        return [(entry.action, entry.fields) for entry in audit.records(session)]


# -- the record ------------------------------------------------------------------------------

def test_working_hours_and_zone_are_stored_and_read_back_as_windows(world: AppContext) -> None:
    advocate_id = add_advocate(world, timezone="Europe/Paris",
                               working_hours=["mon-fri 09:00-17:00", "sat 10:00-12:00"])

    with world.db.unit_of_work() as session:
        facts = advocate_facts(get_advocate_row(session, advocate_id),
                               agency_timezone=world.policy.timezone)
    assert facts.timezone == "Europe/Paris"
    assert facts.working_hours == (*parse_window_spec("mon-fri 09:00-17:00"),
                                   *parse_window_spec("sat 10:00-12:00"))
    view = show(world, advocate_id)
    assert view["timezone"] == "Europe/Paris" and view["timezone_note"] is None
    assert view["working_hours"] == ["mon 09:00-17:00", "tue 09:00-17:00", "wed 09:00-17:00",
                                     "thu 09:00-17:00", "fri 09:00-17:00", "sat 10:00-12:00"]
    assert ("advocate.created", (f"advocate={advocate_id}", "language", "name", "phone", "role",
                                 "timezone", "working_hours")) in audit_trail(world)


def test_an_advocate_without_a_zone_works_in_the_agencys_and_without_hours_at_any_time(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world)

    with world.db.unit_of_work() as session:
        row = get_advocate_row(session, advocate_id)
        assert (row.timezone, row.working_hours) == (None, [])
        facts = advocate_facts(row, agency_timezone=world.policy.timezone)
    assert (facts.timezone, facts.working_hours) == ("America/Toronto", ())
    view = show(world, advocate_id)
    assert view["timezone"] == "America/Toronto"
    assert "agency" in view["timezone_note"]
    assert view["working_hours"] == []
    assert "any time" in view["working_hours_note"]


@pytest.mark.parametrize(("field", "value", "message"), BAD_HOURS,
                         ids=[case[2] for case in BAD_HOURS])
def test_malformed_hours_are_refused_naming_the_field_and_nothing_is_recorded(
    world: AppContext, field: str, value: object, message: str
) -> None:
    before = audit_trail(world)
    with pytest.raises(BadInput, match=f"{field}: .*{message}"):
        new_advocate(phone=ADVOCATE, **{field: value})
    advocate_id = add_advocate(world, timezone="Europe/Paris", working_hours=["mon 09:00-10:00"])
    with pytest.raises(BadInput, match=field):
        parse_input(AdvocateFields, {field: value})

    assert advocate_count(world) == 1
    assert show(world, advocate_id)["working_hours"] == ["mon 09:00-10:00"]
    assert len(audit_trail(world)) == len(before) + 1, "only the good advocate"


def test_changing_hours_is_audited_by_field_name_and_null_zone_means_the_agencys(
    world: AppContext,
) -> None:
    advocate_id = add_advocate(world, timezone="Europe/Paris", working_hours=["mon 09:00-10:00"])
    with world.db.unit_of_work() as session:
        changed = people.update_advocate(
            session, actor="admin-1", advocate_id=advocate_id,
            fields=parse_input(AdvocateFields, {"timezone": None, "working_hours": []}),
            callbacks=world.callbacks())

    assert changed == ["timezone", "working_hours"]
    assert audit_trail(world)[-1] == ("advocate.updated",
                                      (f"advocate={advocate_id}", "timezone", "working_hours"))
    view = show(world, advocate_id)
    assert (view["timezone"], view["working_hours"]) == ("America/Toronto", [])


# -- the CLI --------------------------------------------------------------------------------

def test_the_cli_records_shows_and_changes_an_advocates_hours(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["advocate", "add", "--name", "Sam", "--phone", ADVOCATE,
                 "--timezone", "America/Vancouver",
                 "--working-hours", "mon-fri 09:00-13:00",
                 "--working-hours", "sat 10:00-12:00"]) == ExitCode.OK
    advocate_id = capsys.readouterr().out.strip()
    assert main(["advocate", "show", advocate_id]) == ExitCode.OK
    shown = json.loads(capsys.readouterr().out)
    assert shown["timezone"] == "America/Vancouver"
    assert shown["working_hours"][0] == "mon 09:00-13:00" and len(shown["working_hours"]) == 6

    assert main(["advocate", "update", advocate_id, "--timezone", "Europe/Paris",
                 "--no-working-hours"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["changed"] == ["timezone", "working_hours"]
    assert main(["admin", "show", advocate_id]) == ExitCode.OK
    shown = json.loads(capsys.readouterr().out)
    assert (shown["timezone"], shown["working_hours"]) == ("Europe/Paris", [])


def test_an_admin_is_added_with_hours_too(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "add", "--name", "Ana", "--phone", ADVOCATE,
                 "--working-hours", "mon 09:00-17:00"]) == ExitCode.OK
    admin_id = capsys.readouterr().out.strip()
    view = show(world, admin_id)
    assert (view["role"], view["timezone"], view["working_hours"]) == (
        "admin", "America/Toronto", ["mon 09:00-17:00"])


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--timezone", "Nowhere/Land", "timezone: unknown time zone"),
    ("--working-hours", "mon 25:00-26:00", "working_hours: "),
])
def test_bad_hours_on_the_command_line_are_bad_input_and_change_nothing(
    world: AppContext, capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    assert main(["advocate", "add", "--name", "Sam", "--phone", ADVOCATE,
                 flag, value]) == ExitCode.BAD_INPUT
    assert message in capsys.readouterr().err
    assert advocate_count(world) == 0

    advocate_id = add_advocate(world, working_hours=["mon 09:00-10:00"])
    assert main(["advocate", "update", advocate_id, flag, value]) == ExitCode.BAD_INPUT
    assert message in capsys.readouterr().err
    view = show(world, advocate_id)
    assert (view["timezone"], view["working_hours"]) == ("America/Toronto", ["mon 09:00-10:00"])


def test_new_hours_and_no_hours_at_once_is_bad_usage(
    world: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    advocate_id = add_advocate(world)
    with pytest.raises(SystemExit) as refused:
        main(["advocate", "update", advocate_id, "--working-hours", "mon 09:00-10:00",
              "--no-working-hours"])
    assert refused.value.code == ExitCode.BAD_INPUT
    assert "not allowed with" in capsys.readouterr().err


# -- the API --------------------------------------------------------------------------------

def token_for(world: AppContext, role: str) -> dict[str, str]:
    advocate_id = add_advocate(world, role=role)
    with world.db.unit_of_work() as session:
        token = people.issue_token(session, actor="test", advocate_id=advocate_id)
    return {"Authorization": f"Bearer {token}"}


def test_the_api_records_shows_and_changes_an_advocates_hours(world: AppContext) -> None:
    with TestClient(create_app(world, run_scheduler=False)) as client:
        admin = token_for(world, "admin")
        created = client.post("/api/advocates", headers=admin, json={
            "name": "Sam", "phone": ADVOCATE, "timezone": "Europe/Paris",
            "working_hours": ["mon-fri 09:00-17:00"]})
        assert created.status_code == 201
        advocate_id = created.json()["id"]
        shown = client.get(f"/api/advocates/{advocate_id}", headers=admin).json()
        assert shown["name"] == "Sam" and shown["active"] is True
        assert shown["timezone"] == "Europe/Paris"
        assert len(shown["working_hours"]) == 5

        changed = client.patch(f"/api/advocates/{advocate_id}", headers=admin,
                               json={"working_hours": ["sat 10:00-12:00"]})
        assert changed.json() == {"id": advocate_id, "changed": ["working_hours"]}
        shown = client.get(f"/api/advocates/{advocate_id}", headers=admin).json()
        assert shown["working_hours"] == ["sat 10:00-12:00"]
        assert shown["timezone"] == "Europe/Paris", "what was not sent is not changed"


@pytest.mark.parametrize(("field", "value", "message"), BAD_HOURS,
                         ids=[case[2] for case in BAD_HOURS])
def test_the_api_refuses_malformed_hours_with_422_and_changes_nothing(
    world: AppContext, field: str, value: object, message: str
) -> None:
    with TestClient(create_app(world, run_scheduler=False)) as client:
        admin = token_for(world, "admin")
        refused = client.post("/api/advocates", headers=admin,
                              json={"name": "Sam", "phone": ADVOCATE, field: value})
        assert refused.status_code == 422
        assert refused.json()["error_id"] == "bad-input"
        assert field in refused.json()["message"]
        assert advocate_count(world) == 1, "only the admin"

        advocate_id = add_advocate(world, working_hours=["mon 09:00-10:00"])
        refused = client.patch(f"/api/advocates/{advocate_id}", headers=admin,
                               json={field: value})
        assert refused.status_code == 422
        assert show(world, advocate_id)["working_hours"] == ["mon 09:00-10:00"]


def test_only_admins_change_working_hours(world: AppContext) -> None:
    advocate_id = add_advocate(world)
    with TestClient(create_app(world, run_scheduler=False)) as client:
        refused = client.patch(f"/api/advocates/{advocate_id}",
                               headers=token_for(world, "advocate"),
                               json={"working_hours": ["mon 09:00-10:00"]})
    assert refused.status_code == 403
    assert show(world, advocate_id)["working_hours"] == []
