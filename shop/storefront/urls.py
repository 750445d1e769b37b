from django.urls import path
from django.views.generic import TemplateView

from . import accounts, views

app_name = "pharmacy"

urlpatterns = [
    path("contact/", TemplateView.as_view(template_name="pharmacy/contact.html"), name="contact"),
    path("basket/buy-other-items-now/", views.buy_other_items_now, name="buy-other-items-now"),
    path("accounts/activate/<str:uidb64>/<str:token>/", accounts.activate, name="activate-account"),
    path("orders/<str:number>/cancel/", views.cancel_my_order, name="cancel-order"),
    path("staff/verify/", views.staff_verify, name="staff-verify"),
    path("policies/", TemplateView.as_view(template_name="pharmacy/policies.html"), name="policies"),
]
