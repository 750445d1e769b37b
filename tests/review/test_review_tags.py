"""The review screen's small template filters."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from prescriptions.review.templatetags.review_tags import age_on, duration

UTC = datetime.UTC


@pytest.mark.parametrize(
    "instant, age",
    [
        # 02:00 UTC on the 15th is still the 14th in New York: the 18th birthday has not come yet.
        (datetime.datetime(2030, 6, 15, 2, 0, tzinfo=UTC), "17"),
        (datetime.datetime(2030, 6, 15, 3, 59, tzinfo=UTC), "17"),
        # Midnight in New York (EDT, UTC-4): 18 from the first minute of the day.
        (datetime.datetime(2030, 6, 15, 4, 0, tzinfo=UTC), "18"),
    ],
)
def test_a_patients_age_is_counted_on_the_pharmacys_date_not_the_servers(instant, age):
    with mock.patch.object(timezone, "now", return_value=instant):
        assert age_on(datetime.date(2012, 6, 15)) == age


def test_an_age_on_a_given_day_and_a_missing_birth_date():
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2026, 2, 28)) == "17"
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2026, 3, 1)) == "18"
    assert age_on(None) == ""


@pytest.mark.parametrize(
    "minutes, shown",
    [
        (0, "0 min"),
        (59, "59 min"),
        (60, "1 h 00 min"),
        (24 * 60 - 1, "23 h 59 min"),
        (24 * 60, "1 d 0 h"),
        (-5, "0 min"),
    ],
)
def test_a_waiting_time_reads_as_people_say_it(minutes, shown):
    assert duration(datetime.timedelta(minutes=minutes)) == shown
    assert duration(None) == ""
