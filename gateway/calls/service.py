"""The call service: the one way a call is placed, gated or lab.

The running PBX's config is checked first, before any connection is opened
(fail closed: a config that could leak a number is never dialled through,
and an unsafe config is reported as such even when the PBX is down); then
the already-validated request goes to call control.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from gateway.calls.models import CallReport, DialRequest, StageListener
from gateway.calls.ports import CallControl, ConnectCallControl

log = logging.getLogger(__name__)


async def place_call(
    *,
    connect: ConnectCallControl,
    request: DialRequest,
    verify_pbx_safe: Callable[[], Awaitable[None]],
    confirm: Callable[[], Awaitable[bool]] | None = None,
    call_id: str | None = None,
    drop_threshold_s: float = 30.0,
    control: CallControl | None = None,
    on_stage: StageListener | None = None,
) -> CallReport:
    """Place one call and return its single outcome.

    ``verify_pbx_safe`` raises when the running PBX's config fails the guard.
    ``confirm`` is the second decision, taken when the advocate answers.
    ``control`` is an already open connection (tests share one); otherwise
    ``connect`` opens one for this call. ``on_stage`` hears the live status.
    """
    await verify_pbx_safe()
    if control is not None:
        report = await control.place_call(request, confirm, call_id, drop_threshold_s,
                                          on_stage=on_stage)
    else:
        async with connect() as connected:
            report = await connected.place_call(request, confirm, call_id, drop_threshold_s,
                                                on_stage=on_stage)
    log.info("call %s outcome %s", report.call_id, report.outcome.value)
    return report
