"""The shop blueprint's pages (thin): the buyer's catalog, product pages and storefronts (catalog), the seller's
products, photos, variants and stock (manage), the seller's dashboard and delivery fee (seller)."""
from . import catalog, manage, seller, trace  # noqa: F401  (each registers its routes on the blueprint)
