"""Alerts when a self-test fails or a pass goes stale: a log event and an optional webhook.

The body names the mode, the verdict, the failed check and the time; never a
number. The webhook is retried a few times in a background thread, so a slow
or failing receiver never delays or blocks the lock (which is already in
force from the recorded verdict).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass

log = logging.getLogger(__name__)

ATTEMPTS = 3
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Alert:
    mode: str
    verdict: str  # fail | inconclusive | stale
    check: str | None
    at: str

    def body(self) -> bytes:
        return json.dumps({"event": "safedial.selftest", "mode": self.mode,
                           "verdict": self.verdict, "check": self.check,
                           "at": self.at}).encode()


class Alerts:
    """Logs every alert; posts it to ``webhook`` when one is configured."""

    def __init__(self, webhook: str | None, *, backoff_s: float = 1.0) -> None:
        self._webhook = webhook
        self._backoff_s = backoff_s
        self._threads: list[threading.Thread] = []

    def send(self, alert: Alert) -> None:
        log.warning("privacy self-test alert: mode %s %s (check %s)", alert.mode, alert.verdict,
                    alert.check or "-")
        if self._webhook:
            thread = threading.Thread(target=self._post, args=(alert,), daemon=True,
                                      name="safedial-alert")
            thread.start()
            self._threads.append(thread)

    def _post(self, alert: Alert) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            request = urllib.request.Request(  # noqa: S310 - an operator-configured http(s) URL
                self._webhook or "", data=alert.body(), method="POST",
                headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_S):  # noqa: S310
                    return
            except OSError as exc:
                log.warning("alert webhook attempt %d failed: %s", attempt, type(exc).__name__)
                time.sleep(self._backoff_s * attempt)
        log.error("alert webhook gave up after %d attempts", ATTEMPTS)

    def settle(self, timeout_s: float = 30.0) -> None:
        """Wait for webhook posts still under way (a CLI run before it exits)."""
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
