"""Carriers' tracking-number formats (sources in prescriptions/carriers.py) and tracking links."""

import pytest

from prescriptions.carriers import (
    Carrier,
    TrackingNumberInvalid,
    clean_tracking_number,
    is_valid_tracking_number,
    s10_check_digit,
    tracking_url,
)


@pytest.mark.parametrize(
    "carrier, number",
    [
        ("usps", "9400111899223856928499"),  # 22 digits (IMpb)
        ("usps", "94001118992238569284"),  # 20 digits
        ("usps", "9400 1118 9922 3856 9284 99"),  # as printed, with spaces
        ("usps", "EA123456785US"),  # UPU S10 with its check digit
        ("usps", "ea123456785us"),
        ("ups", "1Z999AA10123456784"),
        ("ups", "1z 999 aa1 01 2345 6784"),
        ("fedex", "123456789012"),
        ("fedex", "123456789012345"),
        ("fedex", "12345678901234567890"),
    ],
)
def test_numbers_in_the_carriers_formats_are_accepted(carrier, number):
    assert is_valid_tracking_number(carrier, number)


@pytest.mark.parametrize(
    "carrier, number",
    [
        ("usps", "9400111899223856928"),  # 19 digits
        ("usps", "94001118992238569284991"),  # 23 digits
        ("usps", "EA123456789US"),  # the S10 check digit should be 5
        ("usps", "E1123456785US"),
        ("usps", "1Z999AA10123456784"),  # a UPS number given as USPS
        ("ups", "1Z999AA1012345678"),
        ("ups", "1Z999AA101234567845"),
        ("ups", "2Z999AA10123456784"),
        ("ups", "1Z999AA1012345678!"),
        ("fedex", "12345678901"),
        ("fedex", "1234567890123"),
        ("fedex", "1234567890123456"),
        ("fedex", "12345678901a"),
        ("usps", ""),
    ],
)
def test_numbers_outside_the_formats_are_refused(carrier, number):
    assert not is_valid_tracking_number(carrier, number)
    with pytest.raises(TrackingNumberInvalid, match=Carrier(carrier).label):
        clean_tracking_number(carrier, number)


def test_the_s10_check_digit_follows_the_upu_weights():
    assert s10_check_digit("12345678") == 5  # 11 - (204 mod 11)
    assert s10_check_digit("00000000") == 5  # 11 → 5
    assert s10_check_digit("00000001") == 4


def test_an_unknown_carrier_is_refused():
    with pytest.raises(ValueError):
        is_valid_tracking_number("dhl", "1234567890")


def test_tracking_links_are_the_carriers_public_pages():
    assert tracking_url("usps", "9400 1118 9922 3856 9284 99") == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223856928499"
    )
    assert tracking_url("ups", "1z999aa10123456784") == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert tracking_url("fedex", "123456789012") == "https://www.fedex.com/fedextrack/?trknbr=123456789012"
