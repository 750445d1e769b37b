app_name = "prescriptions"
urlpatterns: list = []
