"""Memory of every process of one build, sampled every 50 ms: the main process's resident set
at each stage, and each forked child's private memory (Private_Clean + Private_Dirty of
/proc/<pid>/smaps_rollup: what it no longer shares with the main process), with the stage
it was born in and the stage of its peak; and the peak of their sum, what the build takes
from the machine. Linux only.

    TMPDIR=<a folder on the work disk> python benchmarks/memory_by_process.py CORPUS OUT

CORPUS: a corpus synth.py wrote (`synth.write(DIR, N)`); OUT: the site folder (replaced).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.run import memory, pipeline  # noqa: E402


def resident(pid: str = "self") -> int:
    return memory.resident(pid) // memory.MB


def private(pid: str) -> int:
    return memory.private(int(pid)) // memory.MB


def children(pid: str) -> list[str]:
    found: list[str] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += f.read().split()
    except OSError:
        pass
    return found


def main() -> None:
    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    stage, me = ["start"], str(os.getpid())
    peak_main = [0, ""]
    peak_all = [0, ""]   # the main process's resident set and every child's private memory, summed
    kids: dict[str, list] = {}

    def sample() -> None:
        while True:
            r = resident()
            if r > peak_main[0]:
                peak_main[:] = [r, stage[0]]
            todo, total = children(me), r
            while todo:
                kid = todo.pop()
                todo += children(kid)
                seen = kids.setdefault(kid, [0, stage[0], ""])
                p = private(kid)
                total += p
                if p > seen[0]:
                    seen[0], seen[2] = p, stage[0]
            if total > peak_all[0]:
                peak_all[:] = [total, stage[0]]
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    t0 = time.perf_counter()

    def progress(name: str, done: int | None = None, total: int | None = None) -> None:
        if done is None:
            stage[0] = name
            print(f"{time.perf_counter() - t0:8.2f} s  main {resident():6d} MB resident  -> {name}", flush=True)

    result = pipeline.build_and_write(corpus, out, progress=progress, force=True)
    print(f"ok {result.ok}, {time.perf_counter() - t0:.1f} s; main's peak {peak_main[0]} MB resident, in {peak_main[1]}")
    print(f"the build's peak, all processes: {peak_all[0]} MB (main resident + children private), in {peak_all[1]}")
    for kid, (p, born, at) in sorted(kids.items(), key=lambda kv: -kv[1][0]):
        print(f"child {kid}: {p} MB private at its peak; born in {born}, peak in {at}")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
