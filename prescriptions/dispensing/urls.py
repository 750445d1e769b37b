from django.urls import path

from . import views

# Mounted inside the dashboard (shop/apps/dashboard/apps.py): names are dashboard:<name>.
urlpatterns = [
    path("", views.dispense_queue, name="dispense-queue"),
    path("order/<str:number>/", views.dispense, name="dispense-order"),
    path("order/<str:number>/refund/", views.refund, name="dispense-refund"),
    path("rma/<int:pk>/reversed/", views.mark_reversed, name="dispense-rma-reversed"),
]
