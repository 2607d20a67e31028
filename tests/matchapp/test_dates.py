"""Days and times as the bureau writes them (core/dates.py), in its zone, in both languages."""

import datetime as dt

import pytest
from flask_babel import force_locale

from matchapp.core.dates import day, moment


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (dt.date(2027, 8, 31), "2027年8月31日", "31 Aug 2027"),
        (dt.date(2027, 1, 5), "2027年1月5日", "5 Jan 2027"),
        # A stored UTC time late in the evening is already the next day in Shanghai (UTC+8).
        (dt.datetime(2027, 6, 30, 16, 0), "2027年7月1日", "1 Jul 2027"),
        (dt.datetime(2027, 6, 30, 15, 59), "2027年6月30日", "30 Jun 2027"),
        (None, "", ""),
    ],
)
def test_day_in_each_language_and_the_bureaus_zone(app, value, zh, en):
    with app.test_request_context():
        with force_locale("zh"):
            assert day(value) == zh
        with force_locale("en"):
            assert day(value) == en


def test_moment_shows_the_local_time_and_seconds_for_a_receipt(app):
    stored = dt.datetime(2027, 6, 30, 1, 2, 3)  # 09:02:03 in Shanghai
    with app.test_request_context(), force_locale("zh"):
        assert moment(stored) == "2027年6月30日 09:02"
        assert moment(stored, seconds=True) == "2027年6月30日 09:02:03"
        assert moment(None) == ""


def test_a_bureau_sets_its_own_pattern(app):
    app.config["DATE_FORMAT"] = "yyyy.MM.dd"
    with app.test_request_context(), force_locale("zh"):
        assert day(dt.date(2027, 8, 31)) == "2027.08.31"
    with app.test_request_context(), force_locale("en"):
        assert day(dt.date(2027, 8, 31)) == "31 Aug 2027"  # the pattern is for the Chinese interface
