"""The malloc settings of model.memory."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
from newsevents_service.model.memory import keep_freed_memory
print(keep_freed_memory())
"""


def _run(env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True, env=env
    ).stdout.strip()


def test_applied_on_glibc_unless_the_operator_set_malloc_variables() -> None:
    base = {"PATH": "/usr/bin:/bin"}
    assert _run(base) == "True"  # the CI and container images are glibc-based
    assert _run({**base, "MALLOC_ARENA_MAX": "2"}) == "False"
