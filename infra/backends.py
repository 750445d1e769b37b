"""The authentication backends, loading the signed-in user with their staff role
(``infra.staff.StaffAwareBackendMixin``). Settings name these instead of oscar's and Django's."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from oscar.apps.customer.auth_backends import EmailBackend as OscarEmailBackend

from .staff import StaffAwareBackendMixin


class EmailBackend(StaffAwareBackendMixin, OscarEmailBackend):
    pass


class ModelBackend(StaffAwareBackendMixin, DjangoModelBackend):
    pass
