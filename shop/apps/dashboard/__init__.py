default_app_config = "shop.apps.dashboard.apps.DashboardConfig"
