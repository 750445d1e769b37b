from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from infra import i18n
from payments.urls import urlpatterns as payment_urls
from shop import health
from shop.apps.checkout.views import AuthenticationView
from shop.storefront import accounts

stripe_urls = [
    *payment_urls,
    # 3-D Secure during checkout: the page the checkout redirects to, and its answer.
    path("authenticate/", login_required(AuthenticationView.as_view()), name="authenticate"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # The header's language switcher: Django's set_language, and the account's choice remembered.
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("pharmacy/", include("shop.storefront.urls")),
    path("prescriptions/", include("prescriptions.urls")),
    path("stripe/", include((stripe_urls, "payments"))),
    # Oscar's registration, passing the request to authenticate() (django-axes needs it).
    path("accounts/login/", accounts.AccountAuthView.as_view()),
    path("accounts/register/", accounts.AccountRegistrationView.as_view()),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

# The shop's own error pages (shop/storefront/errors.py): what to do next, nothing of the request.
handler400 = "shop.storefront.errors.bad_request"
handler403 = "shop.storefront.errors.permission_denied"
handler404 = "shop.storefront.errors.page_not_found"
handler500 = "shop.storefront.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
