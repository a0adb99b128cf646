"""Payout pages (issue #9), in the `payouts` namespace: finance staff's runs (`/virements/`) and
a provider's own payments (`/mes-paiements/`)."""

from django.urls import path

from passnum.www.payouts import finance, provider

app_name = "payouts"

urlpatterns = [
    path("virements/", finance.runs, name="runs"),
    path("virements/preparer/", finance.run_start, name="start"),
    path("virements/<int:run_id>/", finance.run_detail, name="run"),
    path("virements/<int:run_id>/executer/", finance.run_execute, name="execute"),
    path("virements/<int:run_id>/sepa.xml", finance.run_sepa, name="sepa"),
    path("virements/<int:run_id>/releves.zip", finance.statements_zip, name="statements_zip"),
    path(
        "virements/<int:run_id>/releves/<int:transfer_id>.<str:fmt>",
        finance.statement,
        name="statement",
    ),
    path(
        "virements/<int:run_id>/virements/<int:transfer_id>/rejeter/",
        finance.transfer_reject,
        name="reject",
    ),
    path("mes-paiements/", provider.mine, name="mine"),
    path("mes-paiements/export/<slug:table>.<str:fmt>", provider.mine_export, name="mine_export"),
    path(
        "mes-paiements/releves/<int:transfer_id>.<str:fmt>",
        provider.my_statement,
        name="my_statement",
    ),
]
