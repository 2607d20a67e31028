"""Paging of a list already in memory (a computed one, such as each school's quota), with the
attributes of Flask-SQLAlchemy's ``Pagination`` so that one pager macro serves both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ListPage:
    everything: list[Any]
    page: int
    per_page: int

    def __post_init__(self) -> None:
        self.page = min(max(1, self.page), self.pages or 1)

    @property
    def total(self) -> int:
        return len(self.everything)

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def items(self) -> list[Any]:
        start = (self.page - 1) * self.per_page
        return self.everything[start : start + self.per_page]

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None
