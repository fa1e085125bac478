"""Shop: products, catalog search, cart, checkout, orders, inventory and payments."""
from flask import Blueprint

bp = Blueprint("shop", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

from . import models  # noqa: E402,F401
from .reasons import system_text  # noqa: E402

bp.add_app_template_filter(system_text, "system_text")  # stock reasons and order notes in the reader's language
from . import views  # noqa: E402,F401
from .ordering import views as ordering_views  # noqa: E402,F401
from . import shipping  # noqa: E402,F401
from .shipping import views as shipping_views  # noqa: E402,F401
from . import cli  # noqa: E402,F401
from .caching import register_page_cache  # noqa: E402

bp.record_once(lambda state: register_page_cache(state.app))
from .ordering import privacy as ordering_privacy  # noqa: E402

bp.record_once(lambda state: ordering_privacy.register(state.app))
from . import documents  # noqa: E402,F401  (registers the bell's text of certificate_expiring)
from .lots import latest_lot  # noqa: E402

bp.add_app_template_global(latest_lot, "latest_lot")  # the product page and the live's pinned product
bp.add_app_template_global(documents.product_documents, "product_documents")
bp.add_app_template_global(documents.KIND_LABELS, "document_kinds")
from .lots import lots_of  # noqa: E402

bp.add_app_template_global(lots_of, "lots_of")
from .views.trace import register_public_routes  # noqa: E402

bp.record_once(lambda state: register_public_routes(state.app))
