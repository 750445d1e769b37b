"""The demo shop for tests: ``load_demo()`` run for real once, then replayed.

``shop.storefront.demo.load_demo`` makes some 760 queries (about 0.8 s of CPU) and a third of the
suite asks for the demo (``demo_shop`` in tests/conftest.py, the security ``world``). The first
call in a session runs it for real and records what it changed, table by table: the rows it
added and the columns it changed in rows that were there. A later call on the *same starting
state* writes those rows with one bulk insert per table.

The same starting state: every table's row count and largest id, and the local date, equal to
those seen just before the recorded run. Anything else (a test that made rows of its own first,
another date under time_machine, a database flushed by a transactional test) runs ``load_demo()``
for real, and records that run too. Timestamps written during the recorded run (``date_joined``,
``date_created``...) are moved to the time of the replay, as a real run would stamp them.

What load_demo's signal receivers do outside the database is repeated here (the current Site,
the cached licences); ``tests/test_demo_snapshot.py`` proves a replay leaves the database as
load_demo does, and fails when a new receiver listens to a model the demo writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

# Receivers of the signals the demo's saves send, and what a replay does about each (a replay
# sends no signals). tests/test_demo_snapshot.py fails on one that is not listed here.
REPLAYED_RECEIVERS = {
    "django.contrib.sites.models.clear_site_cache": "Site.objects.clear_cache() after the replay",
    "shop.storefront.selectors.forget_active_licences": "called after the replay",
    "haystack.signals.RealtimeSignalProcessor.handle_save": "the search index of the tests' simple backend "
    "is the database itself (update is a no-op)",
    "shop.apps.customer.alerts.receivers.queue_product_alerts": "alerts only for alerts that exist: none on "
    "the starting state a replay needs",
    "oscar.apps.partner.receivers.update_stock_alerts": "its StockAlert rows are recorded like any other",
    "shop.storefront.analytics.savepointed.<locals>.receiver": "oscar's analytics rows are recorded like any other",
    "prescriptions.richtext.clean_info_section_value": "the cleaned values are what was recorded",
    "prescriptions.richtext.clean_staff_html_fields": "the cleaned descriptions are what was recorded",
    "oscar.apps.catalogue.receivers.post_save_set_ancestors_are_public": "the categories' flags are recorded",
    "oscar.apps.catalogue.receivers.refresh_materialized_view": "refreshed after the replay (PostgreSQL)",
}


def _tables() -> list[type[models.Model]]:
    """The models with a table in the database (a model imported by a test module alone, such
    as oscar's test models, has one only if it was imported before the database was made)."""
    existing = set(connection.introspection.table_names())
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and model._meta.db_table in existing
    ]


def _has_integer_pk(model) -> bool:
    return isinstance(model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)


def starting_state() -> tuple:
    """(local date, ((table, rows, largest id), ...)) in a few statements."""
    quote = connection.ops.quote_name
    parts = []
    for model in _tables():
        table = quote(model._meta.db_table)
        largest = f"MAX({quote(model._meta.pk.column)})" if _has_integer_pk(model) else "NULL"
        parts.append(f"SELECT '{model._meta.db_table}', COUNT(*), {largest} FROM {table}")
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(parts), 100):  # SQLite allows 500 terms in a compound SELECT
            cursor.execute(" UNION ALL ".join(parts[start : start + 100]))
            rows += cursor.fetchall()
    return timezone.localdate(), tuple(sorted(rows))


def _rows(model) -> dict:
    names = [f.attname for f in model._meta.concrete_fields]
    pk_index = names.index(model._meta.pk.attname)
    return {row[pk_index]: row for row in model._base_manager.values_list(*names)}


@dataclass
class Recording:
    started: datetime.datetime
    ended: datetime.datetime
    added: dict = field(default_factory=dict)  # model -> [{attname: value}]
    changed: dict = field(default_factory=dict)  # model -> {pk: {attname: value}}

    def _moved(self, value, shift):
        if isinstance(value, datetime.datetime) and self.started <= value <= self.ended:
            return value + shift
        return value

    def replay(self) -> None:
        shift = timezone.now() - self.started
        with transaction.atomic():
            for model, rows in self.added.items():
                model._base_manager.bulk_create(
                    [model(**{name: self._moved(value, shift) for name, value in row.items()}) for row in rows]
                )
            for model, changes in self.changed.items():
                for pk, values in changes.items():
                    model._base_manager.filter(pk=pk).update(
                        **{name: self._moved(value, shift) for name, value in values.items()}
                    )
            # Ids written as recorded: the sequences follow them (PostgreSQL), as loaddata does.
            with_sequences = [model for model in self.added if _has_integer_pk(model)]
            statements = connection.ops.sequence_reset_sql(no_style(), with_sequences)
            if statements:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
        _after_replay()


def _after_replay() -> None:
    from django.contrib.sites.models import Site
    from oscar.apps.catalogue.receivers import refresh_materialized_view

    from shop.storefront.selectors import forget_active_licences

    Site.objects.clear_cache()
    forget_active_licences()
    refresh_materialized_view(sender=None)  # the category hierarchy view, where oscar keeps one


def record(run) -> Recording:
    """Run ``run()`` and record every row it added or changed (none may be deleted)."""
    tables = _tables()
    before = {model: _rows(model) for model in tables}
    started = timezone.now()
    run()
    recording = Recording(started=started, ended=timezone.now())
    for model in tables:
        old, new = before[model], _rows(model)
        names = [f.attname for f in model._meta.concrete_fields]
        removed = old.keys() - new.keys()
        if removed:
            raise AssertionError(f"load_demo deleted rows of {model._meta.db_table}: a replay cannot do that")
        added = [dict(zip(names, row, strict=True)) for pk, row in sorted(new.items()) if pk not in old]
        if added:
            recording.added[model] = added
        changes = {}
        for pk, row in new.items():
            if pk in old and old[pk] != row:
                changes[pk] = {n: v for n, v, o in zip(names, row, old[pk], strict=True) if v != o}
        if changes:
            recording.changed[model] = changes
    return recording


_RECORDINGS: dict[tuple, Recording] = {}
STATS = {"recorded": 0, "replayed": 0}


def load_demo() -> None:
    """The demo shop, exactly as ``shop.storefront.demo.load_demo`` makes it."""
    from shop.storefront.demo import load_demo as real_load_demo

    state = (connection.vendor, connection.settings_dict["NAME"], starting_state())
    recording = _RECORDINGS.get(state)
    if recording is not None:
        recording.replay()
        STATS["replayed"] += 1
        return
    with transaction.atomic():
        _RECORDINGS[state] = record(real_load_demo)
    STATS["recorded"] += 1
