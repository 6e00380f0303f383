"""The one wiring point: settings, database, policy, keys, scheduler and services.

Routes, CLI commands and jobs get their services from here; the services get
the ports they use (database, keys, call control, job store), never this
context itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from gateway.ami.canary import AmiCanaryProbe
from gateway.ami.client import AmiCallControl
from gateway.callbacks import jobs as callback_jobs
from gateway.callbacks.runner import CallbackRunner
from gateway.callbacks.service import Callbacks
from gateway.calls import jobs as call_jobs
from gateway.calls.book import CallBook
from gateway.calls.gate import CallGate
from gateway.domain.policy import AgencyPolicy
from gateway.errors import BadInput
from gateway.pbx import guard
from gateway.pbx.process import known_numbers, layout_for
from gateway.pbx.render import ami_secret
from gateway.people import keybinding
from gateway.people import service as people_service
from gateway.phone import PhoneNumber
from gateway.policyfile import load_policy
from gateway.scheduling.scheduler import Scheduler
from gateway.selftest import jobs as selftest_jobs
from gateway.selftest.alerts import Alerts
from gateway.selftest.locks import PrivacyLocks
from gateway.selftest.runs import SelftestRuns
from gateway.selftest.service import CanaryProbe, SelfTest
from gateway.settings import Settings, get_settings
from gateway.storage.audit_mark import AuditMark
from gateway.storage.db import Database
from gateway.storage.keyring import KeyRing
from gateway.web_auth import jobs as web_auth_jobs

log = logging.getLogger(__name__)


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


def verify_pbx_safe_for(settings: Settings,
                        personal_role: Callable[[str], str | None] | None = None) -> None:
    """Run the leak guard on the config the running PBX was started from.

    Judged by the strictest defaults of every known release: a config that
    passes here passes for whichever release is running. ``personal_role``
    (the pre-call check has it) also refuses any advocate's or participant's
    number written into the dialplan.
    """
    layout = layout_for(settings)
    guard.check_directory(layout.etc, seen_as=layout.inside(layout.etc),
                          known=known_numbers(settings, personal_role=personal_role))


@dataclass
class AppContext:
    """Everything services need, built once per process (or per test)."""

    settings: Settings
    db: Database
    policy: AgencyPolicy
    #: Calls placed by this process (the API's ``GET /api/calls/{id}``).
    call_book: CallBook = field(default_factory=CallBook)
    #: Self-test runs started on demand by this process.
    selftest_runs: SelftestRuns = field(default_factory=SelftestRuns)

    def __post_init__(self) -> None:
        #: The process's one scheduler; stores jobs on first use, runs them after start_jobs().
        self.scheduler = Scheduler(self.db.engine, services=self)
        self.db.audit_key = self._audit_key
        self.db.audit_mark = AuditMark.beside(self.settings.key_file)

    def _audit_key(self, session: Session) -> bytes:
        """The audit chain's key, for an entry written in ``session``.

        Checked against the database in that same session when the keys are not loaded
        yet: a second connection would wait for the lock this one may already hold.
        """
        if "keys" in self.__dict__:  # the cached ring, already checked
            return self.keys.audit_key
        return keybinding.keys_for(session, self.settings.key_file).audit_key

    @cached_property
    def keys(self) -> KeyRing:
        """The key ring, loaded on first use: commands that neither read a secret nor write
        the audit log (keyed by the key file) work without it.

        Refused unless it is the key file this database's values were written with.
        """
        return keybinding.open_keys(self.db, self.settings.key_file)

    def call_control(self) -> AmiCallControl:
        return call_control_for(self.settings)

    def verify_pbx_safe(self) -> None:
        keys = self.keys

        def role(e164: str) -> str | None:
            with self.db.unit_of_work() as session:
                return people_service.personal_number_role(session, keys=keys, e164=e164)

        verify_pbx_safe_for(self.settings, personal_role=role)

    # -- services ------------------------------------------------------------------------
    def callbacks(self) -> Callbacks:
        return Callbacks(db=self.db, limits=self.policy.callback, jobs=self.scheduler,
                         agency_timezone=self.policy.timezone)

    def gate(self) -> CallGate:
        return CallGate(db=self.db, policy=self.policy, settings=self.settings,
                        keys=lambda: self.keys, connect=self.call_control,
                        verify_pbx_safe=self.verify_pbx_safe, outcomes=self.callbacks(),
                        locks=self.privacy_locks().state)

    def callback_runner(self) -> CallbackRunner:
        return CallbackRunner(callbacks=self.callbacks(), gate=self.gate())

    def privacy_locks(self) -> PrivacyLocks:
        return PrivacyLocks(db=self.db, policy=self.policy.selftest,
                            required=self.settings.selftest_required)

    @cached_property
    def alerts(self) -> Alerts:
        return Alerts(self.settings.alert_webhook)

    def selftest(self) -> SelfTest:
        return SelfTest(db=self.db, settings=self.settings, policy=self.policy,
                        keys=lambda: self.keys, connect=self.canary_probe,
                        verify_pbx_safe=self.verify_pbx_safe, alerts=self.alerts)

    @asynccontextmanager
    async def canary_probe(self) -> AsyncIterator[CanaryProbe]:
        """A connection to the PBX for self-test calls to the configured canary."""
        if not self.settings.canary_number:
            raise BadInput("no canary is configured: set SAFEDIAL_CANARY_NUMBER")
        async with self.call_control() as control:
            yield AmiCanaryProbe(control, PhoneNumber(self.settings.canary_number),
                                 self.settings.ring_timeout_s)

    # -- life cycle ----------------------------------------------------------------------
    def start_jobs(self) -> None:
        """Run scheduled work in this process (the server): each feature registers its jobs."""
        for feature in (callback_jobs, call_jobs, web_auth_jobs):
            feature.register(self.scheduler, self)
        selftest_jobs.register(self.scheduler, self, at=self.policy.selftest.time,
                               zone=self.policy.timezone)
        self.scheduler.start(run_jobs=True)

    def close(self) -> None:
        self.scheduler.shutdown()
        self.db.dispose()


def warn_if_unproven(settings: Settings) -> None:
    """A lab may turn the self-test requirement off; say so wherever SafeDial starts."""
    if not settings.selftest_required:
        log.warning("SAFEDIAL_SELFTEST_REQUIRED=false: caller-ID modes that never passed the "
                    "privacy self-test are not locked (labs only; failure locks stay on)")


def build_context(settings: Settings | None = None) -> AppContext:
    """Settings, policy and database for one process, built once at its start.

    Commands and ``serve`` migrate the schema here, once; nothing else does (jobs
    get this context's services, they never build their own).
    """
    settings = settings or get_settings()
    warn_if_unproven(settings)
    policy = load_policy(settings.policy_file)
    db = Database(settings.database_url).migrate()
    return AppContext(settings=settings, db=db, policy=policy)
