"""Buyer and seller order pages (thin): cart, checkout, order pages, seller order management."""
