"""The call service: the one way a call is placed.

Later work puts the policy gate in front of it; today it checks that the
PBX's config is still safe (fail closed: a config that could leak a number is
never dialled through) and hands the already-validated request to call control.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from gateway.calls.models import CallReport, DialRequest
from gateway.calls.ports import CallControl

log = logging.getLogger(__name__)


async def place_call(
    *,
    control: CallControl,
    request: DialRequest,
    verify_pbx_safe: Callable[[], None],
    confirm: Callable[[], Awaitable[bool]] | None = None,
    call_id: str | None = None,
    drop_threshold_s: float = 30.0,
) -> CallReport:
    """Place one call and return its single outcome.

    ``verify_pbx_safe`` raises when the running PBX's config fails the guard;
    it runs first so nothing is dialled through an unsafe config. ``confirm``
    is the second decision, taken when the advocate answers.
    """
    verify_pbx_safe()
    report = await control.place_call(request, confirm, call_id, drop_threshold_s)
    log.info("call %s outcome %s", report.call_id, report.outcome.value)
    return report
