"""Canaries for unit tests: what a participant's phone would see through a carrier.

The real canary (a call through the real trunk and back) is proven against
Asterisk in the integration tier; these stand in for it where a unit test
needs a self-test verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from gateway.callerid import CallerIdMode
from gateway.domain.selftest import CanaryReading
from gateway.selftest.locks import MODES
from gateway.selftest.service import RunReport, SelfTest
from gateway.wiring import AppContext
from tests.support.numbers import MASKED

ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=a1'


class Canary:
    """Answers each test call with a fixed reading per mode (or none: never rang)."""

    def __init__(self, readings: dict[CallerIdMode, CanaryReading]) -> None:
        self.readings = readings
        self.calls: list[CallerIdMode] = []

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading:
        self.calls.append(mode)
        return self.readings.get(mode, CanaryReading(0, sip_cause="SIP 480"))

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Canary]:
        yield self


class FailingCanary(Canary):
    """The probe itself fails in ``mode`` with ``error`` (the PBX refused, or a bug),
    before any canary could read; the other mode reads as ``private_canary``."""

    def __init__(self, mode: CallerIdMode, error: Exception) -> None:
        super().__init__(private_canary().readings)
        self.failing, self.error = mode, error

    async def test_call(self, mode: CallerIdMode, *, call_id: str) -> CanaryReading:
        if mode is self.failing:
            self.calls.append(mode)
            raise self.error
        return await super().test_call(mode, call_id=call_id)


def private_canary() -> Canary:
    """What a carrier that honours privacy delivers."""
    return Canary({
        CallerIdMode.WITHHOLD: CanaryReading(1, "anonymous", "Anonymous",
                                             {"From": ANONYMOUS_FROM, "Privacy": "id"}),
        CallerIdMode.MASKED: CanaryReading(1, MASKED, "",
                                           {"From": f"<sip:{MASKED}@carrier.invalid>"}),
    })


def selftest_with(ctx: AppContext, canary: Canary) -> SelfTest:
    return replace(ctx.selftest(), connect=canary.connect, verify_pbx_safe=lambda: None)


async def run_selftest(ctx: AppContext, canary: Canary | None = None,
                       modes: tuple[CallerIdMode, ...] = MODES) -> RunReport:
    return await selftest_with(ctx, canary or private_canary()).run(modes, trigger="on-demand")


def pass_selftest(ctx: AppContext) -> RunReport:
    """A passing self-test through a privacy-honouring canary (every mode unlocked)."""
    report = asyncio.run(run_selftest(ctx))
    assert report.all_passed, report
    return report
