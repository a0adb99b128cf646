"""Skill badges (issue #10), in the `badges` namespace: the place's pages (award, list, revoke)
and the public ones (the badge, its signed credential, its verification, the holder's name)."""

from django.urls import path

from passnum.www.badges import views

app_name = "badges"

urlpatterns = [
    path("badges/attribuer/", views.award_list, name="award_list"),
    path("badges/attribuer/<int:redemption_id>/", views.award, name="award"),
    path("badges/attribues/", views.awarded, name="awarded"),
    path("badges/attribues/<uuid:public_id>/", views.manage, name="manage"),
    path("badges/attribues/<uuid:public_id>/retirer/", views.revoke, name="revoke"),
    path("badges/verifier/", views.verify, name="verify"),
    path("badges/competences/<str:code>/", views.achievement, name="achievement"),
    path("badges/nom/<str:token>/", views.name, name="name"),
    path("badges/<uuid:public_id>.jwt", views.credential_jwt, name="jwt"),
    path("badges/<uuid:public_id>/", views.badge, name="badge"),
]
