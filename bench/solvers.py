"""Exact min-cost flow solvers on the assignment's largest network.

    python bench/solvers.py                                  # 100,000 teachers, unmatched-80%
    python bench/solvers.py --teachers 1000000 --keep 0.03   # the million, unmatched-80%
    python bench/solvers.py --teachers 1000000 --keep 0.4 --lapjv

The administrative assignment solves one min-cost flow per subject (`algorithms/assignment.py`),
and at a million teachers the largest subject bounds `solve --assign`. This script generates a
fair as `bench/engine.py` does (same generator, seeds and thinning of the rankings), runs the
fair and the assignment in this process, keeps the networks the engine hands to its solver, and
times the largest one:

- OR-Tools' cost-scaling min-cost flow (what the engine uses), on the network as it is and with
  the unlisted seats left out (the teachers' listed choices alone: how much of the work they are);
- LEMON's cost scaling and network simplex, when `pylmcf` is installed (`pip install pylmcf`;
  not a dependency of matchapp);
- with `--lapjv`, SciPy's sparse Jonker-Volgenant (`min_weight_full_bipartite_matching`) on the
  listed part, each post's free seats one column each and an "unplaced" column per teacher.

Every solver must reach the same least cost (the line says so, or the script stops).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def capture(path: Path) -> list:
    """Read and solve the fair at ``path`` in this process; return the assignment's networks."""
    import algorithms.assignment as assignment
    from algorithms.deferred_acceptance import lottery, match_instance
    from algorithms.reading import read_instance

    instance = read_instance(path.read_bytes(), 1)
    positions = lottery(instance.teacher_ids, instance.seed)
    schools = match_instance(instance, positions)
    networks = []
    solve = assignment._solve

    def keep(network):
        networks.append(network)
        return solve(network)

    assignment._solve = keep
    try:
        assignment.assign_unmatched(instance, schools, positions, workers=1)
    finally:
        assignment._solve = solve
    print(
        f"{instance.n_teachers:,} teachers, {int((schools < 0).sum()):,} left to the assignment, {len(networks)} networks"
    )
    return networks


def ortools(tails, heads, caps, costs, supplies) -> tuple[float, int]:
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    start = time.perf_counter()
    status = flow.solve()
    elapsed = time.perf_counter() - start
    if status != flow.OPTIMAL:
        raise SystemExit(f"OR-Tools: status {status}")
    return elapsed, int(flow.optimal_cost())


def lemon(which: str, tails, heads, caps, costs, supplies) -> tuple[float, int]:
    from pylmcf import pylmcf_cpp

    solver = {"cost scaling": pylmcf_cpp.lmcf_cost_scaling, "network simplex": pylmcf_cpp.lmcf}[which]
    order = np.lexsort((heads, tails))
    arrays = [np.ascontiguousarray(a, dtype=np.int64) for a in (supplies, tails[order], heads[order])]
    arrays += [np.ascontiguousarray(caps[order], dtype=np.int64), np.ascontiguousarray(costs[order], dtype=np.int64)]
    start = time.perf_counter()
    flows = solver(*arrays)
    elapsed = time.perf_counter() - start
    return elapsed, int((np.asarray(flows, dtype=np.int64) * costs[order]).sum())


def lapjv(tails, heads, caps, costs, listed, sink) -> tuple[float, int, int]:
    """The listed part as a sparse assignment: (seconds, least cost, teachers placed)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    teachers, row = np.unique(tails[listed], return_inverse=True)
    posts, post = np.unique(heads[listed], return_inverse=True)
    seats_of = np.zeros(max(int(heads.max()), int(tails.max())) + 1, dtype=np.int64)
    to_sink = heads == sink
    seats_of[tails[to_sink]] = caps[to_sink]
    seats = seats_of[posts]
    first_seat = np.concatenate([[0], np.cumsum(seats)])
    k = seats[post]
    rows = np.repeat(row, k)
    cols = np.repeat(first_seat[post], k) + np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    weights = np.repeat(costs[listed], k).astype(float)
    n, s = len(teachers), int(seats.sum())
    unplaced = 1_000_000.0
    matrix = csr_matrix(
        (
            np.concatenate([weights, np.full(n, unplaced)]),
            (np.concatenate([rows, np.arange(n)]), np.concatenate([cols, s + np.arange(n)])),
        ),
        shape=(n, s + n),
    )
    start = time.perf_counter()
    r, c = min_weight_full_bipartite_matching(matrix)
    elapsed = time.perf_counter() - start
    placed = int((c < s).sum())
    return elapsed, int(np.asarray(matrix[r, c]).sum() - (n - placed) * unplaced), placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument(
        "--keep", type=float, default=0.03, help="share of each post's ranking kept (0.03: about 80%% left)"
    )
    parser.add_argument(
        "--lapjv", action="store_true", help="also SciPy's LAPJVsp on the listed part (a minute at a million)"
    )
    parser.add_argument("--fair", type=Path, help="an instance file instead of a generated fair")
    args = parser.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.machine()}"
    )
    with tempfile.TemporaryDirectory(prefix="matchapp-solvers-") as tmp:
        path = args.fair
        if path is None:
            from engine import generate, thin_rankings

            base, path = Path(tmp) / "fair.json", Path(tmp) / "thinned.json"
            schools, seed = (5_000, 2) if args.teachers <= 100_000 else (None, 3)
            generate(base, args.teachers, schools, seed)
            thin_rankings(base, path, args.keep)
        networks = capture(path)
    tails, heads, caps, costs, supplies = max(networks, key=lambda n: len(n.tails))
    print(f"largest network: {len(supplies):,} nodes, {len(tails):,} arcs, flow {int(supplies[0]):,}")

    seconds, best = ortools(tails, heads, caps, costs, supplies)
    print(f"OR-Tools cost scaling (the engine's): {seconds:.2f} s, cost {best:,}")
    # Listed arcs: unit capacity, a rank as cost (every other arc costs 0 or an unlisted seat's cost).
    from algorithms.assignment import SCALED_UNLISTED

    unlisted = costs >= SCALED_UNLISTED
    kept = ~unlisted
    from algorithms.assignment import _max_flow

    value = _max_flow(tails[kept], heads[kept], caps[kept], 0, 1)
    listed_supplies = np.zeros_like(supplies)
    listed_supplies[0], listed_supplies[1] = value, -value
    seconds, listed_cost = ortools(tails[kept], heads[kept], caps[kept], costs[kept], listed_supplies)
    print(f"OR-Tools, listed choices only (flow {value:,}): {seconds:.2f} s, cost {listed_cost:,}")

    try:
        import pylmcf  # noqa: F401
    except ImportError:
        print("LEMON: pylmcf not installed (pip install pylmcf)")
    else:
        for which in ("cost scaling", "network simplex"):
            seconds, cost = lemon(which, tails, heads, caps, costs, supplies)
            same = "same cost" if cost == best else f"DIFFERENT cost {cost:,}"
            print(f"LEMON {which}: {seconds:.2f} s, {same}")
            if cost != best:
                raise SystemExit(1)
    if args.lapjv:
        listed = (costs >= 1) & ~unlisted & (heads > 1) & (tails > 1)
        seconds, cost, placed = lapjv(tails, heads, caps, costs, listed, 1)
        same = "same" if (cost, placed) == (listed_cost, value) else f"DIFFERENT ({cost:,}, {placed:,})"
        print(f"SciPy LAPJVsp, listed choices only: {seconds:.2f} s, {same} cost and teachers placed")


if __name__ == "__main__":
    main()
