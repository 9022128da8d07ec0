"""A test hook for fault tests: stop a run at a named point so a test can kill it exactly there.

`PW_FAULT_PAUSE=<point>[,<point>...]` makes `fault_point(<point>)` write `<point>.reached` into
`PW_FAULT_MARKER_DIR` (default: the working directory) and sleep until the process is killed (at most
`PW_FAULT_PAUSE_SECONDS`, default 600). A test starts a run with these variables, waits for the marker, sends
SIGKILL and checks what the next run and the readers see. Unset, `fault_point` costs one dictionary lookup.

This is not configuration a user sets, so it is read from the environment here rather than from `Settings`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_VARIABLE = "PW_FAULT_PAUSE"
MARKER_DIR_VARIABLE = "PW_FAULT_MARKER_DIR"
SECONDS_VARIABLE = "PW_FAULT_PAUSE_SECONDS"


def fault_point(name: str) -> None:
    """Pause here when a fault test asked for this point (see the module docstring)."""
    points = os.environ.get(PAUSE_VARIABLE)
    if not points or name not in {point.strip() for point in points.split(",")}:
        return
    marker_dir = Path(os.environ.get(MARKER_DIR_VARIABLE, "."))
    marker_dir.mkdir(parents=True, exist_ok=True)
    (marker_dir / f"{name}.reached").write_text(str(os.getpid()))
    time.sleep(float(os.environ.get(SECONDS_VARIABLE, "600")))
