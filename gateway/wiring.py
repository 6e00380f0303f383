"""The one wiring point: settings, database, policy, keys, scheduler and services.

Routes, CLI commands and jobs get their services from here; the services get
the ports they use (database, keys, call control, job store), never this
context itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from gateway.ami.client import AmiCallControl
from gateway.callbacks import jobs as callback_jobs
from gateway.callbacks.runner import CallbackRunner
from gateway.callbacks.service import Callbacks
from gateway.calls import jobs as call_jobs
from gateway.calls.book import CallBook
from gateway.calls.gate import CallGate
from gateway.domain.policy import AgencyPolicy
from gateway.pbx import guard
from gateway.pbx.process import layout_for
from gateway.pbx.render import ami_secret
from gateway.policyfile import load_policy
from gateway.scheduling.scheduler import Scheduler
from gateway.settings import Settings, get_settings
from gateway.storage.db import Database
from gateway.storage.keyring import KeyRing


def call_control_for(settings: Settings) -> AmiCallControl:
    """AMI call control for the private PBX these settings describe (needs no database)."""
    layout = layout_for(settings)
    return AmiCallControl(
        host="127.0.0.1",
        port=settings.ami_port,
        username=settings.ami_user,
        secret=ami_secret(settings, layout),
        advocate_caller_id=settings.advocate_display_number.e164,
        pbx_path=layout.inside,
    )


def verify_pbx_safe_for(settings: Settings) -> None:
    """Run the leak guard on the config the running PBX was started from.

    Judged by the strictest defaults of every known release: a config that
    passes here passes for whichever release is running.
    """
    guard.check_directory(layout_for(settings).etc)


@dataclass
class AppContext:
    """Everything services need, built once per process (or per test)."""

    settings: Settings
    db: Database
    policy: AgencyPolicy
    #: Calls placed by this process (the API's ``GET /api/calls/{id}``).
    call_book: CallBook = field(default_factory=CallBook)

    def __post_init__(self) -> None:
        #: The process's one scheduler; stores jobs on first use, runs them after start_jobs().
        self.scheduler = Scheduler(self.db.engine, services=self)

    @cached_property
    def keys(self) -> KeyRing:
        """The key ring, loaded on first use (commands that need no secret work without it)."""
        return KeyRing.load(self.settings.key_file)

    def call_control(self) -> AmiCallControl:
        return call_control_for(self.settings)

    def verify_pbx_safe(self) -> None:
        verify_pbx_safe_for(self.settings)

    # -- services ------------------------------------------------------------------------
    def callbacks(self) -> Callbacks:
        return Callbacks(db=self.db, limits=self.policy.callback, jobs=self.scheduler)

    def gate(self) -> CallGate:
        return CallGate(db=self.db, policy=self.policy, settings=self.settings,
                        keys=lambda: self.keys, connect=self.call_control,
                        verify_pbx_safe=self.verify_pbx_safe, outcomes=self.callbacks())

    def callback_runner(self) -> CallbackRunner:
        return CallbackRunner(callbacks=self.callbacks(), gate=self.gate())

    # -- life cycle ----------------------------------------------------------------------
    def start_jobs(self) -> None:
        """Run scheduled work in this process (the server): each feature registers its jobs."""
        for feature in (callback_jobs, call_jobs):
            feature.register(self.scheduler, self)
        self.scheduler.start(run_jobs=True)

    def close(self) -> None:
        self.scheduler.shutdown()
        self.db.dispose()


def build_context(settings: Settings | None = None) -> AppContext:
    """Settings, policy and database for one process, built once at its start.

    Commands and ``serve`` migrate the schema here, once; nothing else does (jobs
    get this context's services, they never build their own).
    """
    settings = settings or get_settings()
    policy = load_policy(settings.policy_file)
    db = Database(settings.database_url).migrate()
    return AppContext(settings=settings, db=db, policy=policy)
