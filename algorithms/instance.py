"""The fair's exchange format: parse, validate and serialise instances and results.

An instance (``"format": "matchapp.instance/1"``) is turned into :class:`Instance`, a set of
flat numpy arrays indexed by position (teacher ``i``, school ``j``, post ``p``). Ids only appear
at the edges: in :func:`parse_instance` and in :func:`result_to_dict`.

Every malformed instance raises :class:`InstanceError`, whose ``entry`` names the teacher,
school or post at fault and whose ``problem`` says what is wrong, so that the command line can
print ``instance.json: teacher T003: preference S09 is not a school``. Values quoted in a
message are cut to a few dozen characters, so a hostile file cannot flood the one line.

Capacities. A post's ``capacity`` must be a non-negative integer (``true``, ``2.0`` or ``1e3``
are refused; so is a number too large for JSON's doubles, such as ``1e400``). A capacity above
the number of teachers of the instance is read as the number of teachers: no post can receive
more, so the result is the same, and a capacity of ``2**63 - 1`` or ``10**12`` costs no memory.
With ``backbone_seats``, the reserved seats and the others are each read so (capacity 10 with 4
reserved and 3 teachers is 3 reserved and 3 others). :func:`instance_to_dict` writes the
capacity so read.

Constraints (optional fields; a file without them reads and solves exactly as before):

- ``posts[].backbone_seats``: how many of the post's seats are reserved for backbone teachers
  (seed 000 篇四 接收…骨干教师的数量); an integer from 0 to the capacity.
- ``posts[].refused``: teachers the post refuses outright (the school's 不接受), distinct from
  teachers it merely did not rank: the administrative assignment never places them there.
- ``posts[].requires`` and ``teachers[].qualifications``: lists of strings. A teacher meets a
  post's requirements when they hold every string it requires; a post never receives a teacher
  who does not (neither at the fair nor by the assignment), and may not rank one.

Encoding. The file must be UTF-8; anything else is refused naming the byte offset of the first
byte that is not (a Latin-1 or GBK export, say).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
from msgspec import UNSET

from .decoding import decode_instance, is_typed, plain

__all__ = [
    "INSTANCE_FORMAT",
    "RESULT_FORMAT",
    "TIERS",
    "Instance",
    "InstanceError",
    "parse_instance",
    "loads_instance",
    "instance_to_dict",
    "json_problem",
    "quote",
]

INSTANCE_FORMAT = "matchapp.instance/1"
RESULT_FORMAT = "matchapp.result/1"
#: School tiers, in the order of their codes in :attr:`Instance.school_tier`.
TIERS = ("strong", "ordinary", "weak")
_TIER_CODE = {name: code for code, name in enumerate(TIERS)}
_EMPTY: tuple = ()
_EMPTY_LIST: list = []


_QUOTE_LIMIT = 40


def quote(value: Any, limit: int = _QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for one-line messages.

    Examples
    --------
    >>> quote("S09")
    "'S09'"
    >>> print(quote([[[["t"]]]] * 30, limit=12))
    [[[['t']]], …
    """
    if isinstance(value, (list, dict)) and _deeper_than(value, 50):
        text = ("[" if isinstance(value, list) else "{") * (limit + 1)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _deeper_than(value: Any, depth: int) -> bool:
    """Whether nesting goes below ``depth`` levels (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if level > depth:
            return True
        if isinstance(item, list):
            stack.extend((x, level + 1) for x in item[:8])
        elif isinstance(item, dict):
            stack.extend((x, level + 1) for x in list(item.values())[:8])
    return False


class Elsewhere(Exception):
    """A part of a document read in another process (:mod:`algorithms.reading`) is not there or
    does not fit: the document must be read here, whole."""


class InstanceError(ValueError):
    """A malformed instance: ``entry`` (e.g. ``"teacher T003"``) and ``problem`` in words."""

    def __init__(self, entry: str, problem: str):
        super().__init__(f"{entry}: {problem}" if entry else problem)
        self.entry = entry
        self.problem = problem


@dataclass(eq=False)
class Instance:
    """A validated fair, as arrays.

    Preferences are stored in CSR form: teacher ``i`` listed schools
    ``pref_school[pref_ptr[i]:pref_ptr[i+1]]``, best first, and ``pref_post`` holds the post of
    the teacher's subject at each of them. ``pref_group`` is the tie group the post ranks the
    teacher in (0 = the post's first group) or -1 when the post does not accept the teacher.
    Rankings are stored the same way per post (``rank_ptr``, ``rank_teacher``, ``rank_group``).
    """

    seed: int
    school_ids: list[str]
    school_names: list[str]
    school_tier: np.ndarray  # int8 codes into TIERS
    school_zone: list[str]
    teacher_ids: list[str]
    teacher_names: list[str]
    teacher_school: np.ndarray  # int32
    teacher_subject: np.ndarray  # int32 codes into subjects
    teacher_backbone: np.ndarray  # bool
    subjects: list[str]
    pref_ptr: np.ndarray  # int64, n_teachers + 1
    pref_school: np.ndarray  # int32
    pref_post: np.ndarray  # int32
    pref_group: np.ndarray  # int32, -1 = not accepted by the post
    post_school: np.ndarray  # int32
    post_subject: np.ndarray  # int32
    post_capacity: np.ndarray  # int64
    rank_ptr: np.ndarray  # int64, n_posts + 1
    rank_teacher: np.ndarray  # int32
    rank_group: np.ndarray  # int32
    extras: dict[str, Any] = field(default_factory=dict)
    #: seats of each post reserved for backbone teachers (int64, 0 when none)
    post_reserve: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: teachers each post refuses outright, CSR like the rankings (sorted by teacher)
    refuse_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    refuse_teacher: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    #: requirement strings: posts require (CSR ``req_ptr``/``req_tag``), teachers hold
    #: (``qual_ptr``/``qual_tag``), as codes into ``tags``
    tags: list[str] = field(default_factory=list)
    req_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    req_tag: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    qual_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    qual_tag: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    _mask_cache: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.post_reserve) != len(self.post_school):
            self.post_reserve = np.zeros(len(self.post_school), dtype=np.int64)
        if len(self.refuse_ptr) != len(self.post_school) + 1:
            self.refuse_ptr = np.zeros(len(self.post_school) + 1, dtype=np.int64)
        if len(self.req_ptr) != len(self.post_school) + 1:
            self.req_ptr = np.zeros(len(self.post_school) + 1, dtype=np.int64)
        if len(self.qual_ptr) != len(self.teacher_ids) + 1:
            self.qual_ptr = np.zeros(len(self.teacher_ids) + 1, dtype=np.int64)

    @property
    def has_reserves(self) -> bool:
        """Whether any post reserves seats for backbone teachers."""
        return bool(self.post_reserve.any())

    @property
    def has_exclusions(self) -> bool:
        """Whether any post refuses a teacher or requires something."""
        return bool(len(self.refuse_teacher) or len(self.req_tag))

    def _masks(self) -> tuple[np.ndarray, np.ndarray]:
        """(teacher, word) and (post, word) bit masks of the tags held and required."""
        cached = self._mask_cache
        if cached is None:
            words = (len(self.tags) + 63) // 64
            held = np.zeros((self.n_teachers, words), dtype=np.uint64)
            need = np.zeros((self.n_posts, words), dtype=np.uint64)
            for mask, ptr, tag in ((held, self.qual_ptr, self.qual_tag), (need, self.req_ptr, self.req_tag)):
                owner = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
                bits = np.left_shift(np.uint64(1), (tag % 64).astype(np.uint64))
                np.bitwise_or.at(mask, (owner, tag // 64), bits)
            cached = self._mask_cache = (held, need)
        return cached

    def meets(self, teachers: Any, posts: Any) -> np.ndarray:
        """Whether each ``teachers[k]`` holds everything ``posts[k]`` requires."""
        teachers = np.asarray(teachers, dtype=np.int64)
        if not len(self.req_tag):
            return np.ones(len(teachers), dtype=bool)
        held, need = self._masks()
        posts = np.asarray(posts, dtype=np.int64)
        return ~np.any(need[posts] & ~held[teachers], axis=1)

    def refuses(self, teachers: Any, posts: Any) -> np.ndarray:
        """Whether ``posts[k]`` refuses ``teachers[k]`` outright (its ``refused`` list)."""
        teachers = np.asarray(teachers, dtype=np.int64)
        if not len(self.refuse_teacher):
            return np.zeros(len(teachers), dtype=bool)
        owner = np.repeat(np.arange(self.n_posts, dtype=np.int64), np.diff(self.refuse_ptr))
        keys = np.sort(owner * self.n_teachers + self.refuse_teacher)
        probe = np.asarray(posts, dtype=np.int64) * self.n_teachers + teachers
        at = np.minimum(np.searchsorted(keys, probe), len(keys) - 1)
        return keys[at] == probe

    def allows(self, teachers: Any, posts: Any) -> np.ndarray:
        """Whether a post may receive a teacher at all: not refused, requirements met."""
        return self.meets(teachers, posts) & ~self.refuses(teachers, posts)

    def missing(self, teacher: int, post: int) -> list[str]:
        """The requirements of ``post`` that ``teacher`` does not hold, in the post's order."""
        held = set(self.qual_tag[self.qual_ptr[teacher] : self.qual_ptr[teacher + 1]].tolist())
        need = self.req_tag[self.req_ptr[post] : self.req_ptr[post + 1]].tolist()
        return [self.tags[t] for t in need if t not in held]

    @property
    def n_teachers(self) -> int:
        return len(self.teacher_ids)

    @property
    def n_schools(self) -> int:
        return len(self.school_ids)

    @property
    def n_posts(self) -> int:
        return len(self.post_school)

    def post_label(self, post: int) -> str:
        """``S02/math``: how messages name a post."""
        return f"{self.school_ids[self.post_school[post]]}/{self.subjects[self.post_subject[post]]}"

    def zone_codes(self) -> np.ndarray:
        """Zone of each school as an int array (equal strings, equal codes)."""
        _, codes = np.unique(np.asarray(self.school_zone, dtype=object), return_inverse=True)
        return codes.astype(np.int32)


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while building many small objects.

    Decoding and reading an instance allocates millions of dicts and lists that form no
    cycles; left on, the collector rescans them again and again (2-3x the parse time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _gc_paused(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        with gc_paused():
            return func(*args, **kwargs)

    return wrapper


def _schools_typed(schools: list):
    """The schools' columns from typed records; ``None`` when anything looks wrong."""
    ids = [s.id for s in schools]
    school_index = dict(zip(ids, range(len(ids))))
    tiers = [_TIER_CODE.get(s.tier) for s in schools]
    if len(school_index) != len(ids) or "" in school_index or None in tiers:
        return None
    return school_index, ids, [s.name for s in schools], [s.zone for s in schools], np.asarray(tiers, dtype=np.int8)


def _schools_slow(schools: list):
    """The schools one by one, raising on the first problem with its precise message."""
    school_index: dict[str, int] = {}
    school_ids: list[str] = []
    school_names: list[str] = []
    school_zone: list[str] = []
    tiers = np.empty(len(schools), dtype=np.int8)
    for j, school in enumerate(schools):
        if not isinstance(school, dict):
            raise InstanceError(f"school #{j + 1}", "must be an object")
        sid = _require_id(school, f"school #{j + 1}")
        entry = f"school {sid}"
        if sid in school_index:
            raise InstanceError(entry, "duplicate id")
        school_index[sid] = j
        school_ids.append(sid)
        school_names.append(_optional_str(school, "name", entry))
        school_zone.append(_optional_str(school, "zone", entry))
        tier = school.get("tier", "ordinary")
        code = _TIER_CODE.get(tier) if isinstance(tier, str) else None
        if code is None:
            raise InstanceError(entry, f"tier {quote(tier)} is not one of strong, ordinary, weak")
        tiers[j] = code
    return school_index, school_ids, school_names, school_zone, tiers


def _require_list(value: Any, entry: str, name: str) -> list:
    if not isinstance(value, list):
        raise InstanceError(entry, f"'{name}' must be a list")
    return value


def _plain(value: Any) -> str:
    """An id as messages name it: the string itself (cut), else its quoted form."""
    if isinstance(value, str):
        return value if len(value) <= _QUOTE_LIMIT else value[:_QUOTE_LIMIT] + "…"
    return quote(value)


def _require_id(obj: dict, entry: str) -> str:
    ident = obj.get("id")
    if not isinstance(ident, str) or not ident:
        raise InstanceError(entry, "'id' must be a non-empty string")
    return ident


def _optional_str(obj: dict, key: str, entry: str) -> str:
    value = obj.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InstanceError(entry, f"'{key}' must be a string")
    return value


class _TeacherColumns(NamedTuple):
    """The teachers of an instance, read into columns."""

    teacher_index: dict[str, int]
    teacher_ids: list[str]
    teacher_names: list[str]
    subject_code: dict[str, int]
    subjects: list[str]
    school: np.ndarray
    subject: np.ndarray
    backbone: np.ndarray
    pref_ptr: np.ndarray
    pref_school: np.ndarray  # int32, the preferences' schools, teacher by teacher
    later: Any = None  # returns (lengths, pref_school) when they are read elsewhere: see _settle


def _teachers_fast(teachers: list, school_index: dict[str, int]):
    """Read well-formed teachers column by column; ``None`` when anything looks wrong."""
    try:
        teacher_ids = [t["id"] for t in teachers]
        homes = [school_index[t["school"]] for t in teachers]
        subject_names = [t["subject"] for t in teachers]
        teacher_names = [t.get("name", "") for t in teachers]
        backbones = [t.get("backbone", False) for t in teachers]
        prefs = [t.get("preferences", _EMPTY) for t in teachers]
        pref_school = np.asarray([school_index[s] for p in prefs for s in p], dtype=np.int32)
    except (KeyError, TypeError, AttributeError):
        return None
    if not (
        set(map(type, teacher_ids)) <= {str}
        and set(map(type, subject_names)) <= {str}
        and set(map(type, teacher_names)) <= {str}
        and set(map(type, backbones)) <= {bool}
        and set(map(type, prefs)) <= {list, tuple}
    ):
        return None
    return _teacher_columns(teacher_ids, homes, subject_names, teacher_names, backbones, (_lengths(prefs), pref_school))


def _lengths(lists: list) -> np.ndarray:
    return np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))


def _teachers_typed(teachers: list, school_index: dict[str, int], preferences=None):
    """:func:`_teachers_fast` for typed records (:mod:`algorithms.decoding`), whose types are
    checked already; ``None`` when anything looks wrong. ``preferences``, when given, returns
    the preferences read elsewhere (their lengths and schools) for records that have none."""
    try:
        homes = [school_index[t.school] for t in teachers]
        if preferences is None:
            prefs = [t.preferences for t in teachers]
            pref_school = np.fromiter(map(school_index.__getitem__, chain.from_iterable(prefs)), dtype=np.int32)
            preferences = (_lengths(prefs), pref_school)
    except KeyError:
        return None
    return _teacher_columns(
        [t.id for t in teachers],
        homes,
        [t.subject for t in teachers],
        [t.name for t in teachers],
        [t.backbone for t in teachers],
        preferences,
    )


def _teacher_columns(teacher_ids, homes, subject_names, teacher_names, backbones, preferences):
    """The teachers' columns from lists of well-typed values and their preferences' (lengths,
    schools); ``None`` on a duplicate id, an empty id or subject, or a school listed twice (the
    slow reader names them). ``preferences`` may instead be a function that returns them, which
    is left to the caller to call (:func:`_settle`): it may wait for another process."""
    n = len(teacher_ids)
    teacher_index = dict(zip(teacher_ids, range(n)))
    if len(teacher_index) != n or "" in teacher_index or "" in subject_names:
        return None
    subjects = list(dict.fromkeys(subject_names))
    subject_code = {s: k for k, s in enumerate(subjects)}
    pref_ptr = pref_school = None
    if not callable(preferences):
        pref_ptr, pref_school = _preference_ptr(*preferences, n), preferences[1]
        if pref_ptr is None:
            return None
    return _TeacherColumns(
        teacher_index,
        teacher_ids,
        teacher_names,
        subject_code,
        subjects,
        np.asarray(homes, dtype=np.int32),
        np.fromiter(map(subject_code.__getitem__, subject_names), dtype=np.int32, count=n),
        np.asarray(backbones, dtype=bool),
        pref_ptr,
        pref_school,
        preferences if callable(preferences) else None,
    )


def _preference_ptr(lengths: np.ndarray, pref_school: np.ndarray, n: int) -> np.ndarray | None:
    """The preferences' CSR pointer, or ``None`` when they are not ``n`` teachers' or a
    teacher lists a school twice."""
    if len(lengths) != n:
        return None
    pref_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=pref_ptr[1:])
    # A school listed twice by one teacher: compare each entry with the few before it.
    if len(pref_school):
        owner = np.repeat(np.arange(n, dtype=np.int32), lengths)
        for shift in range(1, int(lengths.max())):
            if np.any((pref_school[shift:] == pref_school[:-shift]) & (owner[shift:] == owner[:-shift])):
                return None
    return pref_ptr


