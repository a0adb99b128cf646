"""Pages of the ordering journey (sponsors; operator staff see every order) and of the payments
awaited (operator staff). Names are in the `orders` namespace."""

from django.urls import path

from passnum.www.sponsor import payments, views

app_name = "orders"

urlpatterns = [
    path("commandes/", views.orders, name="list"),
    path("commandes/nouvelle/", views.order_new, name="new"),
    path("commandes/territoires.json", views.areas, name="areas"),
    path("commandes/lieux-eligibles.json", views.places_count, name="places_count"),
    path("commandes/<int:order_id>/", views.order_detail, name="detail"),
    path("commandes/<int:order_id>/modifier/", views.order_edit, name="edit"),
    path("commandes/<int:order_id>/supprimer/", views.order_delete, name="delete"),
    path("commandes/<int:order_id>/accepter/", views.order_accept, name="accept"),
    path("commandes/<int:order_id>/confirmer-fin/", views.order_confirm_end, name="confirm_end"),
    path("commandes/<int:order_id>/devis.pdf", views.order_quote, name="quote"),
    path(
        "commandes/<int:order_id>/documents/<int:invoice_id>.pdf",
        views.order_document,
        name="document",
    ),
    path("commandes/<int:order_id>/logo/", views.order_logo, name="logo"),
    path(
        "commandes/<int:order_id>/impression/textes/",
        views.order_print_content,
        name="print_content",
    ),
    path("commandes/<int:order_id>/epreuve/", views.order_proof, name="proof"),
    path(
        "commandes/<int:order_id>/epreuve/approuver/",
        views.order_proof_approve,
        name="proof_approve",
    ),
    path("commandes/<int:order_id>/impression/", views.order_print, name="print"),
    path("commandes/<int:order_id>/paiements/", payments.payment_record, name="payment_record"),
    path("paiements/", payments.payments, name="payments"),
]
