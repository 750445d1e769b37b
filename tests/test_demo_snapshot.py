"""The tests' demo shop (tests/factories/demo.py) is recorded once and replayed: a replay must
leave the database exactly as ``load_demo()`` does, and any other starting state must get the
real thing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils import timezone
from oscar.checks import use_productcategory_materialised_view

from shop.storefront.demo import DEMO_ACCOUNTS
from shop.storefront.demo import load_demo as real_load_demo
from tests.factories import CustomerFactory
from tests.factories import demo as snapshot

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 3, 9, 14, 30, tzinfo=datetime.UTC)


def _canonical(model, rows, ids):
    """Rows of ``model`` with the ids of rows the load made replaced by their order of making
    (PostgreSQL's sequences give a second run other ids), everything else as stored."""
    fields = model._meta.concrete_fields
    out = []
    for row in rows:
        values = []
        for f, value in zip(fields, row, strict=True):
            if model is get_user_model() and f.name == "password":
                # A fresh salt each time: which demo password the hash is of, then.
                value = [a.email for a in DEMO_ACCOUNTS if check_password(a.password, value)]
                values.append(value)
                continue
            target = model if f.primary_key else (f.related_model if isinstance(f, models.ForeignKey) else None)
            if target is not None and value in ids.get(target._meta.concrete_model, {}):
                value = ("made", ids[target._meta.concrete_model][value])
            values.append(value)
        out.append(tuple(values))
    return sorted(out, key=repr)


def _made_by(load) -> dict:
    """Every table's rows after ``load()`` on the current state, rolled back afterwards (and,
    on PostgreSQL, the size of oscar's category hierarchy view)."""
    with transaction.atomic():
        before = {model: set(snapshot._rows(model)) for model in snapshot._tables()}
        load()
        after = {model: snapshot._rows(model) for model in snapshot._tables()}
        view = None
        if use_productcategory_materialised_view():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM catalogue_product_category_hierarchy")
                view = cursor.fetchone()[0]
        transaction.set_rollback(True)
    ids = {
        model._meta.concrete_model: {pk: n for n, pk in enumerate(sorted(set(rows) - before[model]))}
        for model, rows in after.items()
    }
    made = {model._meta.db_table: _canonical(model, rows.values(), ids) for model, rows in after.items()}
    return {**made, "(category hierarchy view)": view}


def test_a_replay_leaves_the_database_as_load_demo_does():
    with time_machine.travel(MOMENT, tick=False):
        with transaction.atomic():
            snapshot.load_demo()  # recorded (or replayed) for this starting state
            transaction.set_rollback(True)
        replayed = snapshot.STATS["replayed"]
        by_replay = _made_by(snapshot.load_demo)
        assert snapshot.STATS["replayed"] == replayed + 1
        by_load_demo = _made_by(real_load_demo)
    assert by_replay.keys() == by_load_demo.keys()
    differ = [table for table in by_replay if by_replay[table] != by_load_demo[table]]
    assert not differ, f"a replayed demo differs from load_demo's in {differ}"
    assert len(by_replay["catalogue_product"]) >= 10 and len(by_replay["auth_user"]) >= len(DEMO_ACCOUNTS)


def test_timestamps_of_a_replay_are_the_time_of_the_replay():
    with time_machine.travel(MOMENT, tick=False), transaction.atomic():
        snapshot.load_demo()  # recorded at MOMENT, if it was not yet
        transaction.set_rollback(True)
    with transaction.atomic():
        with time_machine.travel(MOMENT + datetime.timedelta(hours=5), tick=False):
            replayed = snapshot.STATS["replayed"]
            snapshot.load_demo()
            assert snapshot.STATS["replayed"] == replayed + 1
            alice = get_user_model().objects.get(email="alice@example.com")
            assert alice.date_joined == MOMENT + datetime.timedelta(hours=5)
        transaction.set_rollback(True)


def test_another_starting_state_gets_a_real_load_demo():
    # Ids and counts no recording saw: an id of its own (another test that made one customer
    # before loading the demo leaves the same counts and, on SQLite, the same largest id).
    CustomerFactory(id=987_654, email="carol@example.com")
    recorded = snapshot.STATS["recorded"]
    snapshot.load_demo()
    assert snapshot.STATS["recorded"] == recorded + 1
    assert get_user_model().objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS]).count() == len(DEMO_ACCOUNTS)


def test_another_date_gets_a_real_load_demo():
    from compliance.models import PharmacyLicence

    with transaction.atomic():
        snapshot.load_demo()  # recorded for today's starting state, if it was not yet
        transaction.set_rollback(True)
    recorded = snapshot.STATS["recorded"]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=400)):
        snapshot.load_demo()
        assert snapshot.STATS["recorded"] == recorded + 1
        # The licences run two years from the day the demo is loaded.
        expires = {licence.expires_on for licence in PharmacyLicence.objects.all()}
        assert expires == {timezone.localdate() + datetime.timedelta(days=730)}


def _name(receiver) -> str:
    owner = getattr(receiver, "__self__", None)
    if owner is not None:
        return f"{type(owner).__module__}.{type(owner).__qualname__}.{receiver.__func__.__name__}"
    return f"{receiver.__module__}.{receiver.__qualname__}"


def test_every_receiver_of_what_the_demo_writes_is_replayed():
    """A replay sends no signals: a receiver added later on a model the demo writes must be
    looked at (and listed in REPLAYED_RECEIVERS with what a replay does about it)."""
    recording = snapshot.record(real_load_demo)
    written = set(recording.added) | set(recording.changed)
    found = set()
    for model in written:
        for signal in (pre_save, post_save, m2m_changed):
            sync, async_ = signal._live_receivers(model)
            found |= {_name(r) for r in [*sync, *async_]}
    unknown = found - set(snapshot.REPLAYED_RECEIVERS)
    assert not unknown, f"receivers a replay of the demo does not repeat: {sorted(unknown)}"