def _check_own_school(read: _TeacherColumns, school_ids: list[str]) -> np.ndarray:
    """The teacher of each preference; raises if a teacher lists their own school."""
    owner = np.repeat(np.arange(len(read.teacher_ids), dtype=np.int32), np.diff(read.pref_ptr))
    own = np.flatnonzero(read.pref_school == read.school[owner])
    if own.size:
        i = int(owner[own[0]])
        raise InstanceError(f"teacher {read.teacher_ids[i]}", f"lists its own school {school_ids[read.school[i]]}")
    return owner


def _settle(read: _TeacherColumns) -> _TeacherColumns:
    """Teachers' columns whose preferences were read elsewhere, with them (:class:`Elsewhere`
    when they do not read: the whole document is then read here, whose reader names why)."""
    lengths, pref_school = read.later()
    pref_ptr = _preference_ptr(lengths, pref_school, len(read.teacher_ids))
    if pref_ptr is None:
        raise Elsewhere("the preferences do not read")
    return read._replace(pref_ptr=pref_ptr, pref_school=pref_school, later=None)


def _teachers_slow(teachers: list, school_index: dict[str, int]):
    """Read teachers one by one, raising on the first problem with its precise message."""
    n = len(teachers)
    teacher_index: dict[str, int] = {}
    teacher_ids: list[str] = []
    teacher_names: list[str] = []
    subject_code: dict[str, int] = {}
    subjects: list[str] = []
    homes: list[int] = []
    subject_list: list[int] = []
    backbones: list[bool] = []
    lengths: list[int] = []
    pref_flat: list[int] = []
    extend = pref_flat.extend
    for i, teacher in enumerate(teachers):
        if type(teacher) is not dict:
            raise InstanceError(f"teacher #{i + 1}", "must be an object")
        tid = teacher.get("id")
        if type(tid) is not str or not tid:
            raise InstanceError(f"teacher #{i + 1}", "'id' must be a non-empty string")
        if tid in teacher_index:
            raise InstanceError(f"teacher {tid}", "duplicate id")
        teacher_index[tid] = i
        teacher_ids.append(tid)
        name = teacher.get("name", "")
        if type(name) is not str:
            name = _optional_str(teacher, "name", f"teacher {tid}")
        teacher_names.append(name)
        home: Any = teacher.get("school")
        try:
            homes.append(school_index[home])
        except (KeyError, TypeError):
            raise InstanceError(f"teacher {tid}", f"school {quote(home)} is not a school") from None
        subject = teacher.get("subject")
        code = subject_code.get(subject) if type(subject) is str else None
        if code is None:
            if type(subject) is not str or not subject:
                raise InstanceError(f"teacher {tid}", "'subject' must be a non-empty string")
            code = subject_code[subject] = len(subjects)
            subjects.append(subject)
        subject_list.append(code)
        backbone = teacher.get("backbone", False)
        if type(backbone) is not bool:
            raise InstanceError(f"teacher {tid}", "'backbone' must be true or false")
        backbones.append(backbone)
        prefs = teacher.get("preferences", ())
        if type(prefs) is not list and prefs != ():
            raise InstanceError(f"teacher {tid}", "'preferences' must be a list of school ids")
        try:
            extend([school_index[s] for s in prefs])
        except (KeyError, TypeError):
            bad = next(s for s in prefs if not isinstance(s, str) or s not in school_index)
            raise InstanceError(f"teacher {tid}", f"preference {quote(bad)} is not a school") from None
        lengths.append(len(prefs))
        if len(set(prefs)) != len(prefs):
            seen: set[str] = set()
            dup = next(s for s in prefs if s in seen or seen.add(s))  # type: ignore[func-returns-value]
            raise InstanceError(f"teacher {tid}", f"lists school {dup} twice")
    t_school = np.asarray(homes, dtype=np.int32)
    t_subject = np.asarray(subject_list, dtype=np.int32)
    t_backbone = np.asarray(backbones, dtype=bool)
    pref_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=pref_ptr[1:])
    return _TeacherColumns(
        teacher_index,
        teacher_ids,
        teacher_names,
        subject_code,
        subjects,
        t_school,
        t_subject,
        t_backbone,
        pref_ptr,
        np.asarray(pref_flat, dtype=np.int32),
    )


