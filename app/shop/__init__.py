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
from . import traceability  # noqa: E402

bp.record_once(lambda state: traceability.init_app(state.app))
