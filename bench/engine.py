"""Engine benchmark: the matching library against `matchapp solve`, then province sizes.

    python bench/engine.py            # everything (about 2 minutes on a 2-core machine)
    python bench/engine.py --quick    # skip the library and the 1,000,000-teacher run

Prints one line per measurement. Whole-process times are wall-clock times of a fresh
`python -m matchapp solve ...` (imports, reading, validation, solving, certifying, writing),
the median of several runs; peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(args: list[str]) -> tuple[float, int]:
    """Run a command; return (seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err}")
    return elapsed, usage.ru_maxrss // 1024


def solve_cmd(instance: Path, output: Path, assign: bool) -> list[str]:
    return [sys.executable, "-m", "matchapp", "solve", str(instance), "-o", str(output)] + (
        ["--assign"] if assign else []
    )


def generate(path: Path, teachers: int, schools: int | None, seed: int) -> None:
    args = [
        sys.executable,
        "-m",
        "matchapp",
        "generate",
        "--teachers",
        str(teachers),
        "--seed",
        str(seed),
        "-o",
        str(path),
    ]
    if schools:
        args += ["--schools", str(schools)]
    run(args)


def library(doc: dict) -> tuple[dict, float, float, float]:
    """Build, solve and check the matching library's game; returns (matching, t_build, t_solve, t_check)."""
    state = warnings.filters[:]
    from matching.games import HospitalResident

    warnings.filters[:] = state
    sys.setrecursionlimit(10**6)
    posts = {(p["school"], p["subject"]): p for p in doc["posts"] if p["capacity"] > 0}
    accept = {key: set(p["ranking"]) for key, p in posts.items()}
    residents = {}
    for t in doc["teachers"]:
        lst = [
            f"{s}/{t['subject']}"
            for s in t["preferences"]
            if (s, t["subject"]) in posts and t["id"] in accept[(s, t["subject"])]
        ]
        if lst:
            residents[t["id"]] = lst
    applied: dict[str, set] = {}
    for tid, lst in residents.items():
        for label in lst:
            applied.setdefault(label, set()).add(tid)
    hospitals, capacities = {}, {}
    for (school, subject), p in posts.items():
        label = f"{school}/{subject}"
        ranked = [t for t in p["ranking"] if t in applied.get(label, ())]
        if ranked:
            hospitals[label], capacities[label] = ranked, p["capacity"]
    residents = {t: [h for h in lst if h in hospitals] for t, lst in residents.items()}
    residents = {t: lst for t, lst in residents.items() if lst}
    t0 = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
    t1 = time.perf_counter()
    solution = game.solve(optimal="resident")
    t2 = time.perf_counter()
    assert game.check_stability()
    t3 = time.perf_counter()
    matching = {r.name: h.name.split("/")[0] for h, rs in solution.items() for r in rs}
    return matching, t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the library and the million")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {platform.machine()}"
    )
    with tempfile.TemporaryDirectory(prefix="matchapp-bench-") as tmp:
        tmp_path = Path(tmp)
        # 1. The same strict 10,000-teacher instance through both.
        inst10 = tmp_path / "fair-10k.json"
        generate(inst10, 10_000, None, 1)
        doc = json.loads(inst10.read_text(encoding="utf-8"))
        for post in doc["posts"]:  # the library takes strict rankings only: flatten tie groups
            post["ranking"] = [t for g in post["ranking"] for t in (g if isinstance(g, list) else [g])]
        inst10.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        out10 = tmp_path / "result-10k.json"
        times = [run(solve_cmd(inst10, out10, False))[0] for _ in range(args.repeat)]
        ours = statistics.median(times)
        print(
            f"matchapp solve, 10,000 teachers, whole process: median {ours:.3f} s (min {min(times):.3f} s, "
            f"{args.repeat} runs)"
        )
        if not args.quick:
            matching, build, solve_t, check = library(doc)
            total = build + solve_t + check
            print(
                f"matching library, same instance: build {build:.2f} s + solve {solve_t:.2f} s + "
                f"check_stability {check:.2f} s = {total:.2f} s"
            )
            same = json.loads(out10.read_text(encoding="utf-8"))["matching"] == matching
            print(f"ratio library / matchapp: {total / ours:.0f}x; same matching: {same}")

        # 2. A province: 100,000 teachers, 5,000 schools, with the administrative assignment.
        inst100 = tmp_path / "fair-100k.json"
        generate(inst100, 100_000, 5_000, 2)
        runs = [run(solve_cmd(inst100, tmp_path / "r100k.json", True)) for _ in range(3)]
        result = json.loads((tmp_path / "r100k.json").read_text(encoding="utf-8"))["stats"]
        print(
            f"matchapp solve --assign, 100,000 teachers / 5,000 schools: median "
            f"{statistics.median(r[0] for r in runs):.2f} s, peak {max(r[1] for r in runs)} MB "
            f"(matched {result['matched']}, assigned {result['assigned']}, stable {result['stable']})"
        )

        if not args.quick:
            inst1m = tmp_path / "fair-1m.json"
            t_gen = time.perf_counter()
            generate(inst1m, 1_000_000, None, 3)
            t_gen = time.perf_counter() - t_gen
            seconds, peak = run(solve_cmd(inst1m, tmp_path / "r1m.json", True))
            result = json.loads((tmp_path / "r1m.json").read_text(encoding="utf-8"))["stats"]
            print(
                f"matchapp solve --assign, 1,000,000 teachers / 50,000 schools "
                f"({inst1m.stat().st_size / 1e6:.0f} MB, generated in {t_gen:.0f} s): {seconds:.1f} s, "
                f"peak {peak} MB (matched {result['matched']}, assigned {result['assigned']}, "
                f"stable {result['stable']})"
            )


if __name__ == "__main__":
    main()
