"""Distribution pages (SPEC §3.4), in the `distribution` namespace: a sponsor's distributors and
the assignment of its orders' booklets; a distributor's stock, hand-outs and cover letters;
blocking for both; the operator's reissue."""

from django.urls import path

from passnum.www.distribution import blocking, distributor, sponsor

app_name = "distribution"

urlpatterns = [
    path("distribution/distributeurs/", sponsor.distributors, name="distributors"),
    path("distribution/distributeurs/creer/", sponsor.create, name="create_distributor"),
    path("distribution/distributeurs/relier/", sponsor.link, name="link_distributor"),
    path(
        "distribution/distributeurs/<int:distributor_id>/inviter/",
        sponsor.invite,
        name="invite_admin",
    ),
    path("distribution/commandes/", sponsor.orders, name="orders"),
    path("distribution/commandes/<str:reference>/", sponsor.order, name="order"),
    path("distribution/commandes/<str:reference>/attribuer/", sponsor.assign, name="assign"),
    path("distribution/commandes/<str:reference>/reprendre/", sponsor.withdraw, name="withdraw"),
    path("distribution/stock/", distributor.stock, name="stock"),
    path("distribution/remettre/", distributor.handout, name="handout"),
    path("distribution/remettre/un-carnet/", distributor.handout_one, name="handout_one"),
    path("distribution/remettre/plage/", distributor.handout_range, name="handout_range"),
    path("distribution/remettre/fichier/", distributor.handout_csv, name="handout_csv"),
    path("distribution/carnets/<int:number>/lettre/", distributor.letter, name="letter"),
    path("distribution/bloquer/", blocking.block, name="block"),
    path("distribution/remplacer/", blocking.reissue, name="reissue"),
]