def _posts_fast(posts: list, school_index: dict[str, int], subject_code: dict[str, int], subjects: list[str], n: int):
    """Read well-formed posts column by column; ``None`` when anything looks wrong.

    Adds the subjects that only posts name to ``subject_code`` and ``subjects`` (in order).
    """
    try:
        at = [school_index[post["school"]] for post in posts]
        subject_names = [post["subject"] for post in posts]
        capacities = [post["capacity"] for post in posts]
        rankings = [post.get("ranking", _EMPTY_LIST) for post in posts]
    except (KeyError, TypeError, AttributeError):
        return None
    if not (
        set(map(type, subject_names)) <= {str}
        and set(map(type, capacities)) <= {int}
        and set(map(type, rankings)) <= {list}
    ):
        return None
    return _post_columns(at, subject_names, capacities, rankings, subject_code, subjects, n)


def _posts_typed(posts: list, school_index: dict[str, int], subject_code: dict[str, int], subjects: list[str], n: int):
    """:func:`_posts_fast` for typed records (:mod:`algorithms.decoding`)."""
    try:
        at = [school_index[post.school] for post in posts]
    except KeyError:
        return None
    return _post_columns(
        at,
        [post.subject for post in posts],
        [post.capacity for post in posts],
        [post.ranking for post in posts],
        subject_code,
        subjects,
        n,
    )


