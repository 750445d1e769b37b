"""Links in prescription e-mails use the shop's public address when it is configured."""

from __future__ import annotations

import pytest
from django.contrib.sites.models import Site

from prescriptions.tasks import _site_url

pytestmark = pytest.mark.django_db


def test_links_use_rxshop_site_url_scheme_and_host(settings):
    settings.RXSHOP_SITE_URL = "https://pharmacy.example/"
    Site.objects.update(domain="sites-domain.example")
    assert _site_url("/prescriptions/") == "https://pharmacy.example/prescriptions/"


def test_links_use_the_sites_domain_without_rxshop_site_url(settings):
    settings.RXSHOP_SITE_URL = ""
    settings.PRODUCTION = False
    Site.objects.update(domain="sites-domain.example")
    Site.objects.clear_cache()
    assert _site_url("/prescriptions/") == "http://sites-domain.example/prescriptions/"
