from django.contrib import admin
from django.urls import include, path

from api.api import api as api_v1
from config import health
from dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.root, name="root"),
    # For load balancers: no sign-in, no https redirect (SECURE_REDIRECT_EXEMPT).
    path("healthz", health.healthz, name="healthz"),
    path("accounts/signup/", dashboard_views.signup, name="signup"),
    path(
        "accounts/password_reset/",
        dashboard_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/tokens/", include("api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("dashboard/phone-management/", include("phones.urls")),
    path("", include("smstest.urls")),
    path("", include("sms.urls")),
    path("", include("insights.urls")),
    path("api/v1/", api_v1.urls),
    path("admin/", admin.site.urls),
]
