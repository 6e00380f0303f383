"""The one wiring point: settings, database, policy and keys for CLI commands and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class AppContext:
    """Everything services need, built once per process (or per test)."""

    settings: Settings
    db: Database
    policy: AgencyPolicy
    _keys: KeyRing | None = field(default=None, repr=False)
    #: Calls placed by this process (the web app's; see gateway.web.calls.CallBook).
    call_book: Any = None
    #: Where call-backs are scheduled (gateway.callbacks.scheduler.CallbackScheduler).
    scheduler: Any = None

    @cached_property
    def keys(self) -> KeyRing:
        """The key ring, loaded on first use (commands that need no secret work without it)."""
        return self._keys or KeyRing.load(self.settings.key_file)

    def call_control(self) -> AmiCallControl:
        layout = layout_for(self.settings)
        return AmiCallControl(
            host="127.0.0.1",
            port=self.settings.ami_port,
            username=self.settings.ami_user,
            secret=ami_secret(self.settings, layout),
            advocate_caller_id=self.settings.advocate_display_number.e164,
        )

    def verify_pbx_safe(self) -> None:
        guard.check_directory(layout_for(self.settings).etc)


def build_context(settings: Settings | None = None) -> AppContext:
    settings = settings or get_settings()
    policy = load_policy(settings.policy_file)
    return AppContext(settings=settings, db=Database(settings.database_url), policy=policy)
