"""Reading a large instance file on two cores: the posts in a forked process, the rest here.

Decoding and reading a file is Python work that holds the interpreter lock, and it comes before
anything can be solved: at a hundred thousand teachers it was a third of ``matchapp solve``, at a
million about eight seconds. Its two halves are independent but for the ids: the teachers (their
preferences looked up among the schools) and the posts (their rankings looked up among the
teachers). So :func:`read_instance` splits the file into its sections without decoding them
(msgspec's ``Raw``), forks, and while this process reads the schools and the teachers, the child
reads the posts and their rankings, which it needs only the teachers' ids and subjects for (a
light decoding of the same section), and sends back their arrays through a pipe.

The result is the instance :func:`algorithms.instance.loads_instance` reads, array for array:
the child runs the same reader on the same bytes, and its teachers' index and subjects are
checked to be this process's. Whenever the child cannot say (a malformed post, a document
without the three sections, constraints in the posts or the teachers: ``backbone_seats``,
``refused``, ``requires``, ``qualifications``) this process reads the posts itself, so that
every refusal is the one the plain reader gives, word for word.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import msgspec
import numpy as np
import orjson

from .decoding import _SECTIONS, _TOP
from .instance import Instance, InstanceError, _read_posts, _schools_typed, parse_instance

__all__ = ["read_instance", "PARALLEL_BYTES"]

#: files smaller than this are read in one process (a fork costs more than it saves)
PARALLEL_BYTES = 2_000_000
_CONSTRAINTS = (b'"backbone_seats"', b'"refused"', b'"requires"', b'"qualifications"')
# The arrays the child sends, in order, with their dtypes.
_DTYPES = (np.int32, np.int32, np.int64, np.int64, np.int32, np.int32)


class _TeacherKey(msgspec.Struct):
    id: str
    subject: str


_KEYS = msgspec.json.Decoder(list[_TeacherKey])


class _Unread(Exception):
    """The child could not read the posts: this process reads them."""


def read_instance(raw: bytes, workers: int = 1, parallel_bytes: int = PARALLEL_BYTES) -> Instance:
    """The instance a file holds, read on up to two cores (see the module docstring).

    Parameters
    ----------
    raw : bytes
        The file's bytes.
    workers : int
        Processes that may read at once; above 1 (on a system that forks), a file of at least
        ``parallel_bytes`` has its posts read in a forked child.

    Raises
    ------
    InstanceError
        As :func:`algorithms.instance.loads_instance` does, for bad JSON or a malformed instance.

    Examples
    --------
    >>> doc = b'''{"format": "matchapp.instance/1", "schools": [{"id": "A"}, {"id": "B"}],
    ...   "teachers": [{"id": "t", "school": "A", "subject": "m", "preferences": ["B"]}],
    ...   "posts": [{"school": "B", "subject": "m", "capacity": 1, "ranking": ["t"]}]}'''
    >>> inst = read_instance(doc, workers=2, parallel_bytes=0)
    >>> inst.n_posts, inst.rank_teacher.tolist()
    (1, [0])
    """
    from .instance import loads_instance

    if workers < 2 or len(raw) < parallel_bytes or not hasattr(os, "fork"):
        return loads_instance(raw)
    try:
        top = _TOP.decode(raw)
    except Exception:  # noqa: BLE001 - not a JSON object: the plain reader says what it is
        return loads_instance(raw)
    sections = [top.get(key) for key in ("schools", "teachers", "posts")]
    if any(s is None for s in sections) or any(word in raw for word in _CONSTRAINTS):
        return loads_instance(raw)

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        status = 1
        try:
            os.close(read_end)
            _send(write_end, _posts_columns(*sections))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    receiver = _Receiver(read_end)
    try:
        try:
            data = {key: _decode(key, section) for key, section in top.items() if key != "posts"}
        except ValueError:  # not JSON after all (msgspec skips what orjson refuses): its words
            return loads_instance(raw)
        del top, sections
        try:
            return parse_instance(data, read_posts=receiver)
        except _Unread:
            pass
        data["posts"] = _decode("posts", _TOP.decode(raw)["posts"])
        return parse_instance(data)
    finally:
        if not receiver.done:  # refused before the posts: the child's work is not needed
            os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)


def _decode(key: str, section: msgspec.Raw) -> Any:
    """A section as :func:`algorithms.decoding.decode_instance` decodes it (orjson's error if
    it is not JSON)."""
    decoder = _SECTIONS.get(key)
    if decoder is not None:
        try:
            return decoder.decode(section)
        except msgspec.ValidationError:
            pass
        except msgspec.DecodeError as exc:
            raise ValueError(str(exc)) from None
    return orjson.loads(memoryview(section))


def _posts_columns(schools_raw, teachers_raw, posts_raw) -> list | None:
    """In the child: the posts read as the plain reader reads them, with the subjects known
    after them, or ``None`` where it would refuse something (it then names it)."""
    try:
        schools = _SECTIONS["schools"].decode(schools_raw)
        keys = _KEYS.decode(teachers_raw)
        posts = _SECTIONS["posts"].decode(posts_raw)
    except msgspec.DecodeError:
        return None
    read = _schools_typed(schools) if schools else None
    if read is None or not keys:
        return None
    school_index, school_ids = read[0], read[1]
    ids = [k.id for k in keys]
    teacher_index = dict(zip(ids, range(len(ids))))
    if len(teacher_index) != len(ids):
        return None
    subjects = list(dict.fromkeys(k.subject for k in keys))
    subject_code = {s: k for k, s in enumerate(subjects)}
    try:
        columns = _read_posts(posts, school_index, school_ids, subject_code, subjects, teacher_index)
    except InstanceError:
        return None
    return [np.asarray(a, dtype=t) for a, t in zip(columns, _DTYPES)] + [subjects]


def _send(fd: int, payload: list | None) -> None:
    with os.fdopen(fd, "wb") as out:
        if payload is None:
            out.write(np.int64(-1).tobytes())
            return
        *arrays, subjects = payload
        names = orjson.dumps(subjects)
        out.write(np.array([len(names)] + [len(a) for a in arrays], dtype=np.int64).tobytes())
        out.write(names)
        for array in arrays:
            out.write(np.ascontiguousarray(array).data)


class _Receiver:
    """``read_posts`` for :func:`parse_instance`: the child's columns, checked against this
    process's teachers and subjects."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.done = False

    def _read(self, size: int) -> bytearray:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            n = os.readv(self.fd, [view[got:]])
            if not n:
                raise _Unread("the child stopped before the end")
            got += n
        return buffer

    def __call__(self, school_index, school_ids, subject_code, subjects, teacher_index):
        self.done = True  # whatever it sent, or nothing: the child is finished with
        first = int(np.frombuffer(self._read(8), dtype=np.int64)[0])
        if first < 0:
            raise _Unread("the child could not read the posts")
        lengths = np.frombuffer(self._read(8 * len(_DTYPES)), dtype=np.int64).tolist()
        theirs = orjson.loads(self._read(first))
        arrays = [np.frombuffer(self._read(n * np.dtype(t).itemsize), dtype=t) for n, t in zip(lengths, _DTYPES)]
        # The child read the same ids in the same order: the same index, if these teachers were
        # read whole (parse_instance gets here only then); the subjects it started from must be ours.
        if len(theirs) < len(subjects) or theirs[: len(subjects)] != subjects:
            raise _Unread("the child's subjects differ")
        for name in theirs[len(subjects) :]:
            subject_code[name] = len(subjects)
            subjects.append(name)
        return arrays
