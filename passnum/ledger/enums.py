from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """Normal side of the account. Postings are signed: debit > 0, credit < 0."""

    ASSET = "asset", _("Actif (solde débiteur)")
    LIABILITY = "liability", _("Passif (solde créditeur)")
    REVENUE = "revenue", _("Produit (solde créditeur)")


class AccountPurpose(models.TextChoices):
    BANK = "bank", _("Banque (compte de cantonnement)")
    ESCROW = "escrow", _("Séquestre d'une commande")
    PAYABLE = "payable", _("Dû à un acteur de médiation")
    REFUNDABLE = "refundable", _("Remboursable à un commanditaire")
    FEES = "fees", _("Frais de gestion")
    VAT = "vat", _("TVA collectée")
    FUND = "fund", _("Fonds de coopération territoriale")


PURPOSE_KIND = {
    AccountPurpose.BANK: AccountKind.ASSET,
    AccountPurpose.ESCROW: AccountKind.LIABILITY,
    AccountPurpose.PAYABLE: AccountKind.LIABILITY,
    AccountPurpose.REFUNDABLE: AccountKind.LIABILITY,
    AccountPurpose.FEES: AccountKind.REVENUE,
    AccountPurpose.VAT: AccountKind.LIABILITY,
    AccountPurpose.FUND: AccountKind.LIABILITY,
}


class TransactionKind(models.TextChoices):
    ORDER_PAYMENT = "order_payment", _("Paiement d'une commande")
    REDEMPTION = "redemption", _("Utilisation de pass")
    REDEMPTION_UNDO = "redemption_undo", _("Annulation d'une utilisation")
    EXPIRY = "expiry", _("Expiration de pass non utilisés")
    PAYOUT = "payout", _("Virement à un acteur de médiation")
    PAYOUT_REJECTED = "payout_rejected", _("Rejet d'un virement à un acteur")
