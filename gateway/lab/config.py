"""The local lab's settings for ``make run``, kept in a TOML file the operator can export.

The lab's trunk is the lab carrier (it routes the canary back, everything else
to the lab phone), so the privacy self-test works and the lock can pass. All
numbers are fictional (NANP 555-01xx).

    python -m gateway.lab.config      # writes the file if missing (adds settings it
                                      # lacks if not), prints its path
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from gateway.errors import ExitCode

#: The lab carrier's own loopback address (PJSIP identifies peers by address).
CARRIER_HOST = "127.0.0.4"
#: Where the lab phone (sipp) answers, behind the carrier.
LAB_PHONE = ("127.0.0.2", 5070)
CARRIER_PORT = 5080
LAB_CANARY = "+12025550144"


def lab_config_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "safedial" / "lab.toml"


#: What the lab needs, as written in its file: setting, TOML value, why (a comment).
LAB_SETTINGS: dict[str, tuple[str, str]] = {
    "trunk_host": (f'"{CARRIER_HOST}"', "the lab carrier"),
    "trunk_port": (str(CARRIER_PORT), "the lab carrier's port"),
    "canary_number": (f'"{LAB_CANARY}"', "routed back to SafeDial by the lab carrier"),
    "lab": ("true", "lab settings: 'safedial call --lab' may dial raw numbers"),
}


def lab_settings_text() -> str:
    header = "# The local lab (make run). Export SAFEDIAL_CONFIG_FILE=<this file> to use it.\n"
    return header + "".join(f"{key} = {value}   # {why}\n"
                            for key, (value, why) in LAB_SETTINGS.items())


def add_missing_lab_settings(path: Path) -> list[str]:
    """A lab file written by an older ``make run`` gets the settings it lacks; returns them.

    The file is written once and kept (the operator may have edited it), so a
    setting the lab gained later (the lab flag, the canary and the lab carrier
    for the privacy self-test) would otherwise never reach a returning user,
    whose self-test then stops at "no canary configured". A setting the file
    already has, in any case, is never changed.
    """
    text = path.read_text()
    present = {key.lower() for key in tomllib.loads(text)}
    missing = [key for key in LAB_SETTINGS if key not in present]
    if not missing:
        return []
    added = "".join(f"{key} = {LAB_SETTINGS[key][0]}   # added: {LAB_SETTINGS[key][1]}\n"
                    for key in missing)
    lines = text.splitlines(keepends=True)
    # Before any [table]: a key written after one would belong to that table.
    table = next((n for n, line in enumerate(lines) if line.lstrip().startswith("[")), None)
    if table is None:
        newline = "" if text.endswith("\n") or not text else "\n"
        path.write_text(text + newline + added)
    else:
        path.write_text("".join(lines[:table]) + added + "".join(lines[table:]))
    return missing


def main() -> int:
    path = lab_config_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(lab_settings_text())
    added = add_missing_lab_settings(path)
    if added:
        print(f"lab settings: added {', '.join(added)} to {path}", file=sys.stderr)
    print(path)
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
