"""Ports the call path depends on; adapters implement them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from gateway.calls.models import (
    CallReport,
    DialRequest,
    NextAction,
    PreparedCall,
    StageListener,
)


class CallControl(Protocol):
    """Places one two-leg call and reports its single outcome.

    The real implementation is the AMI adapter (``gateway.ami.client``); it
    raises ``PbxUnavailable`` when the PBX cannot be reached and
    ``OriginateFailed`` when the PBX would not start the call.
    """

    async def place_call(
        self,
        request: DialRequest,
        confirm: Callable[[], Awaitable[bool]] | None = None,
        call_id: str | None = None,
        drop_threshold_s: float = 30.0,
        *,
        on_stage: StageListener | None = None,
    ) -> CallReport: ...


#: Opens a connection to the PBX for one call (``async with connect() as control``).
ConnectCallControl = Callable[[], AbstractAsyncContextManager[CallControl]]


class CallOutcomeListener(Protocol):
    """Told how every placed call ended; answers what the agreed protocol does next.

    The call-backs feature implements it (a drop with ``callback`` agreed
    schedules one); the call path only reports, so it does not depend on it.
    """

    def after_call(self, *, prepared: PreparedCall, report: CallReport, participant_id: str,
                   advocate_id: str, now: datetime) -> NextAction | None: ...
