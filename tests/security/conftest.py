"""Security fixtures: the livestream fixtures (a live on air, buyers, real Socket.IO clients) reused."""
from tests.livestream.conftest import buyer, make_live, make_product, seller  # noqa: F401
