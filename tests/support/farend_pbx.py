"""A second Asterisk playing the phones behind the trunk, with real audio.

sipp can answer and reject, but it cannot speak or keep a recording of what it
hears, and answering-machine detection needs audio. This far end answers as a
machine (greeting + beep, then records), a person ("Hello?" then room noise),
a phone that hangs up after two seconds, or the advocate (records what they
hear: the briefing and notices; one skips the briefing with a key, one also
marks that someone else answered). Recordings are judged with sox.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import jinja2

from gateway.lab.carrier import TEST_LOGGER_CONF
from gateway.pbx.process import Asterisk, layout_for
from gateway.pbx.render import RuntimeLayout, modules_dir
from gateway.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "farend"
_SHARED_CONF = ("modules.conf.j2", "logger.conf.j2", "cdr.conf.j2", "cel.conf.j2")


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def make_sounds(folder: Path) -> None:
    """Greeting, beep, hello and room noise as 8 kHz mono WAV."""
    folder.mkdir(parents=True, exist_ok=True)
    speech = {
        "greeting": "Hi, you have reached Jordan. I can't take your call right now. "
                    "Please leave a message after the tone.",
        "hello": "Hello?",
    }
    for name, text in speech.items():
        raw = folder / f"{name}-raw.wav"
        _run("espeak-ng", "-v", "en-us", "-w", str(raw), text)
        _run("sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(folder / f"{name}.wav"))
        raw.unlink()
    _run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(folder / "beep.wav"),
         "synth", "0.6", "sine", "1000", "vol", "0.5")
    _run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(folder / "room.wav"),
         "synth", "15", "whitenoise", "vol", "0.003")


class FarEndPbx:
    """The far-end Asterisk on ``host:port``; the gateway's trunk points at it.

    It runs on the same Asterisk as the gateway ``settings`` describe (the
    host's, or the one in ``SAFEDIAL_ASTERISK_ROOT``), so ``root`` must then lie
    inside that root too.
    """

    def __init__(self, root: Path, host: str, port: int, gateway_port: int,
                 behaviours: dict[str, str], rtp: tuple[int, int], advocate_hold_s: int = 25,
                 gateway_dialplans: Path | None = None, *, settings: Settings,
                 peer_host: str = "127.0.0.1", machine_silent_record_s: int = 15,
                 other_answered_after_s: int = 8, other_person_keys: str = "*7") -> None:
        self.root = root
        self.layout = RuntimeLayout(root.resolve(), chroot=layout_for(settings).chroot)
        self.recordings = root / "recordings"
        self.sounds = root / "sounds"
        inside = self.layout.inside
        values = {
            "root": str(inside(self.layout.root)), "host": host, "port": port,
            "gateway_port": gateway_port, "behaviours": dict(behaviours),
            "peer_host": peer_host,
            "recordings": str(inside(self.layout.root / "recordings")),
            "sounds": str(inside(self.layout.root / "sounds")),
            "modules_dir": str(modules_dir(settings, self.layout)),
            "data_dir": str(settings.asterisk_data_dir),
            "rtp_start": rtp[0], "rtp_end": rtp[1], "advocate_hold_s": advocate_hold_s,
            "machine_silent_record_s": machine_silent_record_s,
            "other_answered_after_s": other_answered_after_s,
            "other_person_keys": other_person_keys,
        }
        env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(TEMPLATES)]),
                                 undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701
        for directory in [*self.layout.writable_dirs(), self.recordings]:
            directory.mkdir(parents=True, exist_ok=True)
        for template in TEMPLATES.glob("*.j2"):
            text = env.get_template(template.name).render(values)
            (self.layout.etc / template.name.removesuffix(".j2")).write_text(text)
        shared = gateway_dialplans or Path(__file__).resolve().parents[2] / "dialplans"
        for name in _SHARED_CONF:
            target = self.layout.etc / name.removesuffix(".j2")
            target.write_text((shared / name).read_text())
        # A test far end with fictional numbers keeps a log for failing tests to show.
        (self.layout.etc / "logger.conf").write_text(TEST_LOGGER_CONF)
        (self.layout.etc / "manager.conf").write_text("[general]\nenabled = no\n")
        (self.layout.etc / "amd.conf").write_text("[general]\n")
        make_sounds(self.sounds)
        self.asterisk = Asterisk(self.layout, settings.asterisk_binary)

    def start(self) -> None:
        self.asterisk.start(check_config=False)

    def stop(self) -> None:
        self.asterisk.stop()

    def clear_recordings(self) -> None:
        shutil.rmtree(self.recordings, ignore_errors=True)
        self.recordings.mkdir(parents=True)

    def recordings_of(self, kind: str) -> list[Path]:
        return sorted(self.recordings.glob(f"{kind}-*.wav"))
