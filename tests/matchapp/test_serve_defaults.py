"""How many workers `matchapp serve` starts when not told (the production test starts it so)."""

import os

import pytest

from matchapp import web_cli


@pytest.mark.parametrize(
    ("cores", "workers"),
    [
        (1, 3),
        (2, 5),  # the machine of the fair-day load bench
        (7, 15),
        (8, 17),  # exactly the cap
        (9, 17),  # one core more: capped (each worker holds a database connection)
        (64, 17),
    ],
)
def test_two_sync_workers_per_core_and_one_more_at_most_17(monkeypatch, cores, workers):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert web_cli.default_workers() == workers


def test_without_affinity_the_cpu_count_decides(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert web_cli.default_workers() == 7
