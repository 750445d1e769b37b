from django.urls import path

from . import views

# Mounted inside the dashboard (shop/apps/dashboard/apps.py): names are dashboard:<name>.
urlpatterns = [
    path("", views.ship_queue, name="ship-queue"),
    path("order/<str:number>/", views.ship, name="ship-order"),
]
