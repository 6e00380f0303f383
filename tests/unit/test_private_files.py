"""Files private by default: the state folder is 700, the database 600, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.errors import ConfigurationError
from gateway.settings import load_settings
from gateway.storage.db import Database
from gateway.storage.keyring import init_key_file
from gateway.storage.private import write_private_file
from gateway.wiring import build_context
from tests.support.world import world_environment


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The usual umask, which leaves new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_file_is_600_and_its_folder_700(tmp_path: Path) -> None:
    state = tmp_path / "home" / "state" / "safedial"
    ctx = build_context(load_settings(world_environment(state)))
    ctx.db.dispose()

    assert mode(state / "safedial.db") == 0o600
    assert mode(state) == 0o700
    assert mode(state.parent) == 0o700, "parents SafeDial creates are private too"


def test_the_key_file_folder_is_created_700(tmp_path: Path) -> None:
    init_key_file(tmp_path / "new" / "state" / "keys.json")
    assert mode(tmp_path / "new" / "state") == 0o700
    assert mode(tmp_path / "new") == 0o700


def test_a_database_file_others_can_open_is_refused_at_start_up(tmp_path: Path) -> None:
    Database(f"sqlite:///{tmp_path / 'safedial.db'}").migrate().dispose()
    os.chmod(tmp_path / "safedial.db", 0o644)

    with pytest.raises(ConfigurationError, match=r"open to other users \(mode 0644\)") as refused:
        Database(f"sqlite:///{tmp_path / 'safedial.db'}")
    assert f"chmod 600 {tmp_path / 'safedial.db'}" in str(refused.value)


def test_a_database_folder_others_can_write_to_is_refused_at_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    Database(f"sqlite:///{folder / 'safedial.db'}").migrate().dispose()
    os.chmod(folder, 0o770)  # noqa: S103 (the unsafe folder under test)

    with pytest.raises(ConfigurationError, match="writable by other users"):
        Database(f"sqlite:///{folder / 'safedial.db'}")


def test_an_existing_private_database_opens_as_before(tmp_path: Path) -> None:
    Database(f"sqlite:///{tmp_path / 'safedial.db'}").migrate().dispose()
    Database(f"sqlite:///{tmp_path / 'safedial.db'}").migrate().dispose()
    assert mode(tmp_path / "safedial.db") == 0o600


def test_the_pbx_runtime_folder_and_every_folder_asterisk_writes_are_700(
    tmp_path: Path,
) -> None:
    """Briefings there speak the alias; the AMI secret and the config name the trunk."""
    from gateway.pbx.process import render

    settings = load_settings(world_environment(tmp_path / "state"))
    layout = render(settings)

    assert mode(layout.root) == 0o700
    assert mode(layout.root.parent) == 0o700, "parents SafeDial creates are private too"
    assert {folder.name: mode(folder) for folder in layout.writable_dirs()} == {
        folder.name: 0o700 for folder in layout.writable_dirs()}


def test_a_private_file_is_written_whole_with_mode_600_in_a_private_folder(
    tmp_path: Path
) -> None:
    target = tmp_path / "new" / "mark.json"
    write_private_file(target, b"first")
    write_private_file(target, b"second")
    assert target.read_bytes() == b"second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["mark.json"], "no temporary left"


def test_a_private_file_that_must_not_be_replaced_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "keys.json"
    write_private_file(target, b"the only copy", overwrite=False)
    with pytest.raises(FileExistsError):
        write_private_file(target, b"another", overwrite=False)
    assert target.read_bytes() == b"the only copy"
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]
