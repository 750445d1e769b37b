from django.urls import path

from . import views

# Mounted under the "payments" namespace by shop/urls.py, which adds the checkout's
# 3-D Secure page (a checkout view) beside it.
app_name = "payments"
urlpatterns = [
    path("webhook/", views.stripe_webhook, name="webhook"),
]
