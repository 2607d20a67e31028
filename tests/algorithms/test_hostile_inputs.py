"""Huge capacities, unwritable outputs, results that contradict their instance, odd encodings."""

import copy
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from algorithms import certify, explain_teacher, parse_instance, parse_result, result_to_dict, solve
from algorithms.instance import InstanceError, instance_to_dict

BASE = {
    "format": "matchapp.instance/1",
    "seed": 3,
    "schools": [{"id": "H", "name": "家校"}, {"id": "A", "name": "甲校"}, {"id": "B", "name": "乙校"}, {"id": "C"}],
    "teachers": [
        {"id": "t1", "school": "H", "subject": "m", "preferences": ["A", "B"]},
        {"id": "t2", "school": "H", "subject": "m", "preferences": ["A"]},
    ],
    "posts": [
        {"school": "A", "subject": "m", "capacity": 1, "ranking": ["t2", "t1"]},
        {"school": "B", "subject": "m", "capacity": 1, "ranking": []},
    ],
}


def _doc(change=None):
    doc = copy.deepcopy(BASE)
    if change:
        change(doc)
    return doc


def _peak_rss_mb(args):
    proc = subprocess.Popen(
        [sys.executable, "-m", "matchapp", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    """Run `matchapp`; return (exit status, stderr, peak RSS of the process in MB)."""
    err = proc.stderr.read().decode("utf-8")  # read first: a full pipe would block the child
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss // 1024


def _write(tmp_path, doc, name="fair.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _one_line_refusal(code, err, *words):
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- 4. huge capacities ------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [2**63 - 1, 2**64 - 1, 10**12, 10**8])
def test_a_capacity_far_above_the_teachers_is_read_as_the_number_of_teachers(tmp_path, capacity):
    doc = _doc(lambda d: d["posts"][1].update(capacity=capacity))
    inst = parse_instance(doc)
    assert inst.post_capacity.tolist() == [1, 2]  # B: no more seats than the two teachers
    code, err, peak = _peak_rss_mb(["solve", str(_write(tmp_path, doc)), "--assign", "-o", str(tmp_path / "r.json")])
    assert code == 0, err
    assert peak < 400  # the process, numpy and the solver: no table the size of the capacity
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["matching"] == {"t2": "A"} and result["assigned"] == {"t1": "B"}


# With reserved seats, the reserved part and the rest are each read as at most the number of
# teachers: clipping the whole first ate the unreserved seats (capacity 2, 1 reserved, one
# non-backbone teacher: read as 1 seat, reserved, so the teacher paid the reserved-seat cost there
# and was sent to an unlisted school instead of the listed one).
@pytest.mark.parametrize(
    "teachers,capacity,reserved,read",
    [
        (1, 2, 1, (2, 1)),  # the case found by the cost test: one reserved seat and one other
        (3, 3, 1, (3, 1)),  # exactly the number of teachers: as written
        (3, 4, 1, (4, 1)),  # one above: the 3 others stay 3
        (3, 10, 4, (6, 3)),  # both parts above
        (3, 10, 0, (3, 0)),  # no reserve: the whole, as before
        (3, 2**63 - 1, 2**62, (6, 3)),
    ],
)
def test_a_huge_capacity_with_reserved_seats_keeps_its_unreserved_seats(teachers, capacity, reserved, read):
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "H"}, {"id": "P"}, {"id": "U"}],
        "teachers": [{"id": f"t{k}", "school": "H", "subject": "m", "preferences": ["P"]} for k in range(teachers)],
        "posts": [
            {"school": "P", "subject": "m", "capacity": capacity, "backbone_seats": reserved},
            {"school": "U", "subject": "m", "capacity": 1},
        ],
    }
    inst = parse_instance(doc)
    assert (int(inst.post_capacity[0]), int(inst.post_reserve[0])) == read
    # Read back from what the instance writes: the same.
    again = parse_instance(instance_to_dict(inst))
    assert (int(again.post_capacity[0]), int(again.post_reserve[0])) == read
    # The teachers (none backbone) fill P's unreserved seats at their first choice, then the one
    # unlisted seat at U, and only then P's reserved seats, at the reserved-seat cost.
    result = solve(inst, assign=True)
    at_p = sum(j == 1 for j in result.destination.tolist())
    others = capacity - reserved
    assert at_p == min(teachers, others) + min(max(0, teachers - others - 1), reserved)


