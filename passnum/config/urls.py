from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from passnum.api.errors import not_found_view
from passnum.api.main import api
from passnum.www import (
    anomalies,
    dashboards,
    feedback,
    jobs,
    members,
    opendata,
    pass_page,
    passwords,
    public,
    territories,
    tokens,
    views,
)

admin.site.site_header = _("passnum — back-office")
admin.site.site_title = "passnum"

urlpatterns = [
    # The API first: every scan resolves its URL, and Django tries the patterns in order.
    path("api/v1/", api.urls),
    path("api/<path:rest>", not_found_view),
    path("", views.home, name="home"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", passwords.PasswordReset.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        passwords.PasswordResetDone.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        passwords.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/modifie/",
        passwords.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("services/", views.services, name="services"),
    path(".well-known/jwks.json", pass_page.jwks, name="jwks"),
    path("p/", pass_page.lookup, name="pass_lookup"),
    path("p/<str:code>", pass_page.pass_page, name="pass_page"),
    path("p/<str:code>/avis", feedback.from_pass, name="feedback_pass"),
    path("p/<str:code>/lieux.geojson", pass_page.pass_places_geojson, name="pass_places_geojson"),
    path("avis/resultats/", feedback.results, name="feedback_results"),
    path("avis/<str:token>", feedback.from_link, name="feedback_link"),
    path("lieux/", public.places, name="public_places"),
    path("lieux/carte.geojson", public.places_map, name="public_places_geojson"),
    path("lieux/<uuid:standard_id>/", public.place, name="public_place"),
    path("", include("passnum.www.qualification.urls")),
    path("", include("passnum.www.sponsor.urls")),
    path("", include("passnum.www.distribution.urls")),
    path("", include("passnum.www.scan.urls")),
    path("", include("passnum.www.payouts.urls")),
    path("", include("passnum.www.badges.urls")),
    path("tableau-de-bord/territoires/", territories.territories, name="territory_dashboard"),
    path(
        "tableau-de-bord/territoires/export/<slug:table>.<str:fmt>",
        territories.territories_export,
        name="territory_dashboard_export",
    ),
    path("donnees-ouvertes/", opendata.opendata_index, name="opendata_index"),
    path("donnees-ouvertes/<str:name>.<str:fmt>", opendata.opendata_file, name="opendata_file"),
    path("tableau-de-bord/", dashboards.dashboard, name="dashboard"),
    path(
        "tableau-de-bord/export/<slug:table>.<str:fmt>",
        dashboards.dashboard_export,
        name="dashboard_export",
    ),
    path(
        "tableau-de-bord/commandes/<str:reference>/",
        dashboards.order_dashboard,
        name="order_dashboard",
    ),
    path(
        "tableau-de-bord/commandes/<str:reference>/export/<slug:table>.<str:fmt>",
        dashboards.order_dashboard_export,
        name="order_dashboard_export",
    ),
    path("anomalies/", anomalies.anomaly_list, name="anomalies"),
    path("anomalies/export.csv", anomalies.anomaly_export, name="anomalies_export"),
    path(
        "anomalies/<slug:kind>/<int:subject_id>/<str:day>/",
        anomalies.anomaly_detail,
        name="anomaly",
    ),
    path("jetons/", tokens.tokens, name="tokens"),
    path("travaux/<int:job_id>/", jobs.job, name="job"),
    path("travaux/<int:job_id>/fichier/", jobs.job_file, name="job_file"),
    path("jetons/<int:token_id>/revoquer/", tokens.revoke, name="revoke_token"),
    path("membres/", members.members, name="members"),
    path("organisation/adresse/", members.address, name="organisation_address"),
    path("membres/<int:membership_id>/role/", members.change_role, name="member_role"),
    path("membres/<int:membership_id>/retirer/", members.remove, name="member_remove"),
    path(
        "membres/invitations/<int:invitation_id>/annuler/",
        members.revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:secret>/", members.invitation, name="invitation"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("backoffice/", admin.site.urls),
]
