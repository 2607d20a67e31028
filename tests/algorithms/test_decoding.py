"""Typed decoding (algorithms/decoding.py) reads every file exactly as plain JSON does.

The typed records are only a faster way to the same instance: any document, well-formed or not,
must give the same instance (or the same refusal, word for word) through ``loads_instance`` as
through ``orjson.loads`` and ``parse_instance``.
"""

import json

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms import InstanceError, generate_instance, instance_to_dict, loads_instance, parse_instance
from algorithms.decoding import decode_instance, is_typed
from tests.algorithms.strategies import constrained_docs, instance_docs
from tests.algorithms.test_instance import GOOD, MALFORMED, _broken, json_values, mutated_docs

ARRAYS = [
    "school_tier",
    "teacher_school",
    "teacher_subject",
    "teacher_backbone",
    "pref_ptr",
    "pref_school",
    "pref_post",
    "pref_group",
    "post_school",
    "post_subject",
    "post_capacity",
    "rank_ptr",
    "rank_teacher",
    "rank_group",
    "post_reserve",
    "refuse_ptr",
    "refuse_teacher",
    "req_ptr",
    "req_tag",
    "qual_ptr",
    "qual_tag",
]


def _outcome(read, raw):
    """What reading ``raw`` gives: the instance's lists and arrays, or the refusal's words."""
    try:
        inst = read(raw)
    except InstanceError as exc:
        return ("refused", exc.entry, exc.problem)
    lists = (inst.seed, inst.school_ids, inst.school_names, inst.school_zone, inst.teacher_ids)
    lists += (inst.teacher_names, inst.subjects, inst.tags, inst.extras)
    return ("read", lists, {name: getattr(inst, name).tolist() for name in ARRAYS})


def _same_as_plain(doc):
    try:  # json writes any integer, unlike orjson
        raw = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError:  # an infinity, which JSON cannot hold: orjson writes null
        raw = orjson.dumps(doc)
    typed = _outcome(loads_instance, raw)
    assert typed == _outcome(lambda r: parse_instance(orjson.loads(r)), raw)
    return typed


@settings(max_examples=300, deadline=None)
@given(st.one_of(instance_docs(ties=True), constrained_docs(ties=True), mutated_docs(), json_values))
def test_any_document_reads_the_same_typed_or_plain(doc):
    _same_as_plain(doc)


@pytest.mark.parametrize("name,change,entry,problem", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_each_malformed_document_is_refused_with_the_same_words(name, change, entry, problem):
    outcome = _same_as_plain(_broken(change))
    assert outcome[:2] == ("refused", entry) and problem in outcome[2]


def test_a_generated_fair_is_decoded_typed_and_reads_as_plain_json_does():
    doc = generate_instance(300, 12, seed=5)
    decoded = decode_instance(orjson.dumps(doc))
    # The fast path is taken: a fallback that always happened would pass every other test.
    assert [is_typed(decoded[k]) for k in ("schools", "teachers", "posts")] == [True, True, True]
    assert _same_as_plain(doc)[0] == "read"


def _good(change):
    doc = json.loads(json.dumps(GOOD))
    change(doc)
    return doc


# (what the file holds, the section left to plain JSON or None, what reading it gives)
EDGES = [
    ("a name that is null", lambda d: d["teachers"][0].update(name=None), "teachers", "read"),
    ("a capacity of 2**63 - 1 (typed)", lambda d: d["posts"][0].update(capacity=2**63 - 1), None, "read"),
    ("a capacity of 2**63 (plain: beyond int64)", lambda d: d["posts"][0].update(capacity=2**63), "posts", "read"),
    ("a capacity of 2**64 (a float to orjson)", lambda d: d["posts"][0].update(capacity=2**64), "posts", "refused"),
    ("a capacity written 2.0", lambda d: d["posts"][0].update(capacity=2.0), "posts", "refused"),
    ("a tie nested twice", lambda d: d["posts"][0].update(ranking=[[["T001"]]]), "posts", "refused"),
    ("an unknown field on a teacher", lambda d: d["teachers"][0].update(years=12), None, "read"),
    ("a field of the file's own at the top", lambda d: d.update(city="常州"), None, "read"),
    ("backbone seats as a string", lambda d: d["posts"][0].update(backbone_seats="1"), "posts", "refused"),
    ("qualifications null", lambda d: d["teachers"][0].update(qualifications=None), None, "read"),
    ("a tier that is no tier (typed, then named)", lambda d: d["schools"][0].update(tier="top"), None, "refused"),
]


@pytest.mark.parametrize("name,change,plain_section,outcome", EDGES, ids=[e[0] for e in EDGES])
def test_edges_of_the_typed_records(name, change, plain_section, outcome):
    doc = _good(change)
    decoded = decode_instance(json.dumps(doc).encode("utf-8"))
    for section in ("schools", "teachers", "posts"):
        assert is_typed(decoded[section]) == (section != plain_section), section
    assert _same_as_plain(doc)[0] == outcome


@pytest.mark.parametrize(
    "raw",
    [
        b'\xef\xbb\xbf{"format": "matchapp.instance/1"}',  # a byte order mark
        b'{"format": "matchapp.instance/1"} trailing',
        b'{"schools": [{"id": "\xe9cole"}]}',  # Latin-1 inside a section
        b'{"schools": [{"id": "\\ud800"}]}',  # a lone surrogate
        b'{"seed": NaN}',
        b'{"teachers": [1, 2,]}',
        b"",
    ],
)
def test_what_is_not_json_is_refused_with_orjsons_words(raw):
    with pytest.raises(ValueError) as plain:
        orjson.loads(raw)
    with pytest.raises(ValueError) as typed:
        decode_instance(raw)
    assert str(typed.value) == str(plain.value)


def test_a_str_decodes_as_its_utf8_bytes():
    text = json.dumps(GOOD, ensure_ascii=False)
    assert instance_to_dict(loads_instance(text)) == instance_to_dict(loads_instance(text.encode("utf-8")))
    assert np.array_equal(loads_instance(text).pref_school, parse_instance(GOOD).pref_school)
