from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import mfa, privacy, views
from accounts.forms import EmailAuthenticationForm
from accounts.password_reset import PasswordResetView

# The auth views keep Django's URL names (login, logout, password_reset, ...) so that
# LOGIN_URL and the built-in templates find them.
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Throttled per address and per client, the same answer for all (issue 13 item 7).
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("landing/", views.landing, name="accounts-landing"),
    # The second sign-in factor (issue 8; issue 13 item 9): verify, setup, devices and
    # /accounts/reauthenticate/.
    *mfa.urlpatterns,
    path("logout/everywhere/", views.logout_everywhere, name="logout-everywhere"),
    # The privacy officer's "who looked at my record" report (accounts.privacy).
    path("privacy/", privacy.privacy_index, name="privacy-index"),
    path("privacy/<uuid:patient_uuid>/", privacy.privacy_report, name="privacy-report"),
    path(
        "privacy/<uuid:patient_uuid>/export.csv",
        privacy.privacy_report_csv,
        name="privacy-report-csv",
    ),
]
