"""The order and line status names are spelt in one place: ``prescriptions.orders``.

Settings keep oscar's pipelines (oscar reads them at class definition; a system
check holds them to the door's tables). Everywhere else uses ``OrderStatus`` /
``LineStatus``, so a renamed status cannot leave a comparison behind that is
silently never true.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from prescriptions.orders import LineStatus, OrderStatus

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("shop", "prescriptions", "payments", "compliance", "infra", "bench")
ALLOWED = {Path("prescriptions/orders.py"), Path("shop/settings.py")}

NAMES = {str(s) for s in OrderStatus} | {str(s) for s in LineStatus}
# Spelt only as order statuses: flagged wherever they appear.
DISTINCT = {str(OrderStatus.AWAITING_DISPENSE), str(OrderStatus.AWAITING_SHIPMENT)}
STATUS_KEYWORDS = {"status", "status__in", "new_status", "old_status"}
STATUS_CALLS = {"set_status", "handle_order_status_change", "change_order_status", "change_line_status"}
TEMPLATE_COMPARISON = re.compile(r"status\s*(?:==|!=|in)\s*[\"']({})[\"']".format("|".join(map(re.escape, NAMES))))


def _spelt(node) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_spelt(element) for element in node.elts)
    return False


def _about_status(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr.endswith("status")) or (
        isinstance(node, ast.Name) and node.id.endswith("status")
    )


def spelt_statuses(path: Path, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        hit = False
        if isinstance(node, ast.Constant) and node.value in DISTINCT:
            hit = True
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            hit = any(_about_status(s) for s in sides) and any(_spelt(s) for s in sides)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            hit = any(k.arg in STATUS_KEYWORDS and _spelt(k.value) for k in node.keywords) or (
                name in STATUS_CALLS and any(_spelt(a) for a in node.args)
            )
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value in NAMES:
            # SHIPPED = "Shipped": a second spelling of the name
            hit = any(
                isinstance(t, ast.Name) and node.value.value.lower() in t.id.lower().replace("_", " ")
                for t in node.targets
            )
        elif isinstance(node, ast.Dict):
            hit = any(
                isinstance(k, ast.Constant) and k.value in STATUS_KEYWORDS and _spelt(v)
                for k, v in zip(node.keys, node.values, strict=False)
            )
        if hit:
            found.append(f"{path}:{node.lineno}")
    return found


def test_no_status_name_is_spelt_outside_the_door():
    offenders = []
    for package in SCANNED:
        for path in sorted((REPO / package).rglob("*")):
            relative = path.relative_to(REPO)
            if relative in ALLOWED or "migrations" in relative.parts or not path.is_file():
                continue
            if path.suffix == ".py":
                offenders += spelt_statuses(relative, path.read_text())
            elif path.suffix in (".html", ".txt"):
                offenders += [f"{relative}: {m.group(0)}" for m in TEMPLATE_COMPARISON.finditer(path.read_text())]
    assert offenders == [], "status names spelt outside prescriptions.orders: " + ", ".join(offenders)


def test_the_check_catches_each_way_of_spelling_a_status():
    examples = [
        'order.status == "Shipped"',
        'line.status != "Cancelled"',
        'status in ("Complete", "Cancelled")',
        'Order.objects.filter(status="Dispensed")',
        'Order.objects.filter(status__in=["Shipped"])',
        'order.set_status("Shipped")',
        'handler.handle_order_status_change(order, "Cancelled")',
        'row = {"status": "Pending"}',
        'INITIAL = "Awaiting dispense"',
        'LINE_SHIPPED = "Shipped"',
    ]
    for example in examples:
        assert spelt_statuses(Path("example.py"), example), example
    assert not spelt_statuses(Path("example.py"), "order.status == OrderStatus.SHIPPED")
    assert not spelt_statuses(Path("example.py"), 'VOIDED = "voided", "Voided"')
    assert not spelt_statuses(Path("example.py"), 'label = "Complete authentication"')
    assert TEMPLATE_COMPARISON.search('{% if line.status == "Cancelled" %}')
