"""Decoding an instance file: typed where it is well-formed, as plain JSON where it is not.

A well-formed instance is decoded by msgspec straight into small typed records (``_School``,
``_Teacher``, ``_Post``), checking each field's JSON type on the way: that is about half the cost
of decoding into dicts and then checking the types in Python (at a hundred thousand teachers,
0.3 s of a 1.7 s run; at a million, several seconds). The instance readers
(:mod:`algorithms.instance`) take either form.

Nothing is decided here: a section whose types do not fit (a capacity written ``2.0``, a name
that is ``null``, a ranking nested too deep, an integer orjson would read as a float) is decoded
as plain JSON by orjson, and the readers' own checks name what is wrong, as before. A document
that msgspec cannot decode at all is decoded again by orjson as a whole, so that bad JSON is
reported with orjson's message and position, exactly as before.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import orjson

__all__ = ["decode_instance", "decode_section", "is_typed", "plain"]

# orjson reads integers from -2**63 to 2**64 - 1 as integers and larger ones as floats; a typed
# integer beyond int64 (msgspec's bounds stop there) is left to orjson, so that both read every
# file alike.
_Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_Ids = list[str]


class _School(msgspec.Struct, omit_defaults=True):
    id: str
    name: str = ""
    tier: str = "ordinary"
    zone: str = ""


class _Teacher(msgspec.Struct, omit_defaults=True):
    id: str
    school: str
    subject: str
    name: str = ""
    backbone: bool = False
    preferences: _Ids = []
    qualifications: _Ids | None | msgspec.UnsetType = msgspec.UNSET


class _TeacherScalars(msgspec.Struct):
    """A teacher without the preferences (skipped, not decoded): :mod:`algorithms.reading`
    reads them in another process."""

    id: str
    school: str
    subject: str
    name: str = ""
    backbone: bool = False
    qualifications: _Ids | None | msgspec.UnsetType = msgspec.UNSET


class _Post(msgspec.Struct, omit_defaults=True):
    school: str
    subject: str
    capacity: _Int
    ranking: list[str | _Ids] = []
    backbone_seats: _Int | msgspec.UnsetType = msgspec.UNSET
    refused: _Ids | msgspec.UnsetType = msgspec.UNSET
    requires: _Ids | None | msgspec.UnsetType = msgspec.UNSET


_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])
_SECTIONS: dict[str, msgspec.json.Decoder[Any]] = {
    "schools": msgspec.json.Decoder(list[_School]),
    "teachers": msgspec.json.Decoder(list[_Teacher]),
    "posts": msgspec.json.Decoder(list[_Post]),
}
_TYPES = (_School, _Teacher, _TeacherScalars, _Post)


def decode_instance(raw: str | bytes) -> Any:
    """The decoded document: a dict whose sections are lists of typed records where they fit.

    Raises
    ------
    orjson.JSONDecodeError
        When the bytes are not JSON (orjson's error, as :func:`orjson.loads` raises it).

    Examples
    --------
    >>> doc = decode_instance(b'{"format": "x", "teachers": [{"id": "t", "school": "A", "subject": "m"}]}')
    >>> doc["format"], is_typed(doc["teachers"]), doc["teachers"][0].preferences
    ('x', True, [])
    >>> is_typed(decode_instance(b'{"teachers": [{"id": "t", "school": "A", "subject": "m", "name": null}]}')["teachers"])
    False
    """
    try:
        return _decode_typed(raw)
    except Exception:  # noqa: BLE001 - not JSON, not UTF-8, ...: orjson decides, for the whole file
        return orjson.loads(raw)


def _decode_typed(raw: str | bytes) -> dict[str, Any]:
    return {key: decode_section(key, section) for key, section in _TOP.decode(raw).items()}


def decode_section(key: str, section: msgspec.Raw) -> Any:
    """One top-level value of a document: typed records where they fit, else plain JSON.

    Raises msgspec's ``DecodeError`` or orjson's error (both ``ValueError``) when it is not JSON.
    """
    decoder = _SECTIONS.get(key)
    if decoder is not None:
        try:
            return decoder.decode(section)
        except msgspec.ValidationError:  # a type that does not fit: the readers will say
            pass
    return orjson.loads(memoryview(section))


def is_typed(section: Any) -> bool:
    """Whether a decoded section is a list of typed records (all or none of it is)."""
    return type(section) is list and bool(section) and type(section[0]) in _TYPES


def plain(section: list) -> list:
    """A typed section as the plain JSON it was decoded from (dicts, fields left at their default
    omitted), for the readers that name the first problem of a malformed one."""
    return msgspec.to_builtins(section) if is_typed(section) else section
