from django.contrib import admin

from passnum.ledger.models import Account, LedgerTransaction, Posting


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["code", "name", "purpose", "kind"]
    list_filter = ["purpose"]
    search_fields = ["code", "name"]


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ["pk", "kind", "created_at", "actor", "order", "redemption", "memo"]
    list_filter = ["kind"]
    inlines = [PostingInline]
