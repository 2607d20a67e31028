"""Policy figures, explanations, the generator and the engine's command line."""

import json
import subprocess
import sys

import numpy as np
from hypothesis import given, settings

from algorithms import (
    SUBJECTS,
    backbone_flows,
    explain_teacher,
    generate_instance,
    lottery,
    match_instance,
    parse_instance,
    rank_histogram,
)
from tests.algorithms.strategies import instance_docs


@settings(max_examples=200, deadline=None)
@given(instance_docs(ties=True))
def test_every_reason_agrees_with_the_matching(doc):
    inst = parse_instance(doc)
    positions = lottery(inst.teacher_ids, inst.seed)
    schools = match_instance(inst, positions)
    for i in range(inst.n_teachers):
        exp = explain_teacher(inst, i, schools, positions=positions)
        listed = inst.pref_school[inst.pref_ptr[i] : inst.pref_ptr[i + 1]].tolist()
        above = listed[: listed.index(schools[i])] if schools[i] >= 0 else listed
        assert [r.school for r in exp.reasons] == above
        for r in exp.reasons:
            q = inst.pref_post[inst.pref_ptr[i] + r.preference_rank - 1]
            admitted = np.count_nonzero((schools == r.school) & (inst.teacher_subject == inst.teacher_subject[i]))
            if r.code == "filled":
                assert admitted == r.seats == inst.post_capacity[q]
                assert 1 <= r.last_admitted < r.your_position
            elif r.code == "no_seats":
                assert inst.post_capacity[q] == 0
            else:
                assert r.code == "not_ranked" and inst.pref_group[inst.pref_ptr[i] + r.preference_rank - 1] < 0
            assert r.message(inst, "zh") and r.message(inst, "en")


def test_explanation_words_for_a_filled_school():
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "H", "name": "家校"}, {"id": "X", "name": "第一中学"}, {"id": "Y", "name": "湖塘中学"}],
        "teachers": [
            {"id": t, "name": n, "school": "H", "subject": "m", "preferences": ["X", "Y"]}
            for t, n in (("a", "甲"), ("b", "乙"), ("c", "丙"))
        ],
        "posts": [
            {"school": "X", "subject": "m", "capacity": 2, "ranking": ["a", "b", "c"]},
            {"school": "Y", "subject": "m", "capacity": 1, "ranking": ["c"]},
        ],
    }
    inst = parse_instance(doc)
    schools = match_instance(inst)
    exp = explain_teacher(inst, 2, schools)
    assert exp.lines(inst, "en") == [
        "丙 (c): matched at the fair to 湖塘中学 (choice 2).".replace(" (c)", "（c）"),
        "choice 1, 第一中学: its 2 seats went to candidates it ranked higher; the last admitted was its 2nd choice, "
        "you were its 3rd.",
    ]
    assert "最后录取者是其第2顺位，您是第3顺位" in exp.lines(inst, "zh")[1]


def test_rank_histogram_and_backbone_flows():
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "S", "tier": "strong"}, {"id": "W", "tier": "weak"}, {"id": "O", "tier": "ordinary"}],
        "teachers": [
            {"id": "a", "school": "S", "subject": "m", "backbone": True, "preferences": ["W", "O"]},
            {"id": "b", "school": "S", "subject": "m", "backbone": True, "preferences": ["W", "O"]},
            {"id": "c", "school": "W", "subject": "m", "backbone": True, "preferences": ["S"]},
        ],
        "posts": [
            {"school": "W", "subject": "m", "capacity": 1, "ranking": ["a", "b"]},
            {"school": "O", "subject": "m", "capacity": 1, "ranking": ["b"]},
            {"school": "S", "subject": "m", "capacity": 1, "ranking": ["c"]},
        ],
    }
    inst = parse_instance(doc)
    schools = match_instance(inst)
    assert rank_histogram(inst, schools) == [2, 1]
    assert backbone_flows(inst, schools) == {
        "backbone_strong_to_other": 2,
        "backbone_from_other": 1,
        "reverse_flow_ok": True,
    }


def test_generator_is_deterministic_and_realistic():
    doc = generate_instance(3000, seed=11)
    assert doc == generate_instance(3000, seed=11)
    assert doc != generate_instance(3000, seed=12)
    inst = parse_instance(doc)  # valid by construction
    assert inst.n_schools == 150
    tiers = np.bincount(inst.school_tier, minlength=3) / inst.n_schools
    assert tiers[0] <= 0.3 and tiers[2] <= 0.3  # strong and weak each at most 30% (seed 000 篇三)
    assert len({s["zone"] for s in doc["schools"]}) >= 3
    assert set(inst.subjects) == set(SUBJECTS)
    counts = {s: int(np.count_nonzero(inst.teacher_subject == inst.subjects.index(s))) for s in SUBJECTS}
    assert counts["chinese"] > counts["physics"] > counts["psychology"]
    lengths = np.diff(inst.pref_ptr)
    assert np.mean((lengths >= 5) & (lengths <= 10)) > 0.6  # most list 5-10 schools
    assert all("\u4e00" <= t["name"][0] <= "\u9fff" and 2 <= len(t["name"]) <= 3 for t in doc["teachers"])
    assert len({s["name"] for s in doc["schools"]}) == inst.n_schools
    assert any(isinstance(g, list) for p in doc["posts"] for g in p["ranking"])  # some schools tie
    assert (inst.post_capacity == 0).any()


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "matchapp", *args], capture_output=True, check=False)


def test_solve_is_byte_for_byte_repeatable_and_certified(tmp_path):
    inst_path = tmp_path / "fair.json"
    assert _cli("generate", "--teachers", "800", "--seed", "5", "-o", str(inst_path)).returncode == 0
    first, second = tmp_path / "r1.json", tmp_path / "r2.json"
    assert _cli("solve", str(inst_path), "--assign", "-o", str(first)).returncode == 0
    assert _cli("solve", str(inst_path), "--assign", "-o", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    result = json.loads(first.read_text(encoding="utf-8"))
    assert result["format"] == "matchapp.result/1"
    assert result["stats"]["stable"] is True
    assert result["stats"]["matched"] + result["stats"]["unmatched"] == 800
    assert sum(result["stats"]["rank_histogram"]) == result["stats"]["matched"]
    assert set(result["assigned"]) <= set(result["unmatched"])
    teacher = result["unmatched"][0]
    proc = _cli("explain", str(inst_path), str(first), teacher)
    assert proc.returncode == 0
    text = proc.stdout.decode("utf-8")
    assert teacher in text and ("行政指定" in text or "未录取" in text)
    proc = _cli("explain", str(inst_path), str(first), "NOBODY")
    assert proc.returncode == 2 and b"teacher NOBODY" in proc.stderr


def test_solve_does_not_import_flask_or_sqlalchemy(tmp_path):
    inst_path = tmp_path / "fair.json"
    inst_path.write_text(json.dumps(generate_instance(50, seed=1)), encoding="utf-8")
    code = (
        "import sys; from matchapp.cli import main; rc = main(['solve', sys.argv[1], '-o', sys.argv[2]]);"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug'));"
        "print(','.join(bad)); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(inst_path), str(tmp_path / "r.json")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
