"""The leak guard's verdict on the running PBX's config, as a reason to refuse a call.

Why: a call is refused before it is placed when the guard would stop it anyway
(``place_call`` runs the guard again right before dialling), so the advocate's page
shows a disabled Call button with the reason instead of a call that fails at once.
A config that cannot be read is refused too: it cannot be shown to be safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from gateway.domain.decision import Reason
from gateway.pbx.guard import UnsafeConfig

log = logging.getLogger(__name__)

PBX_CONFIG_UNSAFE = "pbx-config-unsafe"

_TEXT = (
    "The phone system's configuration did not pass the privacy check (or could not be "
    "read): no call can be placed until an admin fixes it ('safedial pbx check')."
)


def pbx_reason(verify_pbx_safe: Callable[[], None]) -> Reason | None:
    """None when the guard passes the config; else the reason (never the findings, which
    name config lines, not something an advocate can act on)."""
    try:
        verify_pbx_safe()
    except UnsafeConfig as exc:
        log.warning("the PBX config fails the leak guard: %d finding(s)", len(exc.findings))
        return Reason(PBX_CONFIG_UNSAFE, _TEXT)
    except OSError as exc:
        log.warning("the PBX config could not be read for the leak guard: %s",
                    type(exc).__name__)
        return Reason(PBX_CONFIG_UNSAFE, _TEXT)
    return None
