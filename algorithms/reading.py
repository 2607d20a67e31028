"""Reading a large instance file on two cores: the teachers' preferences in a forked process.

Decoding and reading a file is Python work that holds the interpreter lock, and it comes before
anything can be solved: at a hundred thousand teachers it was a third of ``matchapp solve``, at a
million about eight seconds. Much of it is the teachers' preferences: millions of school ids to
decode and look up. So :func:`read_instance` splits the file into its sections without decoding
them (msgspec's ``Raw``) and forks. The child decodes the schools and the teachers' preferences
alone and looks them up; this process meanwhile decodes everything else (the teachers without
their preferences, which msgspec skips) and reads it, the posts and their rankings included,
then takes the preferences' arrays from the child through a pipe.

The result is the instance :func:`algorithms.instance.loads_instance` reads, array for array:
the child runs the same lookups on the same bytes. Whenever the child cannot say (a preference
that is not a school, a malformed section) or a refusal is due anyway, this process reads the
whole document itself, so that every refusal is the one the plain reader gives, word for word.
"""

from __future__ import annotations

import os
import signal
from itertools import chain

import msgspec
import numpy as np

from .decoding import _SECTIONS, _TOP, _TeacherScalars, decode_section
from .instance import Elsewhere, Instance, _lengths, _schools_typed, parse_instance

__all__ = ["read_instance", "PARALLEL_BYTES"]

#: files smaller than this are read in one process (a fork costs more than it saves)
PARALLEL_BYTES = 2_000_000
# The arrays the child sends, in order, with their dtypes: the preferences' lengths and schools.
_DTYPES = (np.int64, np.int32)


class _Preferences(msgspec.Struct):
    """What the child needs of a teacher (the rest is skipped, not decoded)."""

    preferences: list[str] = []


_PREFERENCES = msgspec.json.Decoder(list[_Preferences])
_SCALARS = msgspec.json.Decoder(list[_TeacherScalars])


def read_instance(raw: bytes, workers: int = 1, parallel_bytes: int = PARALLEL_BYTES) -> Instance:
    """The instance a file holds, read on up to two cores (see the module docstring).

    Parameters
    ----------
    raw : bytes
        The file's bytes.
    workers : int
        Processes that may read at once; above 1 (on a system that forks), a file of at least
        ``parallel_bytes`` has its teachers' preferences read in a forked child.

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
    if any(s is None for s in sections):
        return loads_instance(raw)

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        status = 1
        try:
            os.close(read_end)
            _send(write_end, _child_preferences(sections[0], sections[1]))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    receiver = _Receiver(read_end)
    try:
        try:
            data = {key: decode_section(key, section) for key, section in top.items() if key != "teachers"}
            data["teachers"] = _SCALARS.decode(top["teachers"])
        except ValueError:  # not JSON, or a teacher the typed reader cannot read (msgspec errors are ValueErrors)
            return loads_instance(raw)
        del top, sections
        try:
            return parse_instance(data, preferences=receiver.preferences)
        except Elsewhere:
            pass
        return loads_instance(raw)
    finally:
        if not receiver.done:  # refused before the child's part: it is not needed
            os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)


def _child_preferences(schools_raw, teachers_raw) -> list | None:
    """In the child: the preferences' lengths and schools, or ``None`` where the plain reader
    would refuse something (it then names it)."""
    try:
        schools = _SECTIONS["schools"].decode(schools_raw)
        prefs = [t.preferences for t in _PREFERENCES.decode(teachers_raw)]
    except msgspec.DecodeError:
        return None
    read = _schools_typed(schools) if schools else None
    if read is None:
        return None
    try:
        pref_school = np.fromiter(map(read[0].__getitem__, chain.from_iterable(prefs)), dtype=np.int32)
    except KeyError:
        return None
    return [_lengths(prefs), pref_school]


def _send(fd: int, arrays: list | None) -> None:
    with os.fdopen(fd, "wb") as out:
        if arrays is None:
            out.write(np.int64(-1).tobytes())
            return
        out.write(np.array([len(a) for a in arrays], dtype=np.int64).tobytes())
        for array, dtype in zip(arrays, _DTYPES):
            out.write(np.ascontiguousarray(array, dtype=dtype).data)


class _Receiver:
    """The child's arrays: ``preferences`` for :func:`parse_instance`, which raises
    :class:`Elsewhere` when the child could not read them."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.done = False

    def _read(self, size: int) -> bytearray:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            n = os.readv(self.fd, [view[got:]])
            if not n:
                raise Elsewhere("the child stopped before the end")
            got += n
        return buffer

    def preferences(self) -> tuple[np.ndarray, np.ndarray]:
        self.done = True  # whatever it sends, or nothing: the child is finished with
        first = int(np.frombuffer(self._read(8), dtype=np.int64)[0])
        if first < 0:
            raise Elsewhere("the child could not read the preferences")
        lengths = [first] + np.frombuffer(self._read(8 * (len(_DTYPES) - 1)), dtype=np.int64).tolist()
        arrays = [np.frombuffer(self._read(n * np.dtype(t).itemsize), dtype=t) for n, t in zip(lengths, _DTYPES)]
        return arrays[0], arrays[1]
