"""The stability certificate against a brute-force reading of the definitions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms import certify, match_instance, parse_instance
from tests.algorithms.strategies import instance_docs


def _brute_force(doc, assignment):
    """Blocking pairs and violations, straight from the documents (weak stability under ties)."""
    teachers = {t["id"]: t for t in doc["teachers"]}
    posts = {(p["school"], p["subject"]): p for p in doc["posts"]}

    def group_of(post, tid):
        for g, item in enumerate(post["ranking"]):
            if tid == item or (isinstance(item, list) and tid in item):
                return g
        return None

    violations = set()
    admitted = {key: [] for key in posts}
    for tid, school in assignment.items():
        t = teachers[tid]
        if school == t["school"] or school not in t["preferences"]:
            violations.add(("own_school" if school == t["school"] else "not_listed", tid))
            if (school, t["subject"]) in posts:  # they still take one of its seats
                admitted[(school, t["subject"])].append(tid)
        else:
            post = posts[(school, t["subject"])]
            if group_of(post, tid) is None:
                violations.add(("not_ranked", tid))
            admitted[(school, t["subject"])].append(tid)
    for key, members in admitted.items():
        if len(members) > posts[key]["capacity"]:
            violations.add(("over_capacity", key))
    blocking = set()
    for tid, t in teachers.items():
        mine = assignment.get(tid)
        better = t["preferences"][: t["preferences"].index(mine)] if mine in t["preferences"] else t["preferences"]
        for school in better:
            post = posts[(school, t["subject"])]
            g = group_of(post, tid)
            if g is None:
                continue
            members = admitted[(school, t["subject"])]
            worst = max(
                (group_of(post, m) if group_of(post, m) is not None else float("inf") for m in members), default=-1
            )
            if len(members) < post["capacity"] or worst > g:
                blocking.add((tid, school))
    return violations, blocking


@st.composite
def doc_and_assignment(draw):
    doc = draw(instance_docs(ties=True, max_teachers=8, max_schools=4))
    ids = [s["id"] for s in doc["schools"]]
    assignment = {}
    for t in doc["teachers"]:
        choice = draw(st.sampled_from([None, *t["preferences"], *ids]))
        if choice is not None:
            assignment[t["id"]] = choice
    return doc, assignment


@settings(max_examples=500, deadline=None)
@given(doc_and_assignment())
def test_certificate_matches_brute_force_on_arbitrary_matchings(case):
    doc, assignment = case
    inst = parse_instance(doc)
    index = {s: j for j, s in enumerate(inst.school_ids)}
    schools = np.array([index.get(assignment.get(t), -1) for t in inst.teacher_ids])
    cert = certify(inst, schools)
    violations, blocking = _brute_force(doc, assignment)
    found = set()
    for v in cert.violations:
        if v.kind == "over_capacity":
            found.add((v.kind, (inst.school_ids[inst.post_school[v.post]], inst.subjects[inst.post_subject[v.post]])))
        else:
            found.add((v.kind, inst.teacher_ids[v.teacher]))
    assert found == violations
    pairs = {(inst.teacher_ids[t], inst.school_ids[inst.post_school[p]]) for t, p in cert.blocking_pairs.tolist()}
    assert pairs == blocking
    assert cert.stable == (not violations and not blocking)


@settings(max_examples=200, deadline=None)
@given(instance_docs(ties=True))
def test_removing_a_matched_teacher_is_always_caught(doc):
    inst = parse_instance(doc)
    schools = match_instance(inst)
    matched = np.flatnonzero(schools >= 0)
    for i in matched[:3]:
        broken = schools.copy()
        broken[i] = -1  # the teacher and the post that held them now block
        cert = certify(inst, broken)
        assert not cert.stable
        assert i in cert.blocking_pairs[:, 0]


def test_describe_names_teachers_and_posts():
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "A"}, {"id": "B"}],
        "teachers": [{"id": "t1", "school": "A", "subject": "m", "preferences": ["B"]}],
        "posts": [{"school": "B", "subject": "m", "capacity": 1, "ranking": ["t1"]}],
    }
    inst = parse_instance(doc)
    assert certify(inst, np.array([-1])).describe(inst) == ["blocking pair: teacher t1 and post B/m"]
    # At their own school (which they cannot list) t1 still prefers B: a violation and a blocking pair.
    assert certify(inst, np.array([0])).describe(inst) == [
        "own_school: teacher t1 at A",
        "blocking pair: teacher t1 and post B/m",
    ]
