from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from passnum.core.admin import ReadOnlyAdmin, ReadOnlyInline, euros
from passnum.core.money import format_euros
from passnum.ledger.models import Account, LedgerTransaction, Posting
from passnum.ledger.selectors import balance_of


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "purpose", "kind"]
    list_filter = ["purpose"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "purpose", "kind", "organisation", "order", "departement", "balance"]
    readonly_fields = ["balance"]

    @admin.display(description=_("solde (débit > 0)"))
    def balance(self, obj: Account) -> str:
        return format_euros(balance_of(obj))


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ["account", "amount"]
    readonly_fields = ["amount"]
    amount = euros("amount_cents", _("montant (débit > 0)"))


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "created_at", "actor", "order", "redemption", "memo"]
    list_filter = ["kind"]
    list_select_related = ["actor", "order", "redemption"]
    inlines = [PostingInline]
