"""The audit log shows any edit made after the fact, and survives retention purges."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gateway.storage.auditchain import (
    GENESIS,
    AuditRecord,
    BrokenChainError,
    checkpoint_for_purge,
    entry_hash,
    next_record,
    verify_chain,
)
from tests.support.numbers import PARTICIPANT, number_forms

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _day(n: int) -> str:
    return _iso(START + timedelta(days=n))


def _append(records: list[AuditRecord], day: int, action: str = "participant.updated") -> None:
    records.append(
        next_record(
            records[-1] if records else None,
            at=_day(day),
            actor="advocate-7",
            participant=f"p-{day % 3}",
            action=action,
            fields=("code_word", "windows"),
        )
    )


def _chain(days: int) -> list[AuditRecord]:
    """One entry a day, record n written on day n-1."""
    records: list[AuditRecord] = []
    for day in range(days):
        _append(records, day)
    return records


def _purge(records: list[AuditRecord], before_day: int, at_day: int) -> list[AuditRecord]:
    """What the database holds after the purge: delete the seqs, insert the checkpoint."""
    seqs, checkpoint = checkpoint_for_purge(records, before=_day(before_day), at=_day(at_day))
    if not seqs:
        return list(records)
    kept = [record for record in records if record.seq not in seqs]
    return sorted([*kept, checkpoint], key=lambda record: record.seq)


def _rehash(record: AuditRecord) -> AuditRecord:
    digest = entry_hash(
        record.prev_hash, record.seq, record.at, record.actor, record.participant,
        record.action, record.fields, record.kind,
    )  # fmt: skip
    return replace(record, hash=digest)


# --- a chain as written ----------------------------------------------------------------------


def test_a_chain_as_written_verifies() -> None:
    check = verify_chain(_chain(6))
    assert (check.ok, check.checked, check.problem, check.bad_seq) == (True, 6, None, None)


def test_an_empty_log_verifies() -> None:
    assert verify_chain([]).ok


def test_the_first_entry_follows_genesis_and_each_next_links_to_the_last() -> None:
    first, second = _chain(2)
    assert (first.seq, first.prev_hash, first.kind) == (1, GENESIS, "entry")
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_the_hash_is_sha256_over_canonical_json() -> None:
    canonical = (
        '{"action":"participant.created","actor":"advocate-7","at":"2024-03-01T12:00:00+00:00",'
        '"fields":["phone"],"kind":"entry","participant":"p-1","prev_hash":"' + GENESIS + '",'
        '"seq":1}'
    )
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert entry_hash(
        GENESIS, 1, "2024-03-01T12:00:00+00:00", "advocate-7", "p-1",
        "participant.created", ("phone",), "entry",
    ) == expected  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [PARTICIPANT, "2025550122", "bluebird code", "phone=x", "phone=5550122", "phone=+1", ""],
)
def test_fields_hold_names_never_values(value: str) -> None:
    with pytest.raises(ValueError, match="never values") as caught:
        next_record(None, at=_day(0), actor="a", participant="p", action="x", fields=(value,))
    assert not any(form in str(caught.value) for form in number_forms(PARTICIPANT))


@pytest.mark.parametrize("name", ["phone", "code_word", "windows.monday", "records=2"])
def test_fields_accept_names_and_small_counts(name: str) -> None:
    record = next_record(None, at=_day(0), actor="a", participant="p", action="x", fields=(name,))
    assert record.fields == (name,)


@pytest.mark.parametrize("subject", ["advocate=a_1f2e3d4c5b6a", "token=tok_0a1b2c3d4e5f"])
def test_fields_may_name_the_subject_by_its_generated_id(subject: str) -> None:
    record = next_record(None, at=_day(0), actor="a", participant=None, action="x",
                         fields=(subject,))
    assert record.fields == (subject,)


@pytest.mark.parametrize("value", [f"advocate={PARTICIPANT}", "advocate=a_Sam",
                                   "advocate=a_1f2e3d4c5b6a7", "token=a_1f2e3d4c5b6a",
                                   "participant=p_1f2e3d4c5b6a", "token=sd_secret"])
def test_only_advocate_and_token_ids_may_follow_a_name_and_only_in_id_form(value: str) -> None:
    with pytest.raises(ValueError, match="never values"):
        next_record(None, at=_day(0), actor="a", participant=None, action="x", fields=(value,))


def test_fields_must_be_a_sequence_of_names_not_one_string() -> None:
    with pytest.raises(TypeError):
        next_record(None, at=_day(0), actor="a", participant="p", action="x", fields="phone")


@pytest.mark.parametrize("at", ["2024-03-01T12:00:00", "2024-03-01T12:00:00+01:00", "yesterday"])
def test_entry_times_are_utc(at: str) -> None:
    with pytest.raises(ValueError, match="at must be an ISO 8601 time"):
        next_record(None, at=at, actor="a", participant="p", action="x", fields=())


def test_checkpoints_are_not_appended_like_entries() -> None:
    with pytest.raises(ValueError, match="checkpoint_for_purge"):
        next_record(
            None, at=_day(0), actor="a", participant=None, action="x", fields=(), kind="checkpoint"
        )


# --- tampering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        {"actor": "someone-else"},
        {"participant": "p-other"},
        {"participant": None},
        {"action": "participant.erased"},
        {"fields": ("code_word",)},
        {"at": _day(30)},
        {"kind": "checkpoint"},
    ],
    ids=lambda edit: next(iter(edit)),
)
def test_editing_a_field_breaks_the_chain_at_that_entry(edit: dict[str, object]) -> None:
    records = _chain(6)
    records[2] = replace(records[2], **edit)  # type: ignore[arg-type]
    check = verify_chain(records)
    assert (check.ok, check.bad_seq, check.checked) == (False, 3, 2)
    assert check.problem is not None


def test_recomputing_an_edited_entrys_hash_breaks_the_chain_at_the_next_entry() -> None:
    records = _chain(6)
    records[2] = _rehash(replace(records[2], actor="someone-else"))
    check = verify_chain(records)
    assert (check.ok, check.bad_seq) == (False, 4)
    assert "does not link to record 3" in (check.problem or "")


def test_deleting_a_middle_record_breaks_the_chain() -> None:
    records = _chain(6)
    del records[3]
    check = verify_chain(records)
    assert (check.ok, check.bad_seq) == (False, 5)
    assert "missing" in (check.problem or "")


def test_deleting_the_first_record_breaks_the_chain() -> None:
    check = verify_chain(_chain(6)[1:])
    assert (check.ok, check.bad_seq) == (False, 2)
    assert "earlier records are missing" in (check.problem or "")


def test_deleting_the_last_record_is_not_visible_in_the_chain_alone() -> None:
    # Documented limit: only a copy of the latest hash kept elsewhere shows a cut-off tail.
    assert verify_chain(_chain(6)[:-1]).ok


def test_reordering_records_breaks_the_chain() -> None:
    records = _chain(6)
    records[2], records[3] = records[3], records[2]
    check = verify_chain(records)
    assert (check.ok, check.bad_seq) == (False, 4)


def test_inserting_a_record_breaks_the_chain() -> None:
    records = _chain(6)
    forged = next_record(
        records[2], at=_day(2), actor="intruder", participant="p-1", action="x", fields=()
    )
    records.insert(3, forged)
    check = verify_chain(records)
    assert (check.ok, check.bad_seq) == (False, 4)
    assert check.checked == 4  # the forgery itself links correctly; what follows it does not


def test_replacing_a_record_with_a_correctly_linked_forgery_breaks_the_next_link() -> None:
    records = _chain(6)
    records[3] = next_record(
        records[2], at=_day(3), actor="intruder", participant="p-1", action="x", fields=()
    )
    check = verify_chain(records)
    assert (check.ok, check.bad_seq) == (False, 5)


# --- retention -------------------------------------------------------------------------------


def test_after_a_purge_the_remaining_log_still_verifies() -> None:
    remaining = _purge(_chain(10), before_day=4, at_day=20)
    assert [r.seq for r in remaining] == [4, 5, 6, 7, 8, 9, 10]
    assert remaining[0].kind == "checkpoint"
    assert verify_chain(remaining).ok


def test_a_purge_deletes_only_records_older_than_the_cutoff() -> None:
    records = _chain(10)
    seqs, checkpoint = checkpoint_for_purge(records, before=_day(4), at=_day(20))
    assert seqs == [1, 2, 3, 4]  # days 0..3
    assert checkpoint.seq == 4
    assert checkpoint.prev_hash == checkpoint.hash == records[3].hash
    assert (checkpoint.action, checkpoint.participant, checkpoint.at) == ("purged", None, _day(20))
    assert checkpoint.fields == ("count=4", f"before={_day(4)}")


def test_a_purge_keeps_everything_after_the_first_record_inside_retention() -> None:
    # a late clock: record 4 is newer than the cutoff, record 5 (days earlier) is not
    records = _chain(3)
    _append(records, 9)
    _append(records, 3)
    seqs, _ = checkpoint_for_purge(records, before=_day(5), at=_day(20))
    assert seqs == [1, 2, 3]


@pytest.mark.parametrize("index", range(7))
def test_tampering_with_any_remaining_record_after_a_purge_fails(index: int) -> None:
    remaining = _purge(_chain(10), before_day=4, at_day=20)
    target = remaining[index]
    if target.kind == "checkpoint":
        remaining[index] = replace(target, hash="f" * 64, prev_hash="f" * 64)
    else:
        remaining[index] = replace(target, action="participant.erased")
    check = verify_chain(remaining)
    assert not check.ok
    assert check.bad_seq in (target.seq, target.seq + 1)


def test_a_checkpoint_in_the_middle_fails() -> None:
    records = _chain(10)
    _, checkpoint = checkpoint_for_purge(records[:5], before=_day(5), at=_day(20))
    records[4] = checkpoint  # same seq and anchor as the record it stands in for
    check = verify_chain(records)
    assert (check.ok, check.bad_seq) == (False, 5)
    assert "can only be the first record" in (check.problem or "")


def test_a_checkpoint_whose_anchor_is_not_its_own_hash_fails() -> None:
    remaining = _purge(_chain(10), before_day=4, at_day=20)
    remaining[0] = replace(remaining[0], prev_hash=GENESIS)
    assert verify_chain(remaining).bad_seq == 4


def test_a_second_purge_replaces_the_first_checkpoint() -> None:
    remaining = _purge(_chain(10), before_day=4, at_day=20)
    seqs, checkpoint = checkpoint_for_purge(remaining, before=_day(7), at=_day(21))
    assert seqs == [4, 5, 6, 7]
    assert checkpoint.fields[0] == "count=3"  # entries; the old checkpoint is not counted
    again = _purge(remaining, before_day=7, at_day=21)
    assert [r.seq for r in again] == [7, 8, 9, 10]
    assert verify_chain(again).ok


def test_purging_everything_leaves_a_checkpoint_new_entries_can_follow() -> None:
    remaining = _purge(_chain(5), before_day=30, at_day=31)
    assert [(r.seq, r.kind) for r in remaining] == [(5, "checkpoint")]
    _append(remaining, 32)
    assert remaining[-1].seq == 6
    assert verify_chain(remaining).ok


def test_nothing_older_than_the_cutoff_means_nothing_to_purge() -> None:
    records = _chain(5)
    seqs, placeholder = checkpoint_for_purge(records, before=_day(0), at=_day(20))
    assert seqs == []
    assert placeholder.fields[0] == "count=0"
    assert checkpoint_for_purge([], before=_day(0), at=_day(20))[0] == []
    remaining = _purge(records, before_day=2, at_day=20)
    assert checkpoint_for_purge(remaining, before=_day(2), at=_day(21))[0] == []


def test_a_broken_chain_is_not_purged_so_evidence_stays() -> None:
    records = _chain(10)
    records[1] = replace(records[1], actor="someone-else")
    with pytest.raises(BrokenChainError, match="nothing was purged") as caught:
        checkpoint_for_purge(records, before=_day(5), at=_day(20))
    assert caught.value.check.bad_seq == 2


def test_purge_times_are_utc() -> None:
    with pytest.raises(ValueError, match="before must be an ISO 8601 time in UTC"):
        checkpoint_for_purge(_chain(3), before="2024-03-05T00:00:00", at=_day(20))
