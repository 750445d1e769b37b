from django.contrib.auth.decorators import login_required
from django.urls import path

from shop.apps.checkout.views import AuthenticationView

app_name = "payments"
urlpatterns = [
    # 3-D Secure during checkout: the page the checkout redirects to, and its answer.
    path("authenticate/", login_required(AuthenticationView.as_view()), name="authenticate"),
]
