"""Ports the call service depends on; adapters implement them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from gateway.calls.models import CallReport, DialRequest


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
    ) -> CallReport: ...
