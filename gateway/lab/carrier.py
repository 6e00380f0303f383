"""The lab carrier: a second real Asterisk standing in for the telephone network.

SafeDial's trunk points at it. A call to the canary number comes back into
SafeDial as a carrier delivers a call to a DID it hosts for the agency, so the
privacy self-test sees what a participant's phone would see; every other
number goes on to the phones behind it (the lab phone, or a test's far end).
An honest carrier honours privacy: a withheld caller arrives anonymous, and
the asserted identity is never shown to the callee. The fault behaviours
exist so tests can prove the self-test catches a carrier that misbehaves.

It has its own loopback address: PJSIP identifies peers by address, not port.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import jinja2

from gateway.errors import ExitCode
from gateway.lab.config import CARRIER_HOST, LAB_PHONE
from gateway.pbx.process import Asterisk, layout_for
from gateway.pbx.render import RuntimeLayout, modules_dir
from gateway.settings import Settings, SettingsError, get_settings

TEMPLATES = Path(__file__).resolve().parent / "carrier"
#: Config shared with SafeDial's own: nothing written to disk that could hold a number.
_SHARED_CONF = ("modules.conf.j2", "logger.conf.j2", "cdr.conf.j2", "cel.conf.j2")

#: A lab far end's log in test fixtures (fictional numbers only; never SafeDial's own).
TEST_LOGGER_CONF = ("[general]\nqueue_log = no\ndateformat = %F %T\n\n"
                    "[logfiles]\nmessages => notice,warning,error\n")

Behaviour = Literal["honest", "shows-asserted-identity", "shows-agency-number"]


class LabCarrier:
    """The carrier Asterisk on ``host:port``, between SafeDial and the phones."""

    def __init__(self, root: Path, *, settings: Settings, port: int,
                 phones: tuple[str, int], canary: str, rtp: tuple[int, int],
                 host: str = CARRIER_HOST, behaviour: Behaviour = "honest",
                 keep_log: bool = False) -> None:
        """``keep_log`` is for test fixtures only, whose numbers are all fictional: the
        carrier then keeps notices, warnings and errors in its own ``messages`` file, so a
        failing test can show what the network saw. ``make run`` keeps none."""
        self.layout = RuntimeLayout(root.resolve(), chroot=layout_for(settings).chroot)
        self.host, self.port = host, port
        values = {
            "root": str(self.layout.inside(self.layout.root)),
            "modules_dir": str(modules_dir(settings, self.layout)),
            "data_dir": str(settings.asterisk_data_dir),
            "host": host, "port": port,
            "gateway_host": settings.sip_bind, "gateway_port": settings.sip_port,
            "phones_host": phones[0], "phones_port": phones[1],
            "canary": canary, "masked": settings.masked_number,
            "agency": settings.agency_number, "behaviour": behaviour,
            "rtp_start": rtp[0], "rtp_end": rtp[1], "ring_s": settings.ring_timeout_s,
        }
        env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(TEMPLATES)]),
                                 undefined=jinja2.StrictUndefined,
                                 autoescape=False)  # noqa: S701 - Asterisk config
        for directory in self.layout.writable_dirs():
            directory.mkdir(parents=True, exist_ok=True)
        for template in TEMPLATES.glob("*.j2"):
            text = env.get_template(template.name).render(values)
            (self.layout.etc / template.name.removesuffix(".j2")).write_text(text)
        for name in _SHARED_CONF:
            shared = settings.dialplans_dir / name
            (self.layout.etc / name.removesuffix(".j2")).write_text(shared.read_text())
        if keep_log:
            (self.layout.etc / "logger.conf").write_text(TEST_LOGGER_CONF)
        (self.layout.etc / "manager.conf").write_text("[general]\nenabled = no\n")
        self.asterisk = Asterisk(self.layout, settings.asterisk_binary)

    def start(self) -> None:
        self.asterisk.start(check_config=False)  # a carrier is not a gateway

    def stop(self) -> None:
        self.asterisk.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m gateway.lab.carrier start|stop``: the lab carrier of ``make run``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gateway.lab.carrier")
    parser.add_argument("action", choices=["start", "stop"])
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"lab carrier: {exc}", file=sys.stderr)
        return exc.exit_code
    if not settings.canary_number:
        print("lab carrier: no SAFEDIAL_CANARY_NUMBER (export SAFEDIAL_CONFIG_FILE for the lab)",
              file=sys.stderr)
        return ExitCode.BAD_INPUT
    carrier = LabCarrier(layout_for(settings).root / "lab-carrier", settings=settings,
                         port=settings.trunk_port, phones=LAB_PHONE,
                         canary=settings.canary_number, rtp=(21000, 21999),
                         host=settings.trunk_host)
    if args.action == "stop":
        print("lab carrier stopped" if carrier.asterisk.stop() else "lab carrier was not running")
        return ExitCode.OK
    if carrier.asterisk.pid() is None:
        carrier.start()
    print(f"lab carrier on {settings.trunk_host}:{settings.trunk_port} "
          f"(canary routed back, other numbers to the lab phone on {LAB_PHONE[0]}:{LAB_PHONE[1]})")
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
