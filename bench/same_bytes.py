"""Check that this tree's `matchapp solve` writes the same bytes as another tree's.

    python bench/same_bytes.py --reference /path/to/other/checkout            # about 4 minutes
    python bench/same_bytes.py --reference ../main --quick                    # small fairs only
    python bench/same_bytes.py --reference ../main --keep /tmp/fairs          # keep (and reuse) files

For speed work on the engine: every change must leave the result files byte-identical. Fairs
are generated (several sizes and seeds), then thinned as `bench/engine.py`'s families are
(rankings cut to their best 40% or 3%, leaving 40% or 80% of the teachers to the
administrative assignment) and given `bench/engine.py`'s constraints; each is solved with and
without `--assign` by both trees, each in a fresh process (`python -m matchapp` run from the
tree's directory, so that its `algorithms` and `matchapp` are the ones imported). Broken copies
of a small fair are solved too: the exit status and the message must be the same.
Prints one line per file and exits 1 on the first difference.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from engine import FAMILIES, add_constraints, thin_rankings  # noqa: E402

#: (teachers, schools or None, seed): small fairs with every kind of tie and short list, then
#: district and province sizes.
SIZES = [(300, None, 1), (1_000, None, 2), (3_000, 60, 3), (10_000, None, 4), (30_000, 1_500, 5)]
LARGE = [(100_000, 5_000, 2)]


def solve(tree: Path, instance: Path, output: Path, assign: bool) -> tuple[int, bytes, bytes]:
    """Run the tree's `matchapp solve`; return (exit status, result bytes, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")  # the other tree stays untouched
    args = [sys.executable, "-m", "matchapp", "solve", str(instance), "-o", str(output)]
    proc = subprocess.run(args + (["--assign"] if assign else []), cwd=tree, env=env, capture_output=True)
    data = output.read_bytes() if output.exists() else b""
    if output.exists():
        output.unlink()
    return proc.returncode, data, proc.stderr.replace(str(tree).encode(), b"TREE")


def broken(path: Path, out_dir: Path) -> list[Path]:
    """Copies of a fair with one thing wrong each (the messages must not change)."""
    import orjson

    doc = orjson.loads(path.read_bytes())
    cases = {
        "unknown-ranked": lambda d: d["posts"][3]["ranking"].append("nobody"),
        "ranked-twice": lambda d: d["posts"][3]["ranking"].append(d["posts"][3]["ranking"][0]),
        "group-nested": lambda d: d["posts"][2]["ranking"].append([["x"]]),
        "group-unknown": lambda d: d["posts"][2]["ranking"].append([d["posts"][2]["ranking"][0], "nobody"]),
        "pref-unknown": lambda d: d["teachers"][5]["preferences"].append("S-none"),
        "pref-twice": lambda d: d["teachers"][5]["preferences"].append(d["teachers"][5]["preferences"][0]),
        "id-twice": lambda d: d["teachers"][7].update(id=d["teachers"][6]["id"]),
        "bad-capacity": lambda d: d["posts"][1].update(capacity=2.0),
        "ranking-not-list": lambda d: d["posts"][1].update(ranking="T1"),
        "teacher-not-object": lambda d: d["teachers"].append(3),
        "empty-group": lambda d: d["posts"][4]["ranking"].insert(1, []),
    }
    paths = []
    for name, change in cases.items():
        copy = orjson.loads(orjson.dumps(doc))
        change(copy)
        target = out_dir / f"broken-{name}.json"
        target.write_bytes(orjson.dumps(copy))
        paths.append(target)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", required=True, type=Path, help="the other tree (e.g. main's checkout)")
    parser.add_argument("--quick", action="store_true", help="only fairs up to 30,000 teachers")
    parser.add_argument("--keep", type=Path, help="directory for the fairs (reused when present)")
    args = parser.parse_args()
    reference = args.reference.resolve()
    with tempfile.TemporaryDirectory(prefix="matchapp-same-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        instances: list[tuple[Path, bool]] = []
        for teachers, schools, seed in SIZES + ([] if args.quick else LARGE):
            base = work / f"fair-{teachers}-{seed}.json"
            if not base.exists():
                cmd = [sys.executable, "-m", "matchapp", "generate", "--teachers", str(teachers), "--seed", str(seed)]
                cmd += ["--schools", str(schools)] if schools else []
                subprocess.run(cmd + ["-o", str(base)], cwd=ROOT, check=True)
            for family, keep in FAMILIES.items():
                for constrained in (False, True):
                    name = f"fair-{teachers}-{seed}-{family[10:-1]}{'-constrained' if constrained else ''}.json"
                    path = work / name
                    if not path.exists():
                        thin_rankings(base, path, keep)
                        if constrained:
                            add_constraints(path, seed)
                    instances.append((path, True))
                    if teachers <= 10_000:
                        instances.append((path, False))
        instances += [(p, True) for p in broken(work / "fair-1000-2.json", work)]
        out = work / "result.json"
        for path, assign in instances:
            ours = solve(ROOT, path, out, assign)
            theirs = solve(reference, path, out, assign)
            same = ours == theirs
            print(
                f"{'same' if same else 'DIFFERENT'}: {path.name}{' --assign' if assign else ''} "
                f"(exit {ours[0]}, {len(ours[1]):,} bytes{', ' + ours[2].decode().strip() if ours[2] else ''})",
                flush=True,
            )
            if not same:
                return 1
        print(f"all {len(instances)} results identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
