"""Playwright on Debian's Chromium at phone size, against the session's live server; screenshot helper."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import PHONES
from tests.support.skips import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Without the networking flags Chromium keeps dialling Google's hosts, which this closed network refuses;
# --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

PHONE = PHONES["390"]


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser carries the `browser` marker (deselect with -m 'not browser')."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    """Debian's Chromium, headless; Playwright's own browser downloads are never used."""
    if browser_name != "chromium":
        skip_or_fail(f"only Debian's Chromium is supported, not {browser_name}")
    executable = os.environ.get("CHROMIUM_PATH", CHROMIUM)
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        skip_or_fail("Debian chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": executable, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright's base_url is the live server, so page.goto("/login") works."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    """A phone: 390x844 CSS pixels, touch, Vietnamese locale and time zone."""
    return {
        **browser_context_args,
        "base_url": live_server,
        "viewport": PHONE,
        "screen": PHONE,
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
    }


@pytest.fixture
def browser_app(app):
    """The app behind the live server, with CSRF switched on so the browser exercises the real tokens.

    Requesting `app` also empties the shared tables after the test.
    """
    previous = app.config.get("WTF_CSRF_ENABLED")
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = previous


@pytest.fixture(autouse=True)
def page_checks(request):
    """Every page a browser test shows passes axe-core (no serious or critical violation) and fits a 360 px phone.

    Each browser context the test opens (the `page` fixture's and `browser.new_context()`'s) is watched; before it
    closes, every document it showed is visited again at 360×740 with its cookies and checked (see pagecheck.py).
    The problems fail the test at teardown. `page_checks.check(page)` checks a state no URL reaches again.
    """
    if not {"browser", "page", "context"} & set(request.fixturenames):
        yield None
        return
    from .pagecheck import Recorder, problems

    browser = request.getfixturevalue("browser")
    recorder = Recorder(request.getfixturevalue("live_server"))
    recorder.check = lambda page: recorder.found.extend(problems(page))
    original = browser.new_context

    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)
        recorder.watch(context)
        return context

    browser.new_context = new_context
    try:
        yield recorder
    finally:
        del browser.new_context  # the instance attribute; the class's method shows through again
    assert not recorder.found, "pages that fail the axe or the 360 px check:\n" + "\n".join(recorder.found)


@pytest.fixture
def page(browser_app, page):
    """pytest-playwright's page, with shorter waits so a broken page fails fast.

    `browser_app` (and so `app`) comes first, so the context closes, and its pages are checked, before the tables
    are emptied.
    """
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    return page


@pytest.fixture
def shot():
    """shot(page, name): save a viewport-sized screenshot to docs/screenshots/<name>.png."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
        return path

    return take


@pytest.fixture
def vi(browser_app):
    """vi(msgid, **params): the text the Vietnamese UI shows for msgid, read from the compiled catalogue.

    While a string is untranslated this is the English msgid itself, so journeys keep passing; the
    test that the journey's strings are translated says which are missing.
    """
    from flask_babel import force_locale, gettext

    def translate(msgid: str, **params) -> str:
        with browser_app.test_request_context("/"), force_locale("vi"):
            return gettext(msgid, **params)

    return translate


@pytest.fixture
def district(app, db):
    """The demo district (`flask seed-demo`, in this process) and the ids of the pages worth a visit."""
    from sqlalchemy import select

    from app.accounts.demo import seed_accounts
    from app.accounts.models import Organisation, User
    from app.livestream.demo import seed_lives
    from app.livestream.models import LiveSession
    from app.shop.demo import seed_orders, seed_products
    from app.shop.models import Product
    from app.shop.ordering.models import Order
    from app.training.demo import seed_training
    from app.training.models import Cohort, Course

    seed_accounts()
    seed_products()
    seed_orders()
    seed_lives()
    seed_training()
    db.session.commit()
    org = db.session.scalar(select(Organisation).order_by(Organisation.id))
    buyer = db.session.scalar(select(User).where(User.phone.like("%922000001")))
    product = db.session.scalar(select(Product).where(Product.organisation_id == org.id).order_by(Product.id))
    lives = {live.state: live.id for live in db.session.scalars(select(LiveSession))}
    orders = list(db.session.scalars(select(Order).where(Order.organisation_id == org.id).order_by(Order.id)))
    course = db.session.scalar(select(Course).where(Course.status == "published").order_by(Course.id))
    module = course.modules[0]
    cohort = db.session.scalar(select(Cohort).order_by(Cohort.id))
    return {
        "org": org.slug, "product": product.id, "buyer_order": next(o.number for o in orders if o.buyer_id == buyer.id),
        "orders": {o.status: o.number for o in orders}, "lives": lives, "course": course.slug,
        "lesson": module.lessons[0].id,
        "text_lesson": next(lesson.id for m in course.modules for lesson in m.lessons if not lesson.video_key), "quiz": next(q.id for m in course.modules for q in m.quizzes),
        "cohort": cohort.id if cohort else None,
    }
