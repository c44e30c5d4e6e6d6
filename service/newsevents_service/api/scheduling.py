"""A short scheduler time slice for the server's threads (Linux 6.12 and later).

At concurrency 1 the OpenMP worker of the inference thread keeps spinning for a while after each
forward pass. The Linux scheduler (EEVDF) lets a running thread finish its time slice, 1.4 ms on
a 2-CPU machine, before a thread it woke gets the CPU; so the event loop and gRPC's threads, woken
to send an answer, waited behind that spin. A thread with a shorter custom slice (`sched_setattr`'s
`sched_runtime`, 0.1 ms at least) is run sooner. Threads inherit the slice of the thread that
creates them, so it is set on every thread there is when the server starts.
"""

from __future__ import annotations

import ctypes
import os
import struct

_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274}  # syscall numbers
_SCHED_GETATTR = {"x86_64": 315, "aarch64": 275}
_ATTR = struct.Struct("=IIQiIQQQ")  # struct sched_attr up to sched_period (SCHED_ATTR_SIZE_VER0)
_FAIR_POLICIES = (os.SCHED_OTHER, os.SCHED_BATCH)  # the ones with slices; real-time ones are left alone


def set_time_slice(microseconds: int) -> bool:
    """Ask for a `microseconds` slice for every thread of this process, and so for those they
    start; True if the calling thread has it.

    Policies and nice values stay as they are. False where the kernel or the architecture has no
    custom slices (the default is kept) or the thread is not under a fair policy."""
    for tid in _threads():
        _set_slice(tid, microseconds * 1000)
    return time_slice_ns() == microseconds * 1000


def time_slice_ns(tid: int = 0) -> int:
    """A thread's time slice in nanoseconds (0 where the kernel does not report one); 0: this thread."""
    attr = _get_attr(tid)
    return 0 if attr is None else int(attr[5])


def _threads() -> list[int]:
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def _set_slice(tid: int, nanoseconds: int) -> None:
    attr = _get_attr(tid)
    if attr is None or attr[1] not in _FAIR_POLICIES:
        return
    _size, policy, _flags, nice, priority, _runtime, deadline, period = attr
    packed = _ATTR.pack(_ATTR.size, policy, 0, nice, priority, nanoseconds, deadline, period)
    _libc().syscall(_SCHED_SETATTR[os.uname().machine], tid, ctypes.create_string_buffer(packed), 0)


def _get_attr(tid: int) -> tuple[int, ...] | None:
    machine = os.uname().machine
    if machine not in _SCHED_GETATTR:
        return None
    packed = ctypes.create_string_buffer(_ATTR.size)
    if _libc().syscall(_SCHED_GETATTR[machine], tid, packed, _ATTR.size, 0) != 0:
        return None
    return tuple(_ATTR.unpack(packed.raw))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
