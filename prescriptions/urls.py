from django.urls import path

from . import autorefill_views, refill_views, views

app_name = "prescriptions"

urlpatterns = [
    path("", views.prescription_list, name="list"),
    path("upload/product/<int:product_pk>/", views.upload_for_product, name="upload-for-product"),
    path("upload/basket-line/<int:line_pk>/", views.upload_for_line, name="upload-for-line"),
    path("attach/basket-line/<int:line_pk>/", views.attach_to_line, name="attach-to-line"),
    path("files/<uuid:public_id>/", views.prescription_file, name="file"),
    path("health/", views.health_profiles, name="health"),
    path("health/<uuid:public_id>/", views.health_profile, name="health-profile"),
    path("<uuid:public_id>/", views.prescription_detail, name="detail"),
    path("<uuid:public_id>/answer/", views.answer_information_request, name="answer"),
    path("<uuid:public_id>/refill/", refill_views.refill, name="refill"),
    path("<uuid:public_id>/ask-prescriber/", refill_views.ask_prescriber, name="ask-prescriber"),
    path("<uuid:public_id>/auto-refill/", autorefill_views.auto_refill, name="auto-refill"),
    path("auto-refill/<uuid:public_id>/stop/", autorefill_views.stop_auto_refill, name="auto-refill-stop"),
    path("<uuid:public_id>/reminders/", refill_views.reminders_for_prescription, name="reminders"),
    path("reminders/", refill_views.reminders_for_account, name="reminders-account"),
    path("reminders/opt-out/<str:token>/", refill_views.reminders_opt_out, name="reminders-opt-out"),
    path("transfer/", refill_views.transfer_in, name="transfer-in"),
]
