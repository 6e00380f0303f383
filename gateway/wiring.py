"""The one wiring point: settings, database, policy and keys for CLI commands and the API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gateway.ami.client import AmiCallControl
from gateway.domain.policy import AgencyPolicy
from gateway.pbx import guard
from gateway.pbx.process import layout_for
from gateway.pbx.render import ami_secret
from gateway.policyfile import load_policy
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
    #: Calls placed by this process (the web app's; see gateway.web.calls.CallBook).
    call_book: Any = None
    #: Where call-backs are scheduled (gateway.callbacks.scheduler.CallbackScheduler).
    scheduler: Any = None

    @cached_property
    def keys(self) -> KeyRing:
        """The key ring, loaded on first use (commands that need no secret work without it)."""
        return KeyRing.load(self.settings.key_file)

    def call_control(self) -> AmiCallControl:
        return call_control_for(self.settings)

    def verify_pbx_safe(self) -> None:
        verify_pbx_safe_for(self.settings)


def build_context(settings: Settings | None = None) -> AppContext:
    settings = settings or get_settings()
    policy = load_policy(settings.policy_file)
    return AppContext(settings=settings, db=Database(settings.database_url), policy=policy)
