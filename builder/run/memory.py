"""How much memory this machine has left, and what a forked child may still come to take.

A forked child shares its parent's memory until either of them writes to a page of it, and
in CPython reading an object writes to it (its reference count): a child that reads the
corpus, or a parent that goes on reading it beside the child, comes to hold two copies of
what they shared. `Room` is how the executor (builder.run.executor) decides whether one more
fork fits: the memory available now, less what the children alive may still copy, must hold
a whole copy of this process and some of the child's own work. Linux only; elsewhere there
is always room (and nothing forks there anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

MB = 1 << 20
# A child may come to copy all its parent holds, and it works besides (the page worker at
# 100,000 documents: 7.6 GB shared at its birth, 9.0 GB resident at its peak).
FORK_COST = 1.3


def available() -> int | None:
    """Bytes this process's processes may still take: the kernel's MemAvailable, or what is left
    under the control group's limit if that is less. None when it cannot be told."""
    found: list[int] = []
    try:
        with open("/proc/meminfo") as f:
            found += [int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:")]
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            current = int(f.read().strip())
        if limit.isdigit():
            found.append(max(0, int(limit) - current))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def resident(pid: int | str = "self") -> int:
    """A process's resident set, in bytes (0 when it has ended)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:")), 0)
    except (OSError, ValueError):
        return 0


def private(pid: int) -> int:
    """What a process holds that no other does (Private_Clean + Private_Dirty), in bytes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return sum(int(line.split()[1]) * 1024 for line in f
                       if line.startswith(("Private_Clean:", "Private_Dirty:")))
    except (OSError, ValueError):
        return 0


@dataclass
class Room:
    """The children forked so far and what each shared at its birth: whether one more fits.
    Its three probes are this machine's (tests give their own)."""

    available: Callable[[], int | None] = available
    resident: Callable[[], int] = resident
    private: Callable[[int], int] = private
    shared: dict[int, int] = field(default_factory=dict)   # pid → this process's resident set when it forked

    def fits(self, children: int = 1) -> bool:
        """Could `children` more forks each come to copy this whole process, beside what the
        children alive may still copy, without running the machine out of memory?"""
        free = self.available()
        if free is None:
            return True
        self.shared = {pid: size for pid, size in self.shared.items() if _alive(pid)}
        coming = sum(max(0, size - self.private(pid)) for pid, size in self.shared.items())
        return free - coming >= children * FORK_COST * self.resident()

    def forked(self, pid: int) -> None:
        self.shared[pid] = self.resident()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def give_back() -> None:
    """Memory this process freed returned to the system (glibc keeps it for reuse otherwise).
    Before a fork: a page the parent freed but kept, written again later, is copied for the
    child, which then counts it as its own (at 10,000 documents, before the pages' workers
    fork, the build's peak over all processes 1,614 -> 1,543-1,563 MB, with the shards dropped)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