def _post_columns(at, subject_names, capacities, rankings, subject_code, subjects, n: int):
    """The posts' columns from lists of well-typed values; ``None`` on an empty subject, a
    duplicate post or a negative capacity (the slow reader names them)."""
    if "" in subject_names:
        return None
    known = len(subjects)
    for name in dict.fromkeys(subject_names):
        if name not in subject_code:
            subject_code[name] = len(subjects)
            subjects.append(name)
    p_subject = np.fromiter(map(subject_code.__getitem__, subject_names), dtype=np.int32, count=len(at))
    p_school = np.asarray(at, dtype=np.int32)
    key = p_school.astype(np.int64) * len(subjects) + p_subject
    key.sort()
    if np.any(key[1:] == key[:-1]) or min(capacities, default=0) < 0:
        for name in subjects[known:]:  # leave the subjects as the slow reader will find them
            del subject_code[name]
        del subjects[known:]
        return None
    p_capacity = np.fromiter((c if c <= n else n for c in capacities), dtype=np.int64, count=len(at))
    return p_school, p_subject, p_capacity, rankings


def _posts_slow(posts: list, school_index: dict[str, int], subject_code: dict[str, int], subjects: list[str], n: int):
    """Read posts one by one, raising on the first problem with its precise message."""
    post_key: dict[tuple[int, str], int] = {}
    p_school = np.empty(len(posts), dtype=np.int32)
    p_subject = np.empty(len(posts), dtype=np.int32)
    p_capacity = np.empty(len(posts), dtype=np.int64)
    rankings: list[list] = []
    for p, post in enumerate(posts):
        if not isinstance(post, dict):
            raise InstanceError(f"post #{p + 1}", "must be an object")
        at_code: Any = post.get("school")
        subject_name: Any = post.get("subject")
        entry = f"post {_plain(at_code)}/{_plain(subject_name)}"
        at = school_index.get(at_code) if isinstance(at_code, str) else None
        if at is None:
            raise InstanceError(entry, f"school {quote(at_code)} is not a school")
        if not isinstance(subject_name, str) or not subject_name:
            raise InstanceError(entry, "'subject' must be a non-empty string")
        if (at, subject_name) in post_key:
            raise InstanceError(entry, "duplicate post (one post per school and subject)")
        post_key[(at, subject_name)] = p
        code = subject_code.get(subject_name)
        if code is None:
            code = subject_code[subject_name] = len(subjects)
            subjects.append(subject_name)
        p_school[p] = at
        p_subject[p] = code
        capacity = post.get("capacity")
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise InstanceError(entry, f"capacity {quote(capacity)} is not an integer")
        if capacity < 0:
            raise InstanceError(entry, f"capacity {quote(capacity)} is negative")
        p_capacity[p] = min(capacity, n)  # nobody can use more seats than there are teachers
        ranking = post.get("ranking", [])
        if type(ranking) is not list:
            raise InstanceError(entry, "'ranking' must be a list")
        rankings.append(ranking)
    return p_school, p_subject, p_capacity, rankings


