"""The memory a command takes with its forked children, summed (proportional set size).

``bench/engine.py`` reports the largest single process (``ru_maxrss``). ``matchapp solve`` forks
(the preferences are read in a child, subjects are solved in two processes), and a child's
pages shared with its parent count in both processes' resident size; the proportional set size
(PSS) shares each page between the processes that map it, so the sum over the tree is the memory
the command takes. Sampling costs time (each sample reads /proc/PID/smaps_rollup, which walks the
process's pages): time the command without it.

Usage::

    python bench/tree_memory.py python -m matchapp solve FAIR --assign -o RESULT
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _tree(pid: int) -> list[int]:
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out += _tree(int(child))
    except OSError:  # the process ended meanwhile
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    start = time.time()
    proc = subprocess.Popen(sys.argv[1:])
    peak, processes = 0, 0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        total = sum(_pss_kb(p) for p in pids)
        if total > peak:
            peak, processes = total, len(pids)
        time.sleep(0.05)
    print(
        f"wall {time.time() - start:.1f} s (with sampling), peak summed PSS {peak / 1024:.0f} MB "
        f"over {processes} processes, exit {proc.returncode}"
    )


if __name__ == "__main__":
    main()
