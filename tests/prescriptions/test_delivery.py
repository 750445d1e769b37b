"""Promised delivery dates: the pharmacy's cut-off in New York, business days, US federal
holidays as observed (5 U.S.C. 6103), and prescriptions counted from the review target.
The clock is moved with time_machine; nothing passes "now" by hand."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from prescriptions import delivery

NY = ZoneInfo("America/New_York")
D = datetime.date


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=NY)


@pytest.fixture(autouse=True)
def shipping_settings(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.RXSHOP_DISPATCH_CUTOFF = "14:00"
    settings.RXSHOP_SHIPPING_TRANSIT_DAYS = {"free-shipping": (3, 5), "express": (1, 2)}
    settings.RXSHOP_DEFAULT_SHIPPING_METHOD = "free-shipping"
    settings.REVIEW_TARGET_HOURS = 4


def otc(method="express"):
    return delivery.promise_for_purchase(needs_prescription=False, method_code=method)


def test_ready_at_1359_new_york_time_leaves_the_same_day():
    with time_machine.travel(at(2026, 12, 1, 13, 59), tick=False):  # a Tuesday
        promise = otc()
    assert promise.dispatch_on == D(2026, 12, 1)
    assert (promise.earliest, promise.latest) == (D(2026, 12, 2), D(2026, 12, 3))
    assert promise.order_by == at(2026, 12, 1, 14, 0)


def test_ready_at_1400_leaves_the_next_business_day():
    with time_machine.travel(at(2026, 12, 1, 14, 0), tick=False):
        promise = otc()
    assert promise.dispatch_on == D(2026, 12, 2)
    assert promise.latest == D(2026, 12, 4)
    assert promise.order_by == at(2026, 12, 2, 14, 0)


def test_friday_after_the_cut_off_leaves_on_monday_and_the_weekend_does_not_count():
    with time_machine.travel(at(2026, 12, 4, 16, 30), tick=False):  # Friday
        promise = otc("free-shipping")
    assert promise.dispatch_on == D(2026, 12, 7)
    assert (promise.earliest, promise.latest) == (D(2026, 12, 10), D(2026, 12, 14))


def test_thanksgiving_the_fourth_thursday_of_november_is_no_business_day():
    thanksgiving = D(2026, 11, 26)
    assert thanksgiving.weekday() == 3 and 22 <= thanksgiving.day <= 28  # the fourth Thursday
    assert not delivery.is_business_day(thanksgiving)
    with time_machine.travel(at(2026, 11, 25, 15, 0), tick=False):  # the Wednesday before, after cut-off
        promise = otc()
    assert promise.dispatch_on == D(2026, 11, 27)  # Friday
    assert (promise.earliest, promise.latest) == (D(2026, 11, 30), D(2026, 12, 1))


def test_a_holiday_on_a_saturday_is_observed_on_the_friday():
    # Independence Day 2026 is a Saturday: Friday 3 July is the federal holiday.
    assert D(2026, 7, 4).weekday() == 5
    assert not delivery.is_business_day(D(2026, 7, 3))
    with time_machine.travel(at(2026, 7, 2, 15, 0), tick=False):  # Thursday after cut-off
        promise = otc()
    assert promise.dispatch_on == D(2026, 7, 6)
    assert promise.latest == D(2026, 7, 8)


def test_juneteenth_on_a_saturday_and_july_4th_on_a_sunday_in_2027():
    assert D(2027, 6, 19).weekday() == 5 and not delivery.is_business_day(D(2027, 6, 18))
    assert D(2027, 7, 4).weekday() == 6 and not delivery.is_business_day(D(2027, 7, 5))
    with time_machine.travel(at(2027, 7, 2, 14, 30), tick=False):  # Friday after cut-off
        promise = otc()
    assert promise.dispatch_on == D(2027, 7, 6)  # Monday 5 July is the observed holiday
    assert promise.latest == D(2027, 7, 8)


def test_new_york_time_not_utc_decides_the_day_and_the_cut_off():
    # 13:30 in New York is 18:30 UTC: still before the pharmacy's cut-off.
    with time_machine.travel(datetime.datetime(2026, 12, 1, 18, 30, tzinfo=datetime.UTC), tick=False):
        assert otc().dispatch_on == D(2026, 12, 1)
    # 23:30 on Friday in New York is already Saturday in UTC; it is Friday evening at the pharmacy.
    with time_machine.travel(at(2026, 12, 4, 23, 30), tick=False):
        promise = otc()
    assert promise.dispatch_on == D(2026, 12, 7)
    assert promise.order_by == at(2026, 12, 7, 14, 0)
    # 00:30 UTC on Wednesday is 19:30 on Tuesday in New York: after the cut-off, so Wednesday.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 0, 30, tzinfo=datetime.UTC), tick=False):
        assert otc().dispatch_on == D(2026, 12, 2)
    # 04:30 UTC on Wednesday (23:30 Tuesday in New York): Wednesday, not the Thursday a UTC reading gives.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 4, 30, tzinfo=datetime.UTC), tick=False):
        assert otc().order_by == at(2026, 12, 2, 14, 0)


def test_a_prescription_is_counted_from_the_review_target_not_from_now():
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):  # + 4 h = 13:00, before the cut-off
        early = delivery.promise_for_purchase(needs_prescription=True, method_code="express")
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):  # + 4 h = 14:00, the cut-off
        later = delivery.promise_for_purchase(needs_prescription=True, method_code="express")
    assert early.after_review and early.order_by is None
    assert (early.dispatch_on, early.latest) == (D(2026, 12, 1), D(2026, 12, 3))
    assert (later.dispatch_on, later.latest) == (D(2026, 12, 2), D(2026, 12, 4))


def test_the_cut_off_is_a_setting(settings):
    settings.RXSHOP_DISPATCH_CUTOFF = "16:00"
    with time_machine.travel(at(2026, 12, 1, 15, 0), tick=False):
        assert otc().dispatch_on == D(2026, 12, 1)


def test_an_unknown_method_is_promised_at_the_slowest_known_transit():
    assert delivery.transit_for("carrier-pigeon") == delivery.Transit(3, 5)
    assert delivery.transit_for(None) == delivery.Transit(3, 5)  # the default method


def test_a_promise_is_never_optimistic_the_rules_get_the_latest_day():
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        assert otc("free-shipping").delivery_on == otc("free-shipping").latest == D(2026, 12, 8)


@pytest.mark.parametrize(
    "zone, label",
    [("America/New_York", "ET"), ("America/Chicago", "CT"), ("America/Los_Angeles", "PT"), ("Europe/Madrid", "CET")],
)
def test_the_cut_off_is_named_in_the_pharmacys_zone(zone, label):
    tz = ZoneInfo(zone)
    made = delivery.promise(
        datetime.datetime(2026, 12, 1, 9, 0, tzinfo=tz), transit=delivery.Transit(3, 5), cutoff=datetime.time(14), tz=tz
    )
    assert made.zone == label
    assert (
        delivery.promise(
            datetime.datetime(2026, 12, 1, 9, 0, tzinfo=tz),
            transit=delivery.Transit(3, 5),
            cutoff=datetime.time(14),
            tz=tz,
            after_review=True,
        ).zone
        == ""
    )
