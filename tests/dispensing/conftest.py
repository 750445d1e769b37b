"""The demo pharmacist and technician, as the review workspace tests use them."""
from tests.review.conftest import pharmacist, technician  # noqa: F401  (fixtures)
