from django.conf import settings


def pharmacy(request):
    """The pharmacy's legitimacy details, shown in every page's footer."""
    from .selectors import active_licences

    return {
        "pharmacy": settings.RXSHOP_PHARMACY,
        "pharmacy_licences": active_licences,
    }