def _read_posts(posts: list, school_index, school_ids, subject_code, subjects, teacher_index):
    """The posts' columns and rankings: (school, subject, capacity, rank_ptr, rank_teacher,
    rank_group). Adds the subjects that only posts name to ``subject_code`` and ``subjects``."""
    n = len(teacher_index)
    fast = (_posts_typed if is_typed(posts) else _posts_fast)(posts, school_index, subject_code, subjects, n)
    if fast is None:
        fast = _posts_slow(plain(posts), school_index, subject_code, subjects, n)
    p_school, p_subject, p_capacity, rankings = fast
    rank_ptr, rank_teacher, rank_group = _read_rankings(
        rankings, teacher_index, lambda p: f"post {school_ids[p_school[p]]}/{subjects[p_subject[p]]}"
    )
    return p_school, p_subject, p_capacity, rank_ptr, rank_teacher, rank_group


def _read_rankings(rankings: list[list], teacher_index: dict[str, int], label):
    """All posts' rankings at once, as CSR arrays (rank_ptr, rank_teacher, rank_group)."""
    items = [x for ranking in rankings for x in ranking]
    per_post = np.fromiter(map(len, rankings), dtype=np.int64, count=len(rankings))
    is_group = np.fromiter(map(isinstance, items, repeat(list)), dtype=bool, count=len(items))
    groups = np.flatnonzero(is_group).tolist()
    ties = bool(groups)
    ids = items
    if ties:  # an inner list is a group the post ranks equally: expand it in place
        ids = []
        extend = ids.extend
        done = 0
        for k in groups:
            extend(items[done:k])
            extend(items[k])
            done = k + 1
        extend(items[done:])
    try:
        # One pass of dict lookups over a plain list: at a hundred thousand teachers this is
        # most of the rankings' cost (every id is a new string, hashed here). fromiter, not a
        # list of ints: at a million teachers that list would hold 200 MB more at the peak.
        rank_teacher = np.fromiter(map(teacher_index.__getitem__, ids), dtype=np.int32, count=len(ids))
    except (KeyError, TypeError):
        for p, ranking in enumerate(rankings):
            for item in ranking:
                for tid in item if type(item) is list else (item,):
                    if type(tid) is not str or tid not in teacher_index:
                        raise InstanceError(label(p), f"ranked teacher {quote(tid)} is not a teacher") from None
        raise  # pragma: no cover - the loop above names the culprit
    del ids
    item_ptr = np.zeros(len(rankings) + 1, dtype=np.int64)
    np.cumsum(per_post, out=item_ptr[1:])
    item_post = np.repeat(np.arange(len(rankings)), per_post)
    item_group = (np.arange(len(items)) - item_ptr[item_post]).astype(np.int32)
    if not ties:
        return item_ptr, rank_teacher, item_group
    sizes = np.ones(len(items), dtype=np.int64)
    sizes[groups] = [len(items[k]) for k in groups]
    rank_ptr = np.zeros(len(rankings) + 1, dtype=np.int64)
    np.cumsum(np.bincount(item_post, weights=sizes, minlength=len(rankings)).astype(np.int64), out=rank_ptr[1:])
    return rank_ptr, rank_teacher, np.repeat(item_group, sizes)


