"""PDF documents of an order: its quote, its invoice, its credit notes (WeasyPrint)."""

from passnum.orders.documents.rendering import render_credit_note, render_invoice, render_quote

__all__ = ["render_credit_note", "render_invoice", "render_quote"]
