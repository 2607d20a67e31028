"""The same fair gives the same bytes, whatever the order of its file."""

import random

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms import generate_instance, loads_instance, result_bytes, solve
from tests.algorithms.strategies import instance_docs


def _shuffled(doc, rng):
    """The same fair written in another order: schools, teachers, posts, tie members, keys."""

    def keys(obj):
        items = list(obj.items())
        rng.shuffle(items)
        return dict(items)

    out = keys(doc)
    out["schools"] = [keys(s) for s in rng.sample(doc["schools"], len(doc["schools"]))]
    out["teachers"] = [keys(t) for t in rng.sample(doc["teachers"], len(doc["teachers"]))]
    posts = []
    for post in rng.sample(doc["posts"], len(doc["posts"])):
        post = keys(post)
        post["ranking"] = [rng.sample(g, len(g)) if isinstance(g, list) else g for g in post["ranking"]]
        posts.append(post)
    out["posts"] = posts
    return out


def _bytes(doc, assign):
    inst = loads_instance(orjson.dumps(doc))
    return result_bytes(inst, solve(inst, assign=assign))


@settings(max_examples=300, deadline=None)
@given(
    instance_docs(ties=True, max_teachers=16, max_schools=7, zones=("东", "西", "南"), max_capacity=4),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_any_order_of_the_file_gives_the_same_bytes(doc, rng, assign):
    assert _bytes(_shuffled(doc, rng), assign) == _bytes(doc, assign)


def test_a_shuffled_generated_district_gives_the_same_bytes_with_the_assignment():
    # Few ranked candidates: most teachers are left for the assignment, where ties abound
    # (many teachers of one home school, many equally cheap seats).
    doc = generate_instance(3000, seed=4)
    for post in doc["posts"]:
        post["ranking"] = post["ranking"][: max(1, len(post["ranking"]) // 5)]
    first = _bytes(doc, True)
    assert len(orjson.loads(first)["assigned"]) > 1000
    for seed in range(3):
        assert _bytes(_shuffled(doc, random.Random(seed)), True) == first


def test_solving_subjects_in_two_processes_gives_the_same_bytes():
    doc = generate_instance(3000, seed=6)
    for post in doc["posts"]:
        post["ranking"] = post["ranking"][: max(1, len(post["ranking"]) // 4)]
    inst = loads_instance(orjson.dumps(doc))
    one = result_bytes(inst, solve(inst, assign=True, workers=1))
    two = result_bytes(inst, solve(inst, assign=True, workers=2))
    assert one == two
    assert len(orjson.loads(two)["assigned"]) > 1000


def test_a_failing_second_process_is_made_up_for_by_the_first(monkeypatch):
    import os

    import algorithms.assignment as assignment

    doc = generate_instance(1500, seed=7)
    for post in doc["posts"]:
        post["ranking"] = post["ranking"][: max(1, len(post["ranking"]) // 4)]
    inst = loads_instance(orjson.dumps(doc))
    expected = result_bytes(inst, solve(inst, assign=True, workers=1))
    parent, solve_one = os.getpid(), assignment._solve

    def crash_in_the_child(network):
        if os.getpid() != parent:
            raise MemoryError("the child runs out")
        return solve_one(network)

    monkeypatch.setattr(assignment, "_solve", crash_in_the_child)
    assert result_bytes(inst, solve(inst, assign=True, workers=2)) == expected
