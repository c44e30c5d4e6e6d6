"""The server's short scheduler time slice reaches every thread, old and new, and keeps the nice value."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from newsevents_service.api.scheduling import time_slice_ns

_PROBE = textwrap.dedent(
    """
    import json, os, threading
    from newsevents_service.api.scheduling import set_time_slice, time_slice_ns

    os.nice(2)
    started = threading.Event()
    done = threading.Event()
    earlier = threading.Thread(target=lambda: (started.set(), done.wait()))
    earlier.start()
    started.wait()
    applied = set_time_slice(250)
    later = []
    thread = threading.Thread(target=lambda: later.append(time_slice_ns()))
    thread.start()
    thread.join()
    slices = [time_slice_ns(int(tid)) for tid in os.listdir("/proc/self/task")]
    done.set()
    print(json.dumps({"applied": applied, "slices": slices, "later": later[0], "nice": os.nice(0)}))
    """
)


def test_the_slice_reaches_running_threads_and_those_started_after_and_keeps_the_nice_value() -> None:
    out = json.loads(subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout)
    assert out["nice"] == 2
    if time_slice_ns() == 0:  # a kernel without custom slices (before 6.12) reports none: nothing is set
        assert out["applied"] is False
        return
    assert out["applied"] is True
    assert len(out["slices"]) >= 2
    assert set(out["slices"]) == {250_000}
    assert out["later"] == 250_000