def _tag_list(value: Any, entry: str, name: str, tag_code: dict[str, int], tags: list[str]) -> list[int]:
    """A list of non-empty strings as tag codes (new strings are added to ``tags``)."""
    if value is None:
        return []
    if type(value) is not list or any(type(x) is not str or not x for x in value):
        raise InstanceError(entry, f"'{name}' must be a list of non-empty strings")
    codes = []
    for text in dict.fromkeys(value):
        code = tag_code.get(text)
        if code is None:
            code = tag_code[text] = len(tags)
            tags.append(text)
        codes.append(code)
    return codes


_POST_CONSTRAINTS = ("backbone_seats", "refused", "requires")


def _mentions(section: list, fields: tuple[str, ...]) -> bool:
    """Whether any entry of a section has one of ``fields`` (a typed record: has it set)."""
    if is_typed(section):
        return any(list(map(attrgetter(f), section)).count(UNSET) < len(section) for f in fields)
    return any(f in x for f in fields for x in section)


def _read_constraints(teachers, posts, teacher_index, subjects, t_subject, p_subject, p_capacity, label):
    """The optional fields: backbone seats, refusals, requirements and qualifications.

    Returns ``None`` when no post or teacher has any (the common case costs one pass), else the
    keyword arguments of :class:`Instance` that hold them.
    """
    if not _mentions(posts, _POST_CONSTRAINTS) and not _mentions(teachers, ("qualifications",)):
        return None
    teachers, posts = plain(teachers), plain(posts)
    n_posts = len(posts)
    tag_code: dict[str, int] = {}
    tags: list[str] = []
    reserve = np.zeros(n_posts, dtype=np.int64)
    refuse_lists: list[list[int]] = []
    req_lists: list[list[int]] = []
    n = len(teachers)
    for p, post in enumerate(posts):
        k = post.get("backbone_seats", 0)
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise InstanceError(label(p), f"'backbone_seats' {quote(k)} is not a non-negative integer")
        if k > post["capacity"]:
            raise InstanceError(label(p), f"'backbone_seats' {k} is more than its capacity {post['capacity']}")
        # Each part at most the number of teachers (``p_capacity`` was clipped as a whole):
        # clipping the whole would eat the seats not reserved (capacity 2 with 1 reserved and one
        # teacher must leave that teacher a seat that is not reserved).
        reserve[p] = min(k, n)
        p_capacity[p] = reserve[p] + min(post["capacity"] - k, n)
        refused = post.get("refused", [])
        if type(refused) is not list:
            raise InstanceError(label(p), "'refused' must be a list of teacher ids")
        codes = []
        for tid in refused:
            i = teacher_index.get(tid) if type(tid) is str else None
            if i is None:
                raise InstanceError(label(p), f"refused teacher {quote(tid)} is not a teacher")
            if t_subject[i] != p_subject[p]:
                raise InstanceError(
                    label(p), f"refused teacher {tid} teaches {subjects[t_subject[i]]}, not {subjects[p_subject[p]]}"
                )
            codes.append(i)
        if len(set(codes)) != len(codes):
            seen: set[int] = set()
            twice = next(i for i in codes if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise InstanceError(label(p), f"teacher {teachers[twice]['id']} is refused twice")
        refuse_lists.append(sorted(codes))
        req_lists.append(_tag_list(post.get("requires"), label(p), "requires", tag_code, tags))
    qual_lists = [
        _tag_list(t.get("qualifications"), f"teacher {t['id']}", "qualifications", tag_code, tags) for t in teachers
    ]

    def csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in lists], out=ptr[1:])
        return ptr, np.fromiter(chain.from_iterable(lists), dtype=np.int32, count=int(ptr[-1]))

    refuse_ptr, refuse_teacher = csr(refuse_lists)
    req_ptr, req_tag = csr(req_lists)
    qual_ptr, qual_tag = csr(qual_lists)
    return {
        "post_reserve": reserve,
        "refuse_ptr": refuse_ptr,
        "refuse_teacher": refuse_teacher,
        "tags": tags,
        "req_ptr": req_ptr,
        "req_tag": req_tag,
        "qual_ptr": qual_ptr,
        "qual_tag": qual_tag,
    }


def _check_rankings_allowed(instance: Instance) -> None:
    """A post may not rank a teacher it refuses or who does not meet its requirements."""
    rank_post = np.repeat(np.arange(instance.n_posts, dtype=np.int64), np.diff(instance.rank_ptr))
    teachers = instance.rank_teacher.astype(np.int64)
    refused = np.flatnonzero(instance.refuses(teachers, rank_post))
    if refused.size:
        p, i = int(rank_post[refused[0]]), int(teachers[refused[0]])
        raise InstanceError(
            f"post {instance.post_label(p)}", f"teacher {instance.teacher_ids[i]} is both ranked and refused"
        )
    unmet = np.flatnonzero(~instance.meets(teachers, rank_post))
    if unmet.size:
        p, i = int(rank_post[unmet[0]]), int(teachers[unmet[0]])
        lacks = "', '".join(instance.missing(i, p))
        raise InstanceError(
            f"post {instance.post_label(p)}",
            f"ranked teacher {instance.teacher_ids[i]} lacks its requirement '{lacks}'",
        )


