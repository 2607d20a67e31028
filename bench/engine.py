"""Engine benchmark: the matching library against `matchapp solve`, then province sizes.

    python bench/engine.py            # everything (about 5 minutes on a 2-core machine)
    python bench/engine.py --quick    # skip the library and the 1,000,000-teacher runs
    python bench/engine.py --quick --constraints   # and the 100,000 families with constraints
    python bench/engine.py --quick --shapes        # and 100,000-teacher fairs of other shapes

Prints one line per measurement. Whole-process times are wall-clock times of a fresh
`python -m matchapp solve ...` (imports, reading, validation, solving, certifying, writing),
the median of several runs, with the child's CPU time (user + system) beside them, which a
busy shared machine disturbs less; peak memory is the child's maximum resident set size.

Families. The generator's fairs leave about a tenth of the teachers unmatched
(`unmatched-10%`). The families `unmatched-40%` and `unmatched-80%` keep only the best part of
every post's ranking (schools that rank few of their applicants), so that about 40% or 80% of
the teachers are left for the administrative assignment, where the exact min-cost flow works.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


#: family -> share of each post's ranking kept (None: the generator's fair as it is, which
#: leaves about 11% unmatched); 0.4 leaves about 40%, 0.03 about 80% (100,000 teachers, seed 2).
FAMILIES = {"unmatched-10%": None, "unmatched-40%": 0.4, "unmatched-80%": 0.03}


def run(args: list[str]) -> tuple[float, int, float]:
    """Run a command; return (wall seconds, peak RSS in MB, CPU seconds user + system).

    The peak is the largest process of the command (``bench/tree_memory.py`` sums them). It is
    taken by ``/usr/bin/time``: a process started from this one inherits its high-water mark
    through ``execve`` (Linux keeps the larger of the old and the new), and this one holds the
    thinned families, several hundred MB at a million teachers (the runs before 2026-12-07 09:00
    reported that, 2,801 MB, instead of the command's own peak).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        timed = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *args] if os.path.exists("/usr/bin/time") else args
        start = time.perf_counter()
        proc = subprocess.Popen(timed, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {err}")
        text = rss.read().strip() if timed is not args else ""
    peak_kb = int(text.splitlines()[-1]) if text else usage.ru_maxrss
    return elapsed, peak_kb // 1024, usage.ru_utime + usage.ru_stime


def thin_rankings(path: Path, out: Path, keep: float | None) -> None:
    """Write the instance at ``path`` with every post's ranking cut to its best ``keep`` share."""
    import math

    import orjson

    doc = orjson.loads(path.read_bytes())
    if keep is not None:
        for post in doc["posts"]:
            ranking = post["ranking"]
            post["ranking"] = ranking[: math.ceil(keep * len(ranking))]
    out.write_bytes(orjson.dumps(doc))


def add_constraints(path: Path, seed: int = 1) -> None:
    """Give a fair the optional constraints (docs: README, "The engine"), as a district might:
    40% of the teachers hold a senior title, 20% of the posts require one (their rankings keep
    only such teachers), 30% of the posts reserve some of their seats for backbone teachers, and
    30% refuse (不接受) up to two applicants they did not rank."""
    import random

    import orjson

    rng = random.Random(seed)
    doc = orjson.loads(path.read_bytes())
    senior = set()
    for teacher in doc["teachers"]:
        if rng.random() < 0.4:
            teacher["qualifications"] = ["职称:高级及以上"]
            senior.add(teacher["id"])
    applied: dict[tuple[str, str], list[str]] = {}
    for teacher in doc["teachers"]:
        for school in teacher["preferences"]:
            applied.setdefault((school, teacher["subject"]), []).append(teacher["id"])
    for post in doc["posts"]:
        if rng.random() < 0.2:
            post["requires"] = ["职称:高级及以上"]
            groups = [[t for t in (g if isinstance(g, list) else [g]) if t in senior] for g in post["ranking"]]
            post["ranking"] = [g[0] if len(g) == 1 else g for g in groups if g]
        if rng.random() < 0.3 and post["capacity"]:
            post["backbone_seats"] = rng.randint(1, post["capacity"])
        ranked = {t for g in post["ranking"] for t in (g if isinstance(g, list) else [g])}
        others = sorted(set(applied.get((post["school"], post["subject"]), [])) - ranked)
        if others and rng.random() < 0.3:
            post["refused"] = rng.sample(others, min(2, len(others)))
    path.write_bytes(orjson.dumps(doc))


#: other shapes (``--shapes``): (longest list, share of applicants each post ranks, zones), see
#: :func:`uniform_fair`; a zone count of 0 leaves every school without a zone.
SHAPES = ((20, 0.03, 0), (10, 0.03, 400), (30, 0.2, 50), (40, 0.03, 0))


def uniform_fair(path: Path, teachers: int, schools: int, longest: int, keep: float, zones: int, seed: int) -> None:
    """Write a fair unlike the generator's: each teacher lists 1..``longest`` schools drawn
    uniformly among those with a post of their subject (no taste for near or strong schools),
    each post ranks a random ``keep`` share of its applicants, seats are drawn as the teachers
    are, and ``zones`` zones are drawn uniformly (none when 0). Only the format doc's fields."""
    import orjson

    rng = np.random.default_rng(seed)
    subjects = ("chinese", "math", "english", "physics", "pe", "music", "art", "science")
    share = np.array([0.25, 0.22, 0.18, 0.08, 0.09, 0.06, 0.06, 0.06])
    n_sub = len(subjects)
    tiers = ("strong", "ordinary", "weak")
    school_docs = []
    for j in range(schools):
        doc: dict = {"id": f"X{j:05d}", "tier": tiers[rng.integers(3)]}
        if zones:
            doc["zone"] = f"Z{rng.integers(zones)}"
        school_docs.append(doc)
    home = rng.integers(0, schools, teachers)
    subject = rng.choice(n_sub, teachers, p=share)
    seats = np.bincount(rng.integers(0, schools, teachers) * n_sub + subject, minlength=schools * n_sub)
    has = [np.flatnonzero(seats.reshape(schools, n_sub)[:, k]) for k in range(n_sub)]
    teacher_docs, applicants = [], {}
    for i in range(teachers):
        pool = has[subject[i]]
        k = int(min(rng.integers(1, longest + 1), len(pool)))
        listed = [int(j) for j in pool[rng.choice(len(pool), size=k, replace=False)] if j != home[i]]
        teacher_docs.append(
            {
                "id": f"P{i:07d}",
                "school": f"X{home[i]:05d}",
                "subject": subjects[subject[i]],
                "backbone": bool(rng.random() < 0.2),
                "preferences": [f"X{j:05d}" for j in listed],
            }
        )
        for j in listed:
            applicants.setdefault((j, int(subject[i])), []).append(i)
    post_docs = []
    for key in np.flatnonzero(seats):
        j, k = divmod(int(key), n_sub)
        pool = np.asarray(applicants.get((j, k), []), dtype=np.int64)
        ranked = rng.permutation(pool)[: int(np.ceil(keep * len(pool)))]
        post_docs.append(
            {
                "school": f"X{j:05d}",
                "subject": subjects[k],
                "capacity": int(seats[key]),
                "ranking": [f"P{i:07d}" for i in ranked.tolist()],
            }
        )
    document = {"format": "matchapp.instance/1", "seed": seed, "schools": school_docs, "teachers": teacher_docs}
    document["posts"] = post_docs
    path.write_bytes(orjson.dumps(document))


def measure(instance: Path, output: Path, repeat: int) -> tuple[float, float, float, int, dict]:
    """`solve --assign` ``repeat`` times: (median wall, min wall, median CPU, peak MB, stats)."""
    runs = [run(solve_cmd(instance, output, True)) for _ in range(repeat)]
    stats = json.loads(output.read_text(encoding="utf-8"))["stats"]
    walls = [r[0] for r in runs]
    return (
        statistics.median(walls),
        min(walls),
        statistics.median(r[2] for r in runs),
        max(r[1] for r in runs),
        stats,
    )


def family_line(label: str, numbers: tuple[float, float, float, int, dict]) -> str:
    wall, best, cpu, peak, stats = numbers
    share = stats["unmatched"] / stats["teachers"]
    return (
        f"{label}: unmatched {share:.0%} ({stats['unmatched']:,}, assigned {stats['assigned']:,}); "
        f"solve --assign median {wall:.2f} s (min {best:.2f} s, CPU {cpu:.2f} s), peak {peak} MB, "
        f"stable {stats['stable']}"
    )


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
    parser.add_argument(
        "--constraints", action="store_true", help="also the 100,000 families with requirements, reserves, refusals"
    )
    parser.add_argument(
        "--shapes",
        action="store_true",
        help="also 100,000-teacher fairs of other shapes (uniform lists, zones or none)",
    )
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

        # 2. A province: 100,000 teachers, 5,000 schools, with the administrative assignment,
        # in each family of unmatched shares.
        base = tmp_path / "fair-100k.json"
        generate(base, 100_000, 5_000, 2)
        for name, keep in FAMILIES.items():
            inst = tmp_path / f"fair-100k-{name}.json"
            thin_rankings(base, inst, keep)
            numbers = measure(inst, tmp_path / "r100k.json", 3)
            print(family_line(f"100,000 teachers / 5,000 schools, {name}", numbers), flush=True)
            if args.constraints:
                add_constraints(inst)
                numbers = measure(inst, tmp_path / "r100k.json", 3)
                print(family_line(f"100,000 teachers / 5,000 schools, {name}, constrained", numbers), flush=True)

        if args.shapes:
            for longest, keep, zones in SHAPES:
                inst = tmp_path / "fair-100k-shape.json"
                uniform_fair(inst, 100_000, 5_000, longest, keep, zones, 11)
                numbers = measure(inst, tmp_path / "r100k.json", 3)
                label = f"lists of 1-{longest} uniform, {keep:.0%} ranked, " + (
                    f"{zones} zones" if zones else "no zones"
                )
                print(family_line(f"100,000 teachers / 5,000 schools, {label}", numbers), flush=True)

        if not args.quick:
            base = tmp_path / "fair-1m.json"
            t_gen = time.perf_counter()
            generate(base, 1_000_000, None, 3)
            t_gen = time.perf_counter() - t_gen
            print(
                f"generated 1,000,000 teachers / 50,000 schools ({base.stat().st_size / 1e6:.0f} MB) in {t_gen:.0f} s"
            )
            for name in FAMILIES:
                inst = tmp_path / f"fair-1m-{name}.json"
                thin_rankings(base, inst, FAMILIES[name])
                numbers = measure(inst, tmp_path / "r1m.json", 1)
                print(family_line(f"1,000,000 teachers / 50,000 schools, {name}", numbers), flush=True)
                inst.unlink()


if __name__ == "__main__":
    main()
