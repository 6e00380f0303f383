"""The local lab's settings for ``make run``, kept in a TOML file the operator can export.

The lab's trunk is the lab carrier (it routes the canary back, everything else
to the lab phone), so the privacy self-test works and the lock can pass. All
numbers are fictional (NANP 555-01xx).

    python -m gateway.lab.config      # writes the file if missing, prints its path
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
LAB_FLAG = "lab = true"


def lab_config_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "safedial" / "lab.toml"


def lab_settings_text() -> str:
    return (
        "# The local lab (make run). Export SAFEDIAL_CONFIG_FILE=<this file> to use it.\n"
        f'trunk_host = "{CARRIER_HOST}"   # the lab carrier\n'
        f"trunk_port = {CARRIER_PORT}\n"
        f'canary_number = "{LAB_CANARY}"  # routed back to SafeDial by the lab carrier\n'
        f"{LAB_FLAG}   # lab settings: 'safedial call --lab' may dial raw numbers\n"
    )


def mark_as_lab(path: Path) -> None:
    """A lab file written before the lab flag existed gets it (else ``call --lab`` refuses)."""
    text = path.read_text()
    if "lab" not in tomllib.loads(text):
        newline = "" if text.endswith("\n") or not text else "\n"
        with path.open("a") as handle:
            handle.write(f"{newline}{LAB_FLAG}   # added: lab settings\n")


def main() -> int:
    path = lab_config_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(lab_settings_text())
    mark_as_lab(path)
    print(path)
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