@given(
    st.integers(1, 6),
    st.integers(0, 2**63 - 1).flatmap(lambda c: st.tuples(st.just(c), st.integers(0, c))),
)
def test_any_capacity_and_reserve_read_as_each_part_clipped(teachers, capacity_reserved):
    capacity, reserved = capacity_reserved
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "H"}, {"id": "P"}],
        "teachers": [{"id": f"t{k}", "school": "H", "subject": "m"} for k in range(teachers)],
        "posts": [{"school": "P", "subject": "m", "capacity": capacity, "backbone_seats": reserved}],
    }
    inst = parse_instance(doc)
    read_reserved = int(inst.post_reserve[0])
    assert read_reserved == min(reserved, teachers)
    assert int(inst.post_capacity[0]) - read_reserved == min(capacity - reserved, teachers)


def test_huge_capacities_everywhere_cost_no_memory_in_the_matching():
    from algorithms import generate_instance

    doc = generate_instance(2000, seed=5)
    for post in doc["posts"]:
        post["capacity"] = 10**12
    inst = parse_instance(doc)
    assert inst.post_capacity.max() == 2000
    result = solve(inst, assign=True)
    assert result.certificate.stable


@pytest.mark.parametrize("capacity", [2**64, 1e400, 2.5, "3", True])
def test_a_capacity_that_is_no_integer_is_refused_on_one_line(tmp_path, capacity):
    text = json.dumps(_doc(), ensure_ascii=False).replace(
        '"capacity": 1,', f'"capacity": {json.dumps(capacity) if capacity != 1e400 else "1e400"},', 1
    )
    path = tmp_path / "fair.json"
    path.write_text(text, encoding="utf-8")
    code, err, _ = _peak_rss_mb(["solve", str(path), "-o", str(tmp_path / "r.json")])
    _one_line_refusal(code, err, "fair.json: ")
    assert "integer" in err or "JSON" in err
    assert not (tmp_path / "r.json").exists()


# -- 5. files and messages ---------------------------------------------------------------------


def test_an_output_in_a_missing_folder_is_one_line_not_a_traceback(tmp_path):
    path = _write(tmp_path, _doc())
    code, err, _ = _peak_rss_mb(["solve", str(path), "-o", str(tmp_path / "missing-dir" / "out.json")])
    _one_line_refusal(code, err, "missing-dir", "cannot write")


def test_a_latin1_file_is_reported_as_not_utf8_with_the_offset(tmp_path):
    path = tmp_path / "fair.json"

    def french(doc):  # a file exported by a tool that writes Latin-1
        for school, name in zip(doc["schools"], ("Maison", "école", "Lycée", "Collège")):
            school["name"] = name

    text = json.dumps(_doc(french), ensure_ascii=False)
    path.write_bytes(text.encode("latin-1"))
    code, err, _ = _peak_rss_mb(["solve", str(path)])
    line = _one_line_refusal(code, err, "fair.json: ", "not UTF-8", f"offset {text.index('é')}")
    assert "surrogates" not in line


def test_a_500_deep_ranking_is_not_echoed_whole(tmp_path):
    deep = "t1"
    for _ in range(500):
        deep = [deep]
    path = _write(tmp_path, _doc(lambda d: d["posts"][0].update(ranking=[deep])))
    code, err, _ = _peak_rss_mb(["solve", str(path)])
    line = _one_line_refusal(code, err, "post A/m", "is not a teacher")
    assert len(line) < 200


def _result(inst, **sections):
    doc = result_to_dict(inst, solve(inst, assign=True))
    doc.update(sections)
    return doc


