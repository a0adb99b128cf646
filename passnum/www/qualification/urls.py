"""Pages of the qualification journey (applicant: views.py, place_views.py) and of the review of
files and of places submitted alone (operator, hub: review_views.py). Names are in the
`qualification` namespace."""

from django.urls import path

from passnum.www.qualification import place_views, review_views, views

app_name = "qualification"

urlpatterns = [
    path("devenir-qualifie/", views.start, name="start"),
    path("devenir-qualifie/grille/", views.grid, name="grid"),
    path("devenir-qualifie/compte/", views.signup, name="signup"),
    path("devenir-qualifie/dossier/", views.dashboard, name="file"),
    path("devenir-qualifie/dossier/soumettre/", views.submit, name="submit"),
    path("devenir-qualifie/dossier/commentaire/", views.comment, name="comment"),
    path("devenir-qualifie/dossier/structure/", views.organisation, name="organisation"),
    path("devenir-qualifie/dossier/representant/", views.representative, name="representative"),
    path("devenir-qualifie/dossier/lieux/", place_views.places, name="places"),
    path("devenir-qualifie/dossier/lieux/nouveau/", place_views.place_new, name="place_new"),
    path(
        "devenir-qualifie/dossier/lieux/<int:place_id>/",
        place_views.place_edit,
        name="place_edit",
    ),
    path(
        "devenir-qualifie/dossier/lieux/<int:place_id>/soumettre/",
        place_views.place_submit,
        name="place_submit",
    ),
    path("devenir-qualifie/dossier/offre/", place_views.offers, name="offers"),
    path(
        "devenir-qualifie/dossier/lieux/<int:place_id>/offre/",
        place_views.place_offers,
        name="place_offers",
    ),
    path(
        "devenir-qualifie/dossier/offre/<int:offer_id>/retirer/",
        place_views.offer_remove,
        name="offer_remove",
    ),
    path("devenir-qualifie/dossier/questionnaire/", views.eligibility, name="eligibility"),
    path("devenir-qualifie/dossier/conditions/", views.terms, name="terms"),
    path("devenir-qualifie/dossier/banque/", views.bank, name="bank"),
    path("devenir-qualifie/dossier/justificatifs/", views.documents, name="documents"),
    path("justificatifs/<int:document_id>/", views.download, name="download"),
    path("examen/", review_views.queue, name="review_queue"),
    path("examen/<int:file_id>/", review_views.file_page, name="review_file"),
    path("examen/<int:file_id>/decision/", review_views.decide, name="review_decide"),
    path("examen/<int:file_id>/commentaire/", review_views.comment, name="review_comment"),
    path("examen/<int:file_id>/banque/", review_views.validate_bank, name="review_bank"),
    path("examen/lieux/<int:place_id>/", review_views.place_page, name="review_place"),
    path(
        "examen/lieux/<int:place_id>/decision/",
        review_views.decide_place,
        name="review_place_decide",
    ),
]
