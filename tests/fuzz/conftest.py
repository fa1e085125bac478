"""Fuzz fixtures: the shop's seller and product helpers reused."""
from tests.shop.conftest import make_product, seller  # noqa: F401
