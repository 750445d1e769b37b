"""Strings of django-oscar's own templates that rxshop translates itself (issue 24).

Oscar's Spanish catalogue is Spain's Spanish, uses "tú" and leaves some strings untranslated;
these entries in shop/locale/es (which Django reads before oscar's) give them in the shop's US
Spanish and its "usted". ``gettext_noop`` and ``pgettext_lazy`` only mark them for ``makemessages``: oscar's templates
translate them. The catalogue's data the pharmacy entered in English and the pages show through
``{% translate %}`` (product types, dosage forms) are listed here too.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

OSCAR_STRINGS = (
    gettext_noop("Your basket is empty."),
    gettext_noop("Your basket is now empty"),
    gettext_noop("\n        Your basket total is now <strong>%(total)s</strong>\n        "),
    gettext_noop(
        "\n        Your order has been placed and a confirmation email has been sent - your order number is\n"
        "        <strong>%(number)s</strong>.\n        "
    ),
    gettext_noop(
        "Please make a note of this reference or print this page and quote it in any communication with us "
        "regarding your order."
    ),
    pgettext_lazy("Buy again", "Re-order"),
    pgettext_lazy("Buy again", "Re-order all items"),
    pgettext_lazy("Buy again", "Re-ordering..."),
)

CATALOGUE_WORDS = (
    # Product types (demo: shop/storefront/demo.py).
    gettext_noop("Prescription medicine"),
    gettext_noop("Over-the-counter"),
    # Dosage forms (shop/storefront/demo_catalogue.py).
    gettext_noop("Capsule"),
    gettext_noop("Tablet"),
    gettext_noop("Lip balm"),
    gettext_noop("Lotion"),
    gettext_noop("Cream"),
    gettext_noop("Cleanser"),
)
