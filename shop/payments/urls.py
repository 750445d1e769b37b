from django.contrib.auth.decorators import login_required
from django.urls import path

from shop.apps.checkout.views import AuthenticationView

from . import views

app_name = "payments"
urlpatterns = [
    path("webhook/", views.stripe_webhook, name="webhook"),
    # 3-D Secure during checkout: the page the checkout redirects to, and its answer.
    path("authenticate/", login_required(AuthenticationView.as_view()), name="authenticate"),
]
