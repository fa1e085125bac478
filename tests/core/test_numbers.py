"""Counts and measures are written the local way (Babel): 1.440 and 0,1 in Vietnamese, 1,440 and 0.1 in English."""
from flask import render_template_string
from flask_babel import force_locale

from app.core.money import format_num


def test_format_num_by_locale():
    assert format_num(1440) == "1.440" and format_num(0.1) == "0,1" and format_num(12.0) == "12"
    assert format_num(1440, "en") == "1,440" and format_num(0.1, "en") == "0.1"
    assert format_num(None) == "" and format_num(2.5, digits=2) == "2,5"
    assert format_num(99.6, digits=0) == "100"


def test_the_num_filter_follows_the_page_language(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ 1440|num }} · {{ 0.1|num }} · {{ none|num }}") == "1.440 · 0,1 · "
        with force_locale("en"):
            assert render_template_string("{{ 1440|num }} · {{ 0.1|num }}") == "1,440 · 0.1"
