"""Run the real `safedial` entry point as operators do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SAFEDIAL = str(Path(sys.executable).parent / "safedial")


def safedial(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SAFEDIAL, *args], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
