from django.utils.functional import SimpleLazyObject


def pharmacy(request):
    """The pharmacy's legitimacy details, shown in every page's footer: its profile
    (``manage.py setup_pharmacy``), or the settings' demo details where it has none.
    Lazy, so a page that shows none of them pays nothing."""
    from prescriptions.pharmacy import pharmacy_details

    from .selectors import active_licences

    return {
        "pharmacy": SimpleLazyObject(pharmacy_details),
        "pharmacy_licences": active_licences,
    }