@_gc_paused
def parse_instance(data: Any, preferences: Any = None) -> Instance:
    """Validate a decoded instance document and build its arrays.

    Parameters
    ----------
    data : object
        The decoded JSON document (``dict``; its sections plain JSON or typed records, see
        :mod:`algorithms.decoding`).
    preferences : callable, optional
        For :mod:`algorithms.reading`, which looks the teachers' preferences up in another
        process: returns them as ``(lengths, schools)``, for typed teachers decoded without
        them. It may raise :class:`Elsewhere`, as this function does when they do not fit.

    Returns
    -------
    Instance

    Raises
    ------
    InstanceError
        On the first problem found, naming the entry at fault.

    Examples
    --------
    >>> inst = parse_instance({"format": "matchapp.instance/1",
    ...     "schools": [{"id": "A"}, {"id": "B"}],
    ...     "teachers": [{"id": "t", "school": "A", "subject": "math", "preferences": ["B"]}],
    ...     "posts": [{"school": "B", "subject": "math", "capacity": 1, "ranking": ["t"]}]})
    >>> inst.n_teachers, inst.n_posts, int(inst.pref_group[0])
    (1, 1, 0)
    """
    if not isinstance(data, dict):
        raise InstanceError("", "the document must be a JSON object")
    if data.get("format") != INSTANCE_FORMAT:
        raise InstanceError("", f"'format' must be \"{INSTANCE_FORMAT}\", not {quote(data.get('format'))}")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InstanceError("", "'seed' must be a non-negative integer")

    # -- schools -------------------------------------------------------------------------
    schools = _require_list(data.get("schools"), "", "schools")
    read_schools = _schools_typed(schools) if is_typed(schools) else None
    if read_schools is None:
        read_schools = _schools_slow(plain(schools))
    school_index, school_ids, school_names, school_zone, tiers = read_schools

    # -- teachers ------------------------------------------------------------------------
    teachers = _require_list(data.get("teachers"), "", "teachers")
    if preferences is not None:  # teachers decoded without their preferences, read elsewhere
        read = _teachers_typed(teachers, school_index, preferences) if is_typed(teachers) else None
        if read is None:
            raise Elsewhere("the teachers do not read without their preferences")
    else:
        read = (_teachers_typed if is_typed(teachers) else _teachers_fast)(teachers, school_index)
        if read is None:
            read = _teachers_slow(plain(teachers), school_index)
    teacher_index, teacher_ids, teacher_names = read.teacher_index, read.teacher_ids, read.teacher_names
    subject_code, subjects = read.subject_code, read.subjects
    t_school, t_subject, t_backbone = read.school, read.subject, read.backbone

    if read.later is None:
        owner = _check_own_school(read, school_ids)

    # -- posts ---------------------------------------------------------------------------
    # (Read before the teachers' preferences are checked when those are read elsewhere, so as
    # not to wait for them; a refusal then comes from the whole document read here, in the
    # plain reader's order.)
    try:
        posts = _require_list(data.get("posts"), "", "posts")
        p_school, p_subject, p_capacity, rank_ptr, rank_teacher, rank_group = _read_posts(
            posts, school_index, school_ids, subject_code, subjects, teacher_index
        )
    except InstanceError:
        if read.later is not None:
            raise Elsewhere("a post does not read") from None
        raise
    n_posts = len(p_school)
    if read.later is not None:
        read = _settle(read)
        owner = _check_own_school(read, school_ids)
    pref_ptr, pref_school = read.pref_ptr, read.pref_school

    rank_owner = np.repeat(np.arange(n_posts, dtype=np.int32), np.diff(rank_ptr))
    wrong = np.flatnonzero(t_subject[rank_teacher] != p_subject[rank_owner])
    if wrong.size:
        p, i = int(rank_owner[wrong[0]]), int(rank_teacher[wrong[0]])
        raise InstanceError(
            f"post {school_ids[p_school[p]]}/{subjects[p_subject[p]]}",
            f"ranked teacher {teacher_ids[i]} teaches {subjects[t_subject[i]]}, not {subjects[p_subject[p]]}",
        )

    # -- preferences -> posts, and each post's tie group for each preference ---------------
    n_subjects = len(subjects)
    post_lookup = np.full(len(schools) * n_subjects, -1, dtype=np.int64)
    post_lookup[p_school.astype(np.int64) * n_subjects + p_subject] = np.arange(n_posts)
    pref_post = post_lookup[pref_school.astype(np.int64) * n_subjects + t_subject[owner]]
    missing = np.flatnonzero(pref_post < 0)
    if missing.size:
        k = missing[0]
        i = int(owner[k])
        raise InstanceError(
            f"teacher {teacher_ids[i]}",
            f"school {school_ids[pref_school[k]]} has no post for {subjects[t_subject[i]]}",
        )
    pref_group, duplicate = _lookup_groups(pref_post, owner, rank_owner, rank_teacher, rank_group, n_posts)
    if duplicate is not None:
        p, i = duplicate
        raise InstanceError(
            f"post {school_ids[p_school[p]]}/{subjects[p_subject[p]]}", f"teacher {teacher_ids[i]} is ranked twice"
        )

    constraints = _read_constraints(
        teachers,
        posts,
        teacher_index,
        subjects,
        t_subject,
        p_subject,
        p_capacity,
        lambda p: f"post {school_ids[p_school[p]]}/{subjects[p_subject[p]]}",
    )
    extras = {k: v for k, v in data.items() if k not in {"format", "seed", "schools", "teachers", "posts"}}
    instance = Instance(
        seed=seed,
        school_ids=school_ids,
        school_names=school_names,
        school_tier=tiers,
        school_zone=school_zone,
        teacher_ids=teacher_ids,
        teacher_names=teacher_names,
        teacher_school=t_school,
        teacher_subject=t_subject,
        teacher_backbone=t_backbone,
        subjects=subjects,
        pref_ptr=pref_ptr,
        pref_school=pref_school,
        pref_post=pref_post.astype(np.int32),
        pref_group=pref_group,
        post_school=p_school,
        post_subject=p_subject,
        post_capacity=p_capacity,
        rank_ptr=rank_ptr,
        rank_teacher=rank_teacher,
        rank_group=rank_group,
        extras=extras,
        **(constraints or {}),
    )
    if constraints is not None:
        _check_rankings_allowed(instance)
    return instance


