"""A real Asterisk (one per session) and a real SIP far end (sipp, one per test).

Asterisk runs from a temp runtime folder on free loopback ports and is stopped
by the pid it wrote. The far end listens on 127.0.0.2 (the lab trunk) and
records every SIP message; tests judge privacy on those messages. Asterisk
keeps no log file (every level can carry a number): when it fails to come up,
the error says how to run it in the foreground and see why.

The Asterisk under test is the host's, or the one in ``SAFEDIAL_ASTERISK_ROOT``
(run with chroot). ``SAFEDIAL_TEST_ASTERISK`` (e.g. ``22``) names the major
release the run must be testing; another release is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from gateway.ami.client import AmiCallControl
from gateway.lab.carrier import CARRIER_HOST, LabCarrier
from gateway.lab.carrier import Behaviour as CarrierBehaviour
from gateway.lab.farend import FarEnd
from gateway.lab.scenario import Behaviour
from gateway.pbx.process import Asterisk, PbxError, render
from gateway.selftest.locks import MODES
from gateway.settings import Settings, load_settings
from gateway.storage.db import Database
from gateway.storage.keyring import init_key_file
from gateway.wiring import AppContext, call_control_for
from tests.support.numbers import AGENCY, CANARY, GATEWAY, MASKED
from tests.support.world import POLICY

TRUNK_HOST = "127.0.0.2"

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


#: Every Asterisk a test or fixture started, so a failing test can show their logs.
_STARTED: list[Asterisk] = []
_LOG_SIZES = pytest.StashKey[dict[Path, int]]()
_start_asterisk = Asterisk.start


def _start_and_remember(self: Asterisk, check_config: bool = True) -> int:
    _STARTED.append(self)
    return _start_asterisk(self, check_config)


Asterisk.start = _start_and_remember  # type: ignore[method-assign]


def _messages(asterisk: Asterisk) -> Path:
    return asterisk.layout.log_dir / "messages"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_LOG_SIZES] = {
        _messages(a): _messages(a).stat().st_size for a in _STARTED if _messages(a).exists()}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test shows what each Asterisk logged while it ran (the last 60 lines)."""
    report = yield
    if report.failed:
        before = item.stash.get(_LOG_SIZES, {})
        for asterisk in dict.fromkeys(_STARTED):
            log = _messages(asterisk)
            if not log.exists():
                continue
            with log.open("rb") as handle:
                handle.seek(before.get(log, 0))
                text = handle.read().decode("utf-8", "replace")
            if text.strip():
                tail = "\n".join(text.splitlines()[-60:])
                report.sections.append((f"Asterisk log {log}", tail))
    return report


def _require(binary: str) -> None:
    if shutil.which(binary) is None and not Path(binary).exists():
        pytest.fail(f"{binary} is not installed: run `make deps` (integration tests never skip)")


def asterisk_under_test() -> dict[str, str]:
    """The settings that choose the Asterisk under test (its root, if any)."""
    root = os.environ.get("SAFEDIAL_ASTERISK_ROOT")
    return {"SAFEDIAL_ASTERISK_ROOT": root} if root else {}


def expected_release() -> int | None:
    """The Asterisk major release this run must test (``SAFEDIAL_TEST_ASTERISK``)."""
    wanted = os.environ.get("SAFEDIAL_TEST_ASTERISK")
    return int(wanted) if wanted else None


def require_asterisk(asterisk: Asterisk) -> None:
    try:
        version = asterisk.version()
    except PbxError as exc:
        pytest.fail(f"no usable Asterisk: {exc} (run `make deps`; integration tests never skip)")
    wanted = expected_release()
    if wanted is not None and version.major != wanted:
        pytest.fail(f"this run tests Asterisk {wanted} but found {version}")


