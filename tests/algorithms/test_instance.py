"""The exchange format: every malformed instance is refused by name; good ones round-trip."""

import copy
import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms import InstanceError, instance_to_dict, loads_instance, parse_instance
from tests.algorithms.strategies import instance_docs

GOOD = {
    "format": "matchapp.instance/1",
    "seed": 20260702,
    "schools": [
        {"id": "S01", "name": "第一中学", "tier": "strong", "zone": "Z1"},
        {"id": "S02", "name": "湖塘中学", "tier": "weak", "zone": "Z1"},
        {"id": "S03", "name": "雕庄中学", "tier": "ordinary", "zone": "Z2"},
    ],
    "teachers": [
        {
            "id": "T001",
            "name": "王芳",
            "school": "S01",
            "subject": "math",
            "backbone": True,
            "preferences": ["S02", "S03"],
        },
        {"id": "T003", "name": "李强", "school": "S02", "subject": "math", "preferences": ["S03"]},
        {"id": "T004", "name": "张敏", "school": "S03", "subject": "music", "preferences": []},
    ],
    "posts": [
        {"school": "S02", "subject": "math", "capacity": 2, "ranking": ["T001"]},
        {"school": "S03", "subject": "math", "capacity": 1, "ranking": [["T001", "T003"]]},
        {"school": "S01", "subject": "music", "capacity": 1, "ranking": ["T004"]},
    ],
}


def _broken(change):
    doc = copy.deepcopy(GOOD)
    change(doc)
    return doc


# (name, how to break GOOD, the entry named, words of the problem)
MALFORMED = [
    ("wrong format tag", lambda d: d.update(format="matchapp.instance/2"), "", "'format'"),
    ("duplicate school id", lambda d: d["schools"].append({"id": "S02"}), "school S02", "duplicate id"),
    ("duplicate teacher id", lambda d: d["teachers"].append(dict(d["teachers"][1])), "teacher T003", "duplicate id"),
    ("unknown home school", lambda d: d["teachers"][1].update(school="S99"), "teacher T003", "'S99' is not a school"),
    (
        "unknown preference",
        lambda d: d["teachers"][1]["preferences"].append("S09"),
        "teacher T003",
        "preference 'S09' is not a school",
    ),
    (
        "own school listed",
        lambda d: d["teachers"][1]["preferences"].append("S02"),
        "teacher T003",
        "lists its own school S02",
    ),
    (
        "school listed twice",
        lambda d: d["teachers"][0]["preferences"].append("S02"),
        "teacher T001",
        "lists school S02 twice",
    ),
    (
        "school without post in subject",
        lambda d: d["teachers"][2]["preferences"].append("S02"),
        "teacher T004",
        "school S02 has no post for music",
    ),
    (
        "teacher twice in a ranking",
        lambda d: d["posts"][0]["ranking"].append("T001"),
        "post S02/math",
        "teacher T001 is ranked twice",
    ),
    (
        "teacher twice across a tie",
        lambda d: d["posts"][1]["ranking"].append("T003"),
        "post S03/math",
        "teacher T003 is ranked twice",
    ),
    (
        "ranked teacher of another subject",
        lambda d: d["posts"][0]["ranking"].append("T004"),
        "post S02/math",
        "teaches music, not math",
    ),
    (
        "unknown ranked teacher",
        lambda d: d["posts"][0]["ranking"].append("T404"),
        "post S02/math",
        "'T404' is not a teacher",
    ),
    ("negative capacity", lambda d: d["posts"][0].update(capacity=-1), "post S02/math", "capacity -1 is negative"),
    ("fractional capacity", lambda d: d["posts"][0].update(capacity=1.5), "post S02/math", "not an integer"),
    (
        "duplicate post",
        lambda d: d["posts"].append({"school": "S02", "subject": "math", "capacity": 1}),
        "post S02/math",
        "duplicate post",
    ),
    (
        "post at unknown school",
        lambda d: d["posts"].append({"school": "S77", "subject": "math", "capacity": 1}),
        "post S77/math",
        "'S77' is not a school",
    ),
    ("bad tier", lambda d: d["schools"][0].update(tier="excellent"), "school S01", "tier 'excellent'"),
    ("missing teachers", lambda d: d.pop("teachers"), "", "'teachers' must be a list"),
    ("teacher not an object", lambda d: d["teachers"].append("T009"), "teacher #4", "must be an object"),
    (
        "preferences not a list",
        lambda d: d["teachers"][0].update(preferences="S02"),
        "teacher T001",
        "'preferences' must be a list",
    ),
    ("backbone not a boolean", lambda d: d["teachers"][0].update(backbone="yes"), "teacher T001", "'backbone'"),
    ("negative seed", lambda d: d.update(seed=-3), "", "'seed'"),
]