def _lookup_groups(pref_post, pref_owner, rank_owner, rank_teacher, rank_group, n_posts):
    """Tie group of each (teacher, post) preference in the post's ranking, -1 if unranked.

    Also returns the first (post, teacher) a ranking lists twice, or ``None``. Keys are
    teacher-major: preferences are stored teacher by teacher, so the search below walks the
    sorted ranking keys nearly in order (a random-order search is several times slower at
    a million teachers).
    """
    rank_key = rank_teacher.astype(np.int64) * n_posts + rank_owner
    order = np.argsort(rank_key)
    sorted_key = rank_key[order]
    twice = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    duplicate = None
    if twice.size:
        first = int(np.maximum(order[twice], order[twice + 1]).min())
        duplicate = (int(rank_owner[first]), int(rank_teacher[first]))
    groups = np.full(len(pref_post), -1, dtype=np.int32)
    if len(sorted_key):
        pref_key = pref_owner.astype(np.int64) * n_posts + pref_post
        pos = np.minimum(np.searchsorted(sorted_key, pref_key), len(sorted_key) - 1)
        found = sorted_key[pos] == pref_key
        groups[found] = rank_group[order[pos[found]]]
    return groups, duplicate


@_gc_paused
def loads_instance(text: str | bytes) -> Instance:
    """Decode JSON text (:func:`algorithms.decoding.decode_instance`) and :func:`parse_instance`
    it; bad JSON is an :class:`InstanceError`."""
    try:
        data = decode_instance(text)
    except (ValueError, TypeError) as exc:
        raise InstanceError("", json_problem(text, exc)) from None
    return parse_instance(data)


def json_problem(text: str | bytes, exc: Exception) -> str:
    """What is wrong with a document that does not decode, in words, on one short line.

    Parameters
    ----------
    text : str or bytes
        The document as read.
    exc : Exception
        The decoder's error.

    Examples
    --------
    >>> json_problem(bytes([0x7B, 0xE9]), ValueError("bad"))
    'not UTF-8 (byte 0xe9 at offset 1); save the file as UTF-8'
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            bytes(text).decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"not UTF-8 (byte 0x{bytes(text)[bad.start]:02x} at offset {bad.start}); save the file as UTF-8"
    message = str(exc)
    if len(message) > 160:
        message = message[:160] + "…"
    return f"not valid JSON ({message})"


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """Serialise an :class:`Instance` back to the exchange format (ids, names, ties kept)."""
    ids = instance.teacher_ids
    schools = [
        {"id": sid, "name": name, "tier": TIERS[tier], "zone": zone}
        for sid, name, tier, zone in zip(
            instance.school_ids, instance.school_names, instance.school_tier.tolist(), instance.school_zone
        )
    ]
    ptr = instance.pref_ptr.tolist()
    pref_school = instance.pref_school.tolist()
    teachers = []
    qptr, qtag = instance.qual_ptr.tolist(), instance.qual_tag.tolist()
    for i, tid in enumerate(ids):
        teacher = {
            "id": tid,
            "name": instance.teacher_names[i],
            "school": instance.school_ids[instance.teacher_school[i]],
            "subject": instance.subjects[instance.teacher_subject[i]],
            "backbone": bool(instance.teacher_backbone[i]),
            "preferences": [instance.school_ids[j] for j in pref_school[ptr[i] : ptr[i + 1]]],
        }
        if qptr[i + 1] > qptr[i]:
            teacher["qualifications"] = [instance.tags[t] for t in qtag[qptr[i] : qptr[i + 1]]]
        teachers.append(teacher)
    rptr = instance.rank_ptr.tolist()
    rank_teacher = instance.rank_teacher.tolist()
    rank_group = instance.rank_group.tolist()
    fptr, ftch = instance.refuse_ptr.tolist(), instance.refuse_teacher.tolist()
    reqp, reqt = instance.req_ptr.tolist(), instance.req_tag.tolist()
    posts = []
    for p in range(instance.n_posts):
        groups: list[list[str]] = []
        last = None
        for k in range(rptr[p], rptr[p + 1]):
            if rank_group[k] != last:
                groups.append([])
                last = rank_group[k]
            groups[-1].append(ids[rank_teacher[k]])
        post: dict[str, Any] = {
            "school": instance.school_ids[instance.post_school[p]],
            "subject": instance.subjects[instance.post_subject[p]],
            "capacity": int(instance.post_capacity[p]),
            "ranking": [g[0] if len(g) == 1 else g for g in groups],
        }
        if instance.post_reserve[p]:
            post["backbone_seats"] = int(instance.post_reserve[p])
        if fptr[p + 1] > fptr[p]:
            post["refused"] = [ids[i] for i in ftch[fptr[p] : fptr[p + 1]]]
        if reqp[p + 1] > reqp[p]:
            post["requires"] = [instance.tags[t] for t in reqt[reqp[p] : reqp[p + 1]]]
        posts.append(post)
    doc: dict[str, Any] = {"format": INSTANCE_FORMAT, "seed": instance.seed}
    doc.update(instance.extras)
    doc.update({"schools": schools, "teachers": teachers, "posts": posts})
    return doc
