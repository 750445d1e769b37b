"""The status badges of "My prescriptions" meet WCAG 2 AA contrast (4.5:1) with their text
(issue 20.12: Bootstrap's green "Verified" badge is 3.1:1, an axe "serious" failure)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "shop/static/shop/rxshop.css").read_text()
LIST = (ROOT / "prescriptions/templates/prescriptions/customer/prescription_list.html").read_text()

# Bootstrap 4's badge colours (background, text), which rxshop.css may override.
BOOTSTRAP = {
    "badge-success": ("#28a745", "#ffffff"),
    "badge-danger": ("#dc3545", "#ffffff"),
    "badge-warning": ("#ffc107", "#212529"),
    "badge-secondary": ("#6c757d", "#ffffff"),
    "badge-primary": ("#007bff", "#ffffff"),
}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def background(badge: str) -> str:
    found = re.search(rf"\.{badge}\s*\{{[^}}]*background-color:\s*(#[0-9a-fA-F]{{6}})", CSS)
    return found.group(1) if found else BOOTSTRAP[badge][0]


@pytest.mark.parametrize("badge", sorted(set(re.findall(r"badge-[a-z]+", LIST))))
def test_each_status_badge_of_my_prescriptions_is_readable(badge):
    assert contrast(background(badge), BOOTSTRAP[badge][1]) >= 4.5, badge
