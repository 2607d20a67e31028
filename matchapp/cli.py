"""The ``matchapp`` command.

``solve``, ``generate`` and ``explain`` are the engine's and import neither Flask nor SQLAlchemy,
so they start fast; every other command (``demo``, ``serve``, ``db``, ``create-user``,
``import-roster`` ...) is the web application's and goes through Flask's command line.
"""

from __future__ import annotations

import argparse
import os
import sys

ENGINE_COMMANDS = ("solve", "generate", "explain")


class InputError(Exception):
    """A problem with a file the user gave: printed as one line, exit status 2."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _dumps(doc) -> bytes:
    import orjson

    return orjson.dumps(doc) + b"\n"


def _write(data: bytes, path: str | None) -> None:
    """Write all of ``data`` or nothing: a temporary file renamed into place."""
    if path is None or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from .core.files import write_atomically

    try:
        write_atomically(path, data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None


def _load_instance(path: str, workers: int = 1):
    from algorithms.instance import InstanceError
    from algorithms.reading import read_instance

    try:
        return read_instance(_read(path), workers=workers)
    except InstanceError as exc:
        raise InputError(f"{os.path.basename(path)}: {exc}") from None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def cmd_solve(args) -> int:
    from algorithms.solve import result_bytes, solve

    workers = min(_cores(), 2)
    instance = _load_instance(args.instance, workers)
    result = solve(instance, assign=args.assign, workers=workers)
    _write(result_bytes(instance, result), args.output)
    if not result.certificate.stable:  # never expected: the certificate checks our own DA
        for line in result.certificate.describe(instance):
            print(f"{args.instance}: {line}", file=sys.stderr)
        return 1
    return 0


def cmd_generate(args) -> int:
    from algorithms.generate import generate_instance

    if args.teachers < 1:
        raise InputError("--teachers must be at least 1")
    if args.schools is not None and args.schools < 2:
        raise InputError("--schools must be at least 2")
    _write(_dumps(generate_instance(args.teachers, args.schools, args.seed)), args.output)
    return 0


def cmd_explain(args) -> int:
    import orjson

    from algorithms.instance import InstanceError, json_problem
    from algorithms.policy import explain_teacher
    from algorithms.solve import parse_result

    instance = _load_instance(args.instance)
    text = _read(args.result)
    try:
        # parse_result checks the result against the instance (ids, rules, stability).
        matching, assigned = parse_result(instance, orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{os.path.basename(args.result)}: {json_problem(text, exc)}") from None
    except InstanceError as exc:
        raise InputError(f"{os.path.basename(args.result)}: {exc}") from None
    try:
        teacher = instance.teacher_ids.index(args.teacher)
    except ValueError:
        raise InputError(f"{os.path.basename(args.instance)}: teacher {args.teacher}: is not a teacher") from None
    explanation = explain_teacher(instance, teacher, matching, assigned)
    if args.json:
        doc = {
            "teacher": args.teacher,
            "school": instance.school_ids[explanation.school] if explanation.school >= 0 else None,
            "how": explanation.how,
            "preference_rank": explanation.preference_rank,
            "reasons": [_reason_doc(instance, r, args.lang) for r in explanation.reasons],
        }
        _write(_dumps(doc), None)
    else:
        print("\n".join(explanation.lines(instance, args.lang)))
    return 0


def _reason_doc(instance, r, lang: str) -> dict:
    """One reason for ``explain --json``; the fields of backbone seats and requirements only
    where they say something, so that an explanation without them reads as before."""
    doc = {
        "school": instance.school_ids[r.school],
        "preference_rank": r.preference_rank,
        "code": r.code,
        "seats": r.seats,
        "last_admitted": r.last_admitted,
        "your_position": r.your_position,
        "tied": r.tied,
    }
    if r.missing:
        doc["missing"] = list(r.missing)
    if r.reserved:
        doc.update(backbone_seats=r.reserved, reserve_taken=r.reserve_taken, last_reserved=r.last_reserved)
    doc["message"] = r.message(instance, lang)
    return doc


def engine_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchapp",
        description="Teacher rotation fair engine (solve, generate, explain) and the web application's "
        "commands, listed below.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve a fair instance (deferred acceptance, certified)")
    solve.add_argument("instance")
    solve.add_argument("-o", "--output", help="result file (default: stdout)")
    solve.add_argument("--assign", action="store_true", help="also assign the unmatched (行政指定)")
    solve.set_defaults(func=cmd_solve)
    gen = sub.add_parser("generate", help="write a realistic synthetic instance")
    gen.add_argument("--teachers", type=int, required=True)
    gen.add_argument("--schools", type=int)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("-o", "--output")
    gen.set_defaults(func=cmd_generate)
    exp = sub.add_parser("explain", help="why a teacher got their result")
    exp.add_argument("instance")
    exp.add_argument("result")
    exp.add_argument("teacher")
    exp.add_argument("--lang", choices=("zh", "en"), default="zh")
    exp.add_argument("--json", action="store_true", help="machine-readable output")
    exp.set_defaults(func=cmd_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        # A short-lived process over millions of acyclic objects: the cyclic collector
        # would only rescan them (it costs a 100,000-teacher run about a second).
        import gc

        gc.disable()
        args = engine_parser().parse_args(argv)
        try:
            return args.func(args)
        except InputError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except MemoryError:
            print("matchapp: out of memory", file=sys.stderr)
            return 1
    if argv and argv[0] in ("-h", "--help") and len(argv) == 1:
        engine_parser().print_help()
        print("\nWeb application commands (Flask):")
    from .web_cli import web_main

    return web_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
