"""Generated stubs are regenerated from proto/ and must match what is committed."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_stubs_are_up_to_date() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_proto.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