@pytest.mark.parametrize("name,change,entry,problem", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_instance_is_refused_naming_entry_and_problem(name, change, entry, problem):
    with pytest.raises(InstanceError) as info:
        parse_instance(_broken(change))
    assert info.value.entry == entry
    assert problem in info.value.problem


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "matchapp", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("name,change,entry,problem", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_cli_refuses_malformed_instance_with_exit_2_one_line_and_no_output(tmp_path, name, change, entry, problem):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(_broken(change), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "result.json"
    proc = _run("solve", str(path), "-o", str(out))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"instance.json: {entry}: " if entry else "instance.json: ")
    assert problem in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert os.listdir(tmp_path) == ["instance.json"]  # no temporary file left behind either


@pytest.mark.parametrize("content", [b"{not json", b"", b"\xff\xfe\x00", b"[1, 2]", b"null"])
def test_cli_refuses_bad_json_with_exit_2(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    proc = _run("solve", str(path), "-o", str(tmp_path / "out.json"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("bad.json: ")
    assert not (tmp_path / "out.json").exists()


def test_cli_missing_file_is_exit_2(tmp_path):
    proc = _run("solve", str(tmp_path / "nope.json"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_chinese_names_round_trip_through_the_format():
    inst = parse_instance(GOOD)
    doc = instance_to_dict(inst)
    assert doc["schools"][1]["name"] == "湖塘中学"
    assert doc["teachers"][0]["name"] == "王芳"
    assert doc["posts"][1]["ranking"] == [["T001", "T003"]]
    text = json.dumps(doc, ensure_ascii=False)
    assert "湖塘中学" in text
    assert instance_to_dict(loads_instance(text.encode("utf-8"))) == doc


@settings(max_examples=200, deadline=None)
@given(instance_docs(ties=True))
def test_any_valid_instance_round_trips(doc):
    inst = parse_instance(doc)
    again = instance_to_dict(parse_instance(instance_to_dict(inst)))
    assert again == instance_to_dict(inst)
    assert [t["preferences"] for t in again["teachers"]] == [t["preferences"] for t in doc["teachers"]]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.sampled_from(["S0", "S1", "T00", "T01", "math", "", "strong", "matchapp.instance/1"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "school",
                    "subject",
                    "preferences",
                    "ranking",
                    "capacity",
                    "tier",
                    "name",
                    "backbone",
                    "zone",
                    "format",
                    "seed",
                    "schools",
                    "teachers",
                    "posts",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@st.composite
def mutated_docs(draw):
    """A valid document with one field replaced by an arbitrary JSON value."""
    doc = draw(instance_docs(ties=True, max_teachers=5, max_schools=3))
    section = draw(st.sampled_from(["schools", "teachers", "posts", None]))
    value = draw(json_values)
    if section is None or not doc[section]:
        doc[draw(st.sampled_from(["format", "seed", "schools", "teachers", "posts"]))] = value
    else:
        item = doc[section][draw(st.integers(0, len(doc[section]) - 1))]
        item[draw(st.sampled_from(sorted(item)))] = value
    return doc


@settings(max_examples=500, deadline=None)
@given(st.one_of(json_values, mutated_docs()))
def test_parser_never_crashes_on_arbitrary_json(doc):
    try:
        inst = parse_instance(doc)
    except InstanceError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
    else:
        assert inst.n_teachers == len(doc["teachers"])
