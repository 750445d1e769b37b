"""The index the review queue reads in order: open prescriptions by
(created_at, id). A partial index, so it stays as small as the queue however
many prescriptions have been decided.

It belongs to ``prescriptions.Prescription``, which this app does not own, so
it is created here in SQL (the same statement on PostgreSQL and SQLite) rather
than declared on the model; Django's model state does not track it.
"""
from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS review_rx_queue ON prescriptions_prescription (created_at, id) "
    "WHERE status IN ('submitted', 'in_review', 'info_requested')"
)
DROP = "DROP INDEX IF EXISTS review_rx_queue"


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("prescriptions", "0001_initial"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
