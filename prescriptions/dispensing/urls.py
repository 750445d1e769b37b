from django.urls import path

from . import views

# Mounted inside the dashboard (shop/apps/dashboard/apps.py): names are dashboard:<name>.
urlpatterns = [
    path("", views.dispense_queue, name="dispense-queue"),
    path("order/<str:number>/", views.dispense, name="dispense-order"),
    path("order/<str:number>/refund/", views.refund, name="dispense-refund"),
    path("rma/<int:pk>/reversed/", views.mark_reversed, name="dispense-rma-reversed"),
    # Fill accuracy (issue 23): scan at fill, labels, recalls.
    path("fill/", views.fill_queue, name="dispense-fill-queue"),
    path("order/<str:number>/fill/", views.fill_order, name="dispense-fill"),
    path("dispensed/<int:pk>/label/", views.label, name="dispense-label"),
    path("recall/", views.recall, name="dispense-recall"),
    path("recall.csv", views.recall_csv, name="dispense-recall-csv"),
]
