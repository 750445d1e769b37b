from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shop.pharmacy import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("pharmacy/", include("shop.pharmacy.urls")),
    path("prescriptions/", include("prescriptions.urls")),
    path("stripe/", include("shop.payments.urls")),
    # Oscar's registration, passing the request to authenticate() (django-axes needs it).
    path("accounts/login/", accounts.AccountAuthView.as_view()),
    path("accounts/register/", accounts.AccountRegistrationView.as_view()),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
