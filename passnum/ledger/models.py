from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.ledger.enums import AccountKind, AccountPurpose, TransactionKind


class Account(models.Model):
    """A ledger account. Its balance is the sum of its postings: never stored."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    purpose = models.CharField(_("rôle"), max_length=12, choices=AccountPurpose.choices)
    kind = models.CharField(_("nature"), max_length=10, choices=AccountKind.choices)
    name = models.CharField(_("libellé"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("organisation"),
    )
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escrow_account",
        verbose_name=_("commande"),
    )
    departement = models.CharField(_("département"), max_length=3, blank=True)

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class LedgerTransaction(models.Model):
    """A balanced group of postings, written in the same database transaction as its cause."""

    kind = models.CharField(_("nature"), max_length=20, choices=TransactionKind.choices)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fait par"),
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commande"),
    )
    redemption = models.ForeignKey(
        "redemptions.Redemption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
        verbose_name=_("utilisation"),
    )
    memo = models.CharField(_("libellé"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class Posting(models.Model):
    """One line of a transaction: signed cents, debit positive, credit negative. Append-only."""

    transaction = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="postings",
        verbose_name=_("écriture"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", verbose_name=_("compte")
    )
    amount_cents = models.BigIntegerField(_("montant (centimes, débit > 0)"))

    class Meta:
        verbose_name = _("ligne d'écriture")
        verbose_name_plural = _("lignes d'écriture")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_cents=0),
                name="posting_amount_not_zero",
                violation_error_message=_("Une ligne d'écriture ne peut pas être nulle."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount_cents}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Postings are append-only")
        super().save(*args, **kwargs)