def free_port(host: str, kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def free_udp_pair(host: str) -> int:
    """A free even UDP port whose successor is free too (sipp's media port)."""
    for _ in range(50):
        port = free_port(host)
        if port % 2 or port >= 65534:
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind((host, port + 2))
        except OSError:
            continue
        return port
    raise RuntimeError("no free UDP port pair")


def lab_environment(runtime: Path, **overrides: str) -> dict[str, str]:
    env = {
        **asterisk_under_test(),
        "SAFEDIAL_RUNTIME_DIR": str(runtime),
        "SAFEDIAL_SIP_PORT": str(free_port("127.0.0.1")),
        "SAFEDIAL_AMI_PORT": str(free_port("127.0.0.1", socket.SOCK_STREAM)),
        "SAFEDIAL_TRUNK_HOST": TRUNK_HOST,
        "SAFEDIAL_TRUNK_PORT": str(free_udp_pair(TRUNK_HOST)),
        "SAFEDIAL_RTP_START": "31000",  # RTP stays below the kernel's ephemeral
        "SAFEDIAL_RTP_END": "31999",  # ports (32768+), where free_port() picks SIP ports
        "SAFEDIAL_MASKED_NUMBER": MASKED,
        "SAFEDIAL_GATEWAY_NUMBER": GATEWAY,
        "SAFEDIAL_AGENCY_NUMBER": AGENCY,
        # Never the operator's own state: each lab keeps its database and keys beside it.
        "SAFEDIAL_DATABASE_URL": f"sqlite:///{runtime / 'safedial.db'}",
        "SAFEDIAL_KEY_FILE": str(runtime / "keys.json"),
        # A lab: 'call --lab' (raw numbers, no gate) runs only with a lab's settings.
        "SAFEDIAL_LAB": "true",
    }
    env.update(overrides)
    return env


class Pbx:
    """The session's Asterisk with the settings it was rendered from."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.settings: Settings = load_settings(env)
        self.layout = render(self.settings)
        self.asterisk = Asterisk(self.layout, self.settings.asterisk_binary)

    def control(self) -> AmiCallControl:
        return call_control_for(self.settings)

    def cli_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}


@pytest.fixture(scope="session")
def pbx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pbx]:
    _require("sipp")
    runtime = tmp_path_factory.mktemp("pbx")
    instance = Pbx(lab_environment(runtime))
    require_asterisk(instance.asterisk)
    instance.asterisk.start()
    try:
        yield instance
    finally:
        instance.asterisk.stop()


FarEndFactory = Callable[..., FarEnd]


@pytest.fixture
def far_end(pbx: Pbx, tmp_path: Path) -> Iterator[FarEndFactory]:
    """Start the trunk's far end with a behaviour per dialled number."""
    started: list[FarEnd] = []

    def start(behaviours: dict[str, Behaviour], **kwargs: object) -> FarEnd:
        phone = FarEnd(
            tmp_path / f"far-end-{len(started)}",
            TRUNK_HOST,
            pbx.settings.trunk_port,
            behaviours,
            **kwargs,  # type: ignore[arg-type]
        )
        phone.start()
        started.append(phone)
        return phone

    yield start
    for phone in started:
        phone.stop()


class CarrierLab:
    """SafeDial with the lab carrier as its trunk and the phones (a sipp far end) behind it.

    The self-test's canary call goes through the carrier and back; a participant
    call goes through the carrier to the phones, as on a real network.
    """

    def __init__(self, root: Path, *, behaviour: CarrierBehaviour = "honest",
                 carrier_canary: str = CANARY, **overrides: str) -> None:
        carrier_port = free_udp_pair(CARRIER_HOST)
        self.phones_port = free_udp_pair(TRUNK_HOST)
        self.pbx = Pbx(lab_environment(
            root / "gateway", SAFEDIAL_TRUNK_HOST=CARRIER_HOST,
            SAFEDIAL_TRUNK_PORT=str(carrier_port), SAFEDIAL_CANARY_NUMBER=CANARY,
            SAFEDIAL_RTP_START="27000", SAFEDIAL_RTP_END="27499", **overrides))
        self.carrier = LabCarrier(root / "carrier", settings=self.pbx.settings,
                                  port=carrier_port, phones=(TRUNK_HOST, self.phones_port),
                                  canary=carrier_canary, rtp=(27500, 27999),
                                  behaviour=behaviour, keep_log=True)
        self.env = self.pbx.env
        self.settings = self.pbx.settings

    def start(self) -> None:
        require_asterisk(self.pbx.asterisk)
        self.carrier.start()
        try:
            self.pbx.asterisk.start()
        except BaseException:
            self.carrier.stop()
            raise

    def stop(self) -> None:
        self.pbx.asterisk.stop()
        self.carrier.stop()

    def phones(self, folder: Path, behaviours: dict[str, Behaviour]) -> FarEnd:
        """The phones behind the carrier: a sipp far end recording what reached them."""
        phone = FarEnd(folder, TRUNK_HOST, self.phones_port, behaviours)
        phone.start()
        return phone

    def world(self, root: Path, **extra: str) -> AppContext:
        """A fresh database and key file for this lab's gateway (nothing tested yet)."""
        return context_in(root, {**self.env, **extra})


def context_in(folder: Path, env: dict[str, str]) -> AppContext:
    """An app context for a gateway's settings, with its database and key file in ``folder``
    (kept if they are there, e.g. copied from ``selftested``)."""
    env = {**env, "SAFEDIAL_DATABASE_URL": f"sqlite:///{folder / 'safedial.db'}",
           "SAFEDIAL_KEY_FILE": str(folder / "keys.json")}
    settings = load_settings(env)
    if not settings.key_file.exists():
        init_key_file(settings.key_file)
    ctx = AppContext(settings=settings, db=Database(settings.database_url).migrate(),
                     policy=POLICY)
    ctx.env = env  # type: ignore[attr-defined]
    return ctx


@pytest.fixture(scope="session")
def carrier_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CarrierLab]:
    """The session's honest carrier lab."""
    _require("sipp")
    lab = CarrierLab(tmp_path_factory.mktemp("carrier-lab"))
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def selftested(carrier_lab: CarrierLab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database and key file holding a real passing self-test of every mode.

    Run once per session through the real trunk, carrier and canary; tests copy it
    so each starts unlocked the way a real installation gets there.
    """
    return passed_selftest_in(tmp_path_factory.mktemp("selftested"), carrier_lab.env)


def passed_selftest_in(folder: Path, env: dict[str, str]) -> Path:
    """Run a real self-test of every mode for the gateway of ``env``, its database and
    keys in ``folder``; it must pass. Returns ``folder`` for worlds to copy."""
    import asyncio

    ctx = context_in(folder, env)
    try:
        report = asyncio.run(ctx.selftest().run(MODES, trigger="on-demand"))
    finally:
        ctx.close()
    assert report.all_passed, report.judgements
    return folder


@pytest.fixture
def carrier_phones(carrier_lab: CarrierLab, tmp_path: Path) -> Iterator[FarEndFactory]:
    """The phones behind the session's carrier, recording every message that reached them."""
    started: list[FarEnd] = []

    def start(behaviours: dict[str, Behaviour]) -> FarEnd:
        phone = carrier_lab.phones(tmp_path / f"phones-{len(started)}", behaviours)
        started.append(phone)
        return phone

    yield start
    for phone in started:
        phone.stop()


def copy_selftested(selftested: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for name in ("safedial.db", "keys.json"):
        shutil.copy2(selftested / name, into / name)
