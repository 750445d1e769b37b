"""Back-fill ``ComplianceEvaluation.prescription_id`` (compliance 0002) for the rows
written before it existed, so the retention purge finds them by prescription.

- ``prescription:<id>`` (the review workspace): the id it names.
- ``order:<number>:line:<id>:dispense`` (old dispense spelling): the prescription of
  that order line.
- ``order:<number>:line:<id>`` (old checkout spelling, a *basket* line id): the
  prescription the placed order's line for the same product carries (copied from the
  basket line when the order was placed); else the basket line's own prescription;
  else, when the basket line is gone, the order's one prescription if it has only one.

The subjects themselves are evidence and are not rewritten. It lives here, not in
compliance, because reading basket and order lines is the prescription domain's
business (compliance sits below it). A row it cannot attribute keeps a null.
"""
from django.db import migrations

from compliance.subjects import ORDER_LINE, parse, parse_legacy

BATCH = 1000


def _batches(queryset):
    batch = []
    for row in queryset.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _resolve_legacy(legacy_rows, BasketLine, OrderLine) -> dict[int, int]:
    """Evaluation pk -> prescription id, for rows spelt the old way (a few queries per batch)."""
    found: dict[int, int] = {}
    order_line_ids = {legacy.line_id for _pk, legacy in legacy_rows if legacy.line_kind == ORDER_LINE}
    basket_line_ids = {legacy.line_id for _pk, legacy in legacy_rows if legacy.line_kind != ORDER_LINE}
    numbers = {legacy.order_number for _pk, legacy in legacy_rows}
    order_lines = {
        pk: (number, prescription_id)
        for pk, number, prescription_id in OrderLine.objects.filter(pk__in=order_line_ids)
        .values_list("pk", "order__number", "prescription_id")
    }
    basket_lines = {
        pk: (product_id, prescription_id)
        for pk, product_id, prescription_id in BasketLine.objects.filter(pk__in=basket_line_ids)
        .values_list("pk", "product_id", "prescription_id")
    }
    prescribed: dict[str, list[tuple[int | None, int]]] = {}  # order number -> (product, prescription) of its lines
    for number, product_id, prescription_id in (
        OrderLine.objects.filter(order__number__in=numbers, prescription__isnull=False)
        .values_list("order__number", "product_id", "prescription_id")
    ):
        prescribed.setdefault(number, []).append((product_id, prescription_id))

    for pk, legacy in legacy_rows:
        if legacy.line_kind == ORDER_LINE:
            number, prescription_id = order_lines.get(legacy.line_id, (None, None))
            if number == legacy.order_number and prescription_id:
                found[pk] = prescription_id
            continue
        on_order = prescribed.get(legacy.order_number, [])
        if legacy.line_id in basket_lines:
            product_id, prescription_id = basket_lines[legacy.line_id]
            sold = {p for product, p in on_order if product == product_id}
            if len(sold) == 1:
                found[pk] = sold.pop()
            elif prescription_id:
                found[pk] = prescription_id
        else:
            sold = {p for _product, p in on_order}
            if len(sold) == 1:
                found[pk] = sold.pop()
    return found


def backfill(apps, schema_editor):
    Evaluation = apps.get_model("compliance", "ComplianceEvaluation")
    BasketLine = apps.get_model("basket", "Line")
    OrderLine = apps.get_model("order", "Line")
    rows = Evaluation._base_manager.filter(prescription_id__isnull=True).only("pk", "subject").order_by("pk")
    for batch in _batches(rows):
        found: dict[int, int] = {}
        legacy_rows = []
        for row in batch:
            try:
                found[row.pk] = parse(row.subject).prescription_id
            except ValueError:
                legacy = parse_legacy(row.subject)
                if legacy is not None:
                    legacy_rows.append((row.pk, legacy))
        if legacy_rows:
            found.update(_resolve_legacy(legacy_rows, BasketLine, OrderLine))
        changed = []
        for row in batch:
            if row.pk in found:
                row.prescription_id = found[row.pk]
                changed.append(row)
        # The base manager: adding the derived key is not a change to the evidence, and the
        # append-only guard of the default manager is there to stop that.
        Evaluation._base_manager.bulk_update(changed, ["prescription_id"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("prescriptions", "0003_staff_data_view"),
        ("compliance", "0002_evaluation_prescription_id"),
        ("basket", "0013_line_prescription"),
        ("order", "0022_line_prescription"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
