"""The scanning page (issue #9), in the `scan` namespace."""

from django.urls import path

from passnum.www.scan import offline, views

app_name = "scan"

urlpatterns = [
    path("scanner/", views.places, name="places"),
    path("scanner/sw.js", offline.worker, name="worker"),
    path("scanner/<int:place_id>/hors-ligne/", offline.offline_state, name="offline_state"),
    path("scanner/<int:place_id>/hors-ligne/envoyer/", offline.offline_sync, name="offline_sync"),
    path("hors-ligne/conflits/", offline.conflicts, name="offline_conflicts"),
    path("scanner/<int:place_id>/", views.scan, name="scan"),
    path("scanner/<int:place_id>/verifier/", views.check, name="check"),
    path(
        "scanner/<int:place_id>/paiements/<int:redemption_id>/",
        views.result,
        name="result",
    ),
    path(
        "scanner/<int:place_id>/paiements/<int:redemption_id>/annuler/",
        views.undo,
        name="undo",
    ),
]
