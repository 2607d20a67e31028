"""Reading on two cores (algorithms/reading.py) gives what reading on one gives, refusals too."""

import json
import os
import subprocess
import sys

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import algorithms.instance
import algorithms.reading
from algorithms import generate_instance, loads_instance, result_bytes, solve
from algorithms.reading import read_instance
from tests.algorithms.strategies import constrained_docs, instance_docs
from tests.algorithms.test_decoding import _outcome
from tests.algorithms.test_instance import GOOD, MALFORMED, _broken, json_values, mutated_docs


def _in_two(raw):
    return read_instance(raw, workers=2, parallel_bytes=0)


def _same_in_two(doc):
    raw = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    outcome = _outcome(_in_two, raw)
    assert outcome == _outcome(loads_instance, raw)
    with pytest.raises(ChildProcessError):  # the child was waited for, whatever happened
        os.waitpid(-1, os.WNOHANG)
    return outcome


@settings(max_examples=150, deadline=None)
@given(st.one_of(instance_docs(ties=True), mutated_docs(), json_values))
def test_any_document_reads_the_same_on_two_cores(doc):
    try:
        json.dumps(doc, allow_nan=False)
    except ValueError:
        doc = orjson.loads(orjson.dumps(doc))  # an infinity: as orjson writes it (null)
    _same_in_two(doc)


@pytest.mark.parametrize("name,change,entry,problem", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_each_malformed_document_is_refused_with_the_same_words_on_two_cores(name, change, entry, problem):
    outcome = _same_in_two(_broken(change))
    assert outcome[:2] == ("refused", entry) and problem in outcome[2]


def _never_in_one_process(monkeypatch):
    """Make the reader fail if it falls back to reading the whole document in this process."""

    def refuse(raw):
        raise AssertionError("read in one process")

    monkeypatch.setattr(algorithms.instance, "loads_instance", refuse)


def test_the_child_reads_the_preferences_of_a_generated_fair(monkeypatch):
    doc = generate_instance(400, 15, seed=4)
    expected = _outcome(loads_instance, orjson.dumps(doc))
    _never_in_one_process(monkeypatch)
    assert _outcome(_in_two, orjson.dumps(doc)) == expected
    with pytest.raises(AssertionError, match="in one process"):  # the check can fail
        read_instance(orjson.dumps(doc), workers=1)


@pytest.mark.parametrize(
    "child",
    [
        pytest.param(lambda *sections: None, id="the child cannot read them"),
        pytest.param(lambda *sections: 1 / 0, id="the child fails"),
        pytest.param(lambda *sections: os._exit(0), id="the child exits without a word"),
        pytest.param(lambda *sections: [np.zeros(3, np.int64), np.zeros(0, np.int32)], id="for other teachers"),
        pytest.param(lambda s, t: [np.full(200, 2, np.int64), np.zeros(400, np.int32)], id="a school listed twice"),
    ],
)
def test_when_the_child_cannot_say_this_process_reads_the_whole_document(monkeypatch, child):
    doc = generate_instance(200, 10, seed=6)
    monkeypatch.setattr(algorithms.reading, "_child_preferences", child)
    assert _same_in_two(doc)[0] == "read"


@settings(max_examples=60, deadline=None)
@given(constrained_docs(ties=True))
def test_constraints_read_the_same_on_two_cores(doc):
    assert _same_in_two(doc)[0] == "read"


def test_a_small_file_or_one_worker_is_read_in_one_process(monkeypatch):
    def no_fork():
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    raw = json.dumps(GOOD).encode()
    assert read_instance(raw, workers=2).n_teachers == 3  # below PARALLEL_BYTES
    assert read_instance(raw, workers=1, parallel_bytes=0).n_teachers == 3


def test_the_command_reads_a_large_file_on_two_cores_and_writes_the_same_bytes(tmp_path):
    doc = generate_instance(15_000, 300, seed=8)
    raw = orjson.dumps(doc)
    assert len(raw) >= algorithms.reading.PARALLEL_BYTES  # the size the command forks for
    path = tmp_path / "fair.json"
    path.write_bytes(raw)
    proc = subprocess.run(
        [sys.executable, "-m", "matchapp", "solve", str(path), "--assign", "-o", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    inst = loads_instance(raw)
    assert (tmp_path / "r.json").read_bytes() == result_bytes(inst, solve(inst, assign=True))


# Two problems at once, one in the teachers' preferences (read by the child) and one in the
# posts (read here first): the refusal is the plain reader's, which reads the teachers first.
TWO_PROBLEMS = [
    ("posts not a list", lambda d: d.update(posts="none")),
    ("a post at an unknown school", lambda d: d["posts"].append({"school": "S77", "subject": "math", "capacity": 1})),
    ("an unknown ranked teacher", lambda d: d["posts"][0]["ranking"].append("T404")),
]


@pytest.mark.parametrize("name,post_problem", TWO_PROBLEMS, ids=[t[0] for t in TWO_PROBLEMS])
@pytest.mark.parametrize(
    "teacher_problem,entry",
    [
        pytest.param(lambda d: d["teachers"][1]["preferences"].append("S02"), "teacher T003", id="own school listed"),
        pytest.param(lambda d: d["teachers"][0]["preferences"].append("S02"), "teacher T001", id="school listed twice"),
        pytest.param(lambda d: d["teachers"][1]["preferences"].append("S09"), "teacher T003", id="unknown preference"),
    ],
)
def test_a_teacher_problem_is_named_before_a_post_problem_on_two_cores(name, post_problem, teacher_problem, entry):
    doc = json.loads(json.dumps(GOOD))
    teacher_problem(doc)
    post_problem(doc)
    assert _same_in_two(doc)[:2] == ("refused", entry)
