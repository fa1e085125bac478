"""Seller pages for products, photos, variants and stock."""