CONTRADICTIONS = [
    ("matched to a school not listed", {"matching": {"t2": "B", "t1": "A"}, "assigned": {}}, "not_listed"),
    ("a post over capacity", {"matching": {"t2": "A", "t1": "A"}, "assigned": {}}, "over_capacity"),
    ("assigned though matched", {"matching": {"t2": "A"}, "assigned": {"t2": "B", "t1": "B"}}, "matched_and_assigned"),
    ("assigned to the own school", {"matching": {"t2": "A"}, "assigned": {"t1": "H"}}, "own_school"),
    ("assigned over capacity", {"matching": {"t2": "A"}, "assigned": {"t1": "A"}}, "over_capacity"),
    ("assigned where no post of the subject", {"matching": {"t2": "A"}, "assigned": {"t1": "C"}}, "no_post"),
    ("an unstable matching", {"matching": {"t1": "A"}, "assigned": {"t2": "B"}}, "blocking pair"),
    ("an unknown teacher", {"matching": {"t2": "A", "nobody": "B"}}, "is not a teacher"),
    ("an unknown school", {"matching": {"t2": "Z"}}, "is not a school"),
]


@pytest.mark.parametrize("name,sections,problem", CONTRADICTIONS, ids=[c[0] for c in CONTRADICTIONS])
def test_explain_refuses_a_result_that_contradicts_the_instance(tmp_path, name, sections, problem):
    inst = parse_instance(_doc())
    with pytest.raises(InstanceError, match=problem):
        parse_result(inst, _result(inst, **sections))
    fair = _write(tmp_path, _doc())
    result = _write(tmp_path, _result(inst, **sections), "result.json")
    code, err, _ = _peak_rss_mb(["explain", str(fair), str(result), "t1"])
    _one_line_refusal(code, err, "result.json: ", problem)


def test_explain_accepts_the_engines_own_result(tmp_path):
    inst = parse_instance(_doc())
    fair = _write(tmp_path, _doc())
    result = _write(tmp_path, _result(inst), "result.json")
    proc = subprocess.run(
        [sys.executable, "-m", "matchapp", "explain", str(fair), str(result), "t1", "--lang", "en"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "assigned by the bureau to 乙校 (choice 2)" in proc.stdout


def test_a_teacher_assigned_to_a_listed_school_is_not_told_why_not_that_school():
    # t1 lists A then B; A keeps t2, B ranks nobody: t1 is assigned to B, their 2nd choice.
    inst = parse_instance(_doc())
    result = solve(inst, assign=True)
    t1 = inst.teacher_ids.index("t1")
    assert inst.school_ids[result.assigned[t1]] == "B"
    exp = explain_teacher(inst, t1, result.schools, result.assigned)
    assert [inst.school_ids[r.school] for r in exp.reasons] == ["A"]  # only the school above B
    lines = exp.lines(inst, "en")
    assert not any("乙校" in line and "did not rank you" in line for line in lines)
    assert lines[0].endswith("assigned by the bureau to 乙校 (choice 2).")
    assert "第2志愿" in exp.lines(inst, "zh")[0]


def test_the_certificate_counts_teachers_placed_at_schools_they_did_not_list():
    inst = parse_instance(_doc(lambda d: d["teachers"].append({"id": "t3", "school": "H", "subject": "m"})))
    a, b = inst.school_ids.index("A"), inst.school_ids.index("B")
    t1, t2, t3 = (inst.teacher_ids.index(t) for t in ("t1", "t2", "t3"))
    matching = np.full(3, -1)
    matching[t2] = a
    assigned = np.full(3, -1)
    assigned[t1] = assigned[t3] = b  # B has one seat: the second assigned teacher is one too many
    cert = certify(inst, matching, assigned=assigned)
    assert [v.kind for v in cert.violations] == ["over_capacity"]
    assigned[t3] = -1
    assert certify(inst, matching, assigned=assigned).stable
    # The same placements written as a matching: t3 at B (not listed) still takes B's seat.
    matching[t1], matching[t3] = b, b
    kinds = sorted(v.kind for v in certify(inst, matching).violations)
    assert kinds == ["not_listed", "not_ranked", "over_capacity"]  # t1 at B, which ranks nobody
