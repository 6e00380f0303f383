"""AMI adapter over panoramisk: originate a call and wait for its one outcome.

panoramisk is kept behind this class. Its behaviours that matter here:
- it logs raw messages (numbers!) at debug level, so it gets a logger of its
  own that is switched off; this module logs only call ids and outcomes;
- after a reconnect it re-sends actions that got no answer, which could place
  a call twice (or, for a late ``Redirect``, pull a channel out of its Dial),
  so ``Originate``, ``Setvar`` and ``Redirect`` are in its forgettable actions
  and a pending call fails with ``PbxUnavailable`` when the connection drops;
- a reply whose ActionID matches a pending action goes to that action: the
  async Originate's future resolves with the OriginateResponse event.
Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from panoramisk import Manager

from gateway.ami.tracker import CallTracker, call_id_of
from gateway.calls.models import CallReport, CallStage, DialRequest, StageListener
from gateway.errors import OriginateFailed, PbxUnavailable
from gateway.pbx import dialvars

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
#: How long the second decision may take, and Asterisk to answer each action
#: that hands it to the dialplan.
DECISION_TIMEOUT_S = 5.0
ACTION_TIMEOUT_S = 5.0
#: Beyond ringing both phones, how long a call may last before the wait gives up.
DEFAULT_MAX_CALL_S = 4 * 3600.0


def _silent_logger() -> logging.Logger:
    """panoramisk logs whole AMI messages (with numbers): switch its loggers off."""
    for name in ("panoramisk", "safedial.ami.library"):
        quiet = logging.getLogger(name)
        quiet.propagate = False
        quiet.setLevel(logging.CRITICAL + 1)
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
    quiet.disabled = True
    return quiet


def _variables(
    request: DialRequest, call_id: str, pbx_path: Callable[[Path], Path]
) -> list[str]:
    values = {
        dialvars.VAR_CALL_ID: call_id,
        dialvars.VAR_CALLERID_MODE: request.mode.value,
        dialvars.VAR_PARTICIPANT: request.participant.e164,
        dialvars.VAR_RING_TIMEOUT: str(request.ring_timeout_s),
        dialvars.VAR_VOICEMAIL: "play" if request.voicemail_prompt else "none",
        dialvars.VAR_MASKED_FALLBACK: "yes" if request.masked_fallback else "no",
        dialvars.VAR_AMD: "yes" if request.detect_machine else "no",
    }
    optional = {
        dialvars.VAR_VM_PROMPT: request.voicemail_prompt,
        dialvars.VAR_BRIEFING: request.briefing,
        dialvars.VAR_NOTICE_DIR: request.notice_dir,
    }
    values.update(
        {name: str(pbx_path(path)) for name, path in optional.items() if path is not None}
    )
    for value in values.values():
        # AMI splits Variable values on commas and ends headers at line breaks.
        if any(char in value for char in ",\r\n|"):
            raise ValueError("a dialplan variable contains a separator")
    return [f"{name}={value}" for name, value in values.items()]


def _redacted(text: str) -> str:
    """An Asterisk message fit for the log: digit runs (a number?) removed."""
    return re.sub(r"[0-9]{3,}", "...", text)[:120]


class AmiCallControl:
    """Places calls through Asterisk over AMI; one instance per connection."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        advocate_caller_id: str,
        max_call_s: float = DEFAULT_MAX_CALL_S,
        pbx_path: Callable[[Path], Path] | None = None,
    ) -> None:
        """``pbx_path`` turns a sound path into the one Asterisk sees (its chroot)."""
        self._config = {"host": host, "port": port, "username": username, "secret": secret}
        self._advocate_caller_id = advocate_caller_id
        self._max_call_s = max_call_s
        self._pbx_path = pbx_path or (lambda path: path)
        self._manager: Any = None
        self._trackers: dict[str, CallTracker] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._lost: dict[str, asyncio.Event] = {}
        self._confirms: dict[str, Callable[[], Awaitable[bool]]] = {}
        self._stage_listeners: dict[str, StageListener] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._listeners: dict[str, list[Callable[[Mapping[str, str]], None]]] = {}

    async def connect(self, timeout: float = CONNECT_TIMEOUT_S) -> None:
        """Connect and log in, or raise ``PbxUnavailable``."""
        loop = asyncio.get_running_loop()
        manager = Manager(
            loop=loop,
            log=_silent_logger(),
            events="call,user",
            forgetable_actions=("ping", "login", "originate", "setvar", "redirect"),
            reconnect_timeout=1,
            ping_delay=10,
            on_connect=lambda _m: None,
            on_disconnect=self._on_disconnect,
            **self._config,
        )
        manager.register_event("UserEvent", self._on_event)
        self._manager = manager
        try:
            await asyncio.wait_for(manager.connect(), timeout)
            login = manager.authenticated_future
            response = await asyncio.wait_for(login, timeout) if login is not None else None
        except (TimeoutError, OSError) as exc:
            self.close()
            raise PbxUnavailable(
                f"cannot reach Asterisk's AMI on {self._config['host']}:{self._config['port']} "
                f"({type(exc).__name__}); is the PBX up? (safedial pbx status)"
            ) from None
        if response is not None and not response.success:
            self.close()
            raise PbxUnavailable("Asterisk refused the AMI login (check the AMI user and secret)")
        log.info("AMI connected")

    def close(self) -> None:
        for task in self._background:  # a decision still on its way is not sent
            task.cancel()
        if self._manager is not None:
            self._manager.connection_lost = lambda _exc: None  # no reconnect after close
            self._manager.close()
            self._manager = None

    async def __aenter__(self) -> AmiCallControl:
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.close()

    def _on_disconnect(self, _manager: object, _exc: object) -> None:
        log.warning(
            "AMI connection lost; %d call(s) in progress lose their outcome", len(self._trackers)
        )
        for lost in self._lost.values():
            lost.set()

    def subscribe(self, user_event: str, listener: Callable[[Mapping[str, str]], None]
                  ) -> Callable[[], None]:
        """Call ``listener`` with every UserEvent named ``user_event`` until unsubscribed.

        For events that belong to no call of ours (the canary's reading arrives
        on an inbound channel). The listener must keep only what it needs.
        """
        self._listeners.setdefault(user_event, []).append(listener)
        return lambda: self._listeners.get(user_event, []).remove(listener)

    def _on_event(self, _manager: object, event: Mapping[str, str]) -> None:
        for listener in list(self._listeners.get(event.get("UserEvent", ""), ())):
            listener(event)
        tracker = self._trackers.get(call_id_of(event))
        if tracker is None:
            return
        waiting_before, stage_before = tracker.awaiting_confirmation, tracker.stage
        tracker.on_event(event)
        if tracker.stage is not stage_before:
            self._tell_stage(tracker.call_id, tracker.stage)
        channel = tracker.awaiting_confirmation
        if channel and not waiting_before:
            task = asyncio.ensure_future(self._confirm(tracker.call_id, channel))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        self._wake(tracker.call_id)

    async def _confirm(self, call_id: str, channel: str) -> None:
        """Decide again now that the advocate answered; hand the answer to the dialplan.

        ``Setvar SAFEDIAL_GO``, then ``Redirect`` of the waiting channel to the
        ``decided`` extension, which ends the dialplan's wait at once and
        re-checks the variable: only "yes" dials. "no" travels the same way, so
        the advocate is not left waiting. When either action fails the dialplan
        refuses once its wait runs out; nothing here can make it dial.
        """
        go = await self._second_decision(call_id)
        log.info("call %s: second decision: %s", call_id, "dial" if go else "refuse")
        setvar = {
            "Action": "Setvar",
            "Channel": channel,
            "Variable": dialvars.VAR_GO,
            "Value": "yes" if go else "no",
        }
        if not await self._send(call_id, setvar):
            return
        await self._send(call_id, {
            "Action": "Redirect",
            "Channel": channel,
            "Context": dialvars.CALL_CONTEXT,
            "Exten": dialvars.DECIDED_EXTENSION,
            "Priority": dialvars.DECIDED_PRIORITY,
        })

    async def _second_decision(self, call_id: str) -> bool:
        confirm = self._confirms.get(call_id)
        if confirm is None:
            return True
        try:
            return await asyncio.wait_for(confirm(), timeout=DECISION_TIMEOUT_S)
        except Exception:  # fail closed: any error in the second decision means no
            log.exception("call %s: second decision failed; not dialling", call_id)
            return False

    async def _send(self, call_id: str, action: dict[str, str]) -> bool:
        """Send one action; False (logged, never raised) unless Asterisk says Success."""
        name = action["Action"]
        if self._manager is None:
            log.warning("call %s: not connected; %s not sent, the dialplan refuses", call_id, name)
            return False
        try:
            reply = await asyncio.wait_for(self._manager.send_action(action), ACTION_TIMEOUT_S)
        except Exception as exc:  # a time-out, or the connection gone mid-action
            log.warning("call %s: %s got no answer (%s); the dialplan refuses",
                        call_id, name, type(exc).__name__)
            return False
        first = reply[0] if isinstance(reply, list) else reply
        if not first.success:
            log.warning("call %s: Asterisk refused %s (%s); the dialplan refuses",
                        call_id, name, _redacted(first.get("Message", "no reason given")))
            return False
        return True

    def _tell_stage(self, call_id: str, stage: CallStage) -> None:
        listener = self._stage_listeners.get(call_id)
        if listener is None:
            return
        try:
            listener(stage)
        except Exception as exc:  # the live status must never break the call itself
            log.warning("call %s: stage listener failed (%s)", call_id, type(exc).__name__)

    def _wake(self, call_id: str) -> None:
        wakeup = self._wakeups.get(call_id)
        if wakeup is not None:
            wakeup.set()

    async def place_call(
        self,
        request: DialRequest,
        confirm: Callable[[], Awaitable[bool]] | None = None,
        call_id: str | None = None,
        drop_threshold_s: float = 30.0,
        *,
        on_stage: StageListener | None = None,
    ) -> CallReport:
        """Ring the advocate, then (in the dialplan) the participant; wait for the end.

        ``confirm`` is awaited when the advocate answers: False (or an error, or
        no answer within the dialplan's confirmation time) means the participant
        is not dialled. Without it the call is confirmed as requested.
        ``on_stage`` hears each stage the call reaches (the advocate's live status).
        """
        if self._manager is None:
            raise PbxUnavailable("not connected to AMI")
        call_id = str(uuid.UUID(call_id)) if call_id else str(uuid.uuid4())
        tracker = CallTracker(call_id)
        if confirm is not None:
            self._confirms[call_id] = confirm
        self._trackers[call_id] = tracker
        if on_stage is not None:
            self._stage_listeners[call_id] = on_stage
        self._wakeups[call_id] = asyncio.Event()
        self._lost[call_id] = asyncio.Event()
        try:
            await self._originate(request, call_id, tracker)
            await self._wait_for_end(request, tracker)
        finally:
            self._trackers.pop(call_id, None)
            self._wakeups.pop(call_id, None)
            self._lost.pop(call_id, None)
            self._confirms.pop(call_id, None)
            self._stage_listeners.pop(call_id, None)
        report = tracker.report(drop_threshold_s)
        log.info("call %s ended: %s", call_id, report.outcome.value)
        return report

    def build_originate(self, request: DialRequest, call_id: str) -> dict[str, Any]:
        """The Originate action: ring the advocate, continue in the call context."""
        if request.advocate is None:  # the self-test: nobody's phone rings first
            hold = dialvars.SELFTEST_HOLD_EXTENSION
            ring_first = f"Local/{hold}@{dialvars.SELFTEST_HOLD_CONTEXT}"
        else:
            ring_first = f"PJSIP/{request.advocate.e164}@{dialvars.TRUNK_ENDPOINT}"
        return {
            "Action": "Originate",
            "ActionID": f"safedial-{call_id}",
            "ChannelId": call_id,
            "Channel": ring_first,
            "Context": dialvars.CALL_CONTEXT,
            "Exten": dialvars.CALL_EXTENSION,
            "Priority": "1",
            "CallerID": f"<{self._advocate_caller_id}>",
            "Timeout": str(request.ring_timeout_s * 1000),
            "Async": "true",
            "Variable": _variables(request, call_id, self._pbx_path),
        }

    async def _originate(self, request: DialRequest, call_id: str, tracker: CallTracker) -> None:
        action = self.build_originate(request, call_id)
        log.info("call %s: ringing the advocate (mode %s)", call_id, request.mode.value)
        future = self._manager.send_action(action)
        reply = await self._unless_lost(
            future,
            call_id,
            request.ring_timeout_s + 15.0,
            lost_message="the AMI connection dropped while placing the call; it was not retried",
        )
        if reply is None:
            raise OriginateFailed("Asterisk did not answer the call request in time")
        messages = reply if isinstance(reply, list) else [reply]
        first = messages[0]
        if not first.success:
            raise OriginateFailed(
                f"Asterisk would not place the call: {first.get('Message', 'no reason given')}"
            )
        final = messages[-1]
        tracker.on_originate_response(final if len(messages) > 1 else {"Reason": "0"})

    async def _unless_lost(
        self, awaitable: Any, call_id: str, timeout: float, lost_message: str
    ) -> Any:
        """Await ``awaitable`` for at most ``timeout``; None on time-out.

        Raises ``PbxUnavailable`` as soon as the AMI connection drops, since
        what the PBX did meanwhile cannot be known.
        """
        work = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self._lost[call_id].wait())
        try:
            done, _ = await asyncio.wait(
                {work, lost}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            lost.cancel()
        if work in done:
            return work.result()
        work.cancel()
        if lost in done:
            raise PbxUnavailable(lost_message)
        return None

    async def _wait_for_end(self, request: DialRequest, tracker: CallTracker) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.ring_timeout_s + self._max_call_s
        wakeup = self._wakeups[tracker.call_id]
        while not tracker.complete:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise PbxUnavailable("Asterisk reported no end of the call in time")
            wakeup.clear()
            if tracker.complete:
                break
            await self._unless_lost(
                wakeup.wait(),
                tracker.call_id,
                remaining,
                lost_message="the AMI connection dropped during the call; its outcome is unknown",
            )
