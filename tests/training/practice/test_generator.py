"""The simulated buyers' script: reproducible, varied, and every expectation agrees with the live parser."""
from __future__ import annotations

import unicodedata

import pytest

from app.livestream.parser import parse_comment
from app.training.practice.generator import PACE_SETTINGS, ProductSpec, expected_lines, generate_script

PRODUCTS = [ProductSpec("A12", "Bưởi Diễn", (), 10), ProductSpec("G2", "Gạo nếp cái hoa vàng", ("1kg", "2kg"), 8),
            ProductSpec("R5", "Rổ tre đan", ("Nhỏ", "Lớn"), 5)]
CATALOG = {p.code: list(p.variants) for p in PRODUCTS}


def test_same_seed_same_script_other_seed_other_script():
    a = generate_script(PRODUCTS, "busy", 42)
    b = generate_script(PRODUCTS, "busy", 42)
    c = generate_script(PRODUCTS, "busy", 43)
    assert [(x.text, x.at_ms, x.buyer) for x in a] == [(x.text, x.at_ms, x.buyer) for x in b]
    assert [x.text for x in a] != [x.text for x in c]


def test_comments_come_from_the_trainees_products():
    script = generate_script([ProductSpec("XY7", "Khoai lang Hoài Đức", (), 9)], "flash", 7)
    orders = [c for c in script if c.intent == "order"]
    assert orders and all(c.expected["code"] == "XY7" for c in orders)
    assert any("xy7" in c.text.lower() for c in orders)
    assert not any("A12" in c.text for c in script)


@pytest.mark.parametrize("pace", list(PACE_SETTINGS))
def test_pace_sets_the_number_and_speed_of_comments(pace):
    script = generate_script(PRODUCTS, pace, 1)
    assert len(script) >= PACE_SETTINGS[pace]["count"]
    assert [c.at_ms for c in script] == sorted(c.at_ms for c in script)
    assert [c.seq for c in script] == list(range(1, len(script) + 1))


def test_faster_pace_means_shorter_gaps():
    def mean_gap(pace):
        s = generate_script(PRODUCTS, pace, 5)
        return (s[-1].at_ms - s[0].at_ms) / (len(s) - 1)
    assert mean_gap("flash") < mean_gap("busy") < mean_gap("calm")


def test_script_covers_every_kind_of_comment_and_every_way_of_typing():
    texts, intents = [], set()
    for seed in range(30):
        for c in generate_script(PRODUCTS, "busy", seed):
            texts.append(c.text)
            intents.add(c.intent)
    assert intents == {"order", "cancel", "soft_cancel", "question", "race_loser", "chat"}
    assert any(t.isascii() and "chot" in t for t in texts), "orders typed without accents"
    assert any(unicodedata.normalize("NFC", t) != t for t in texts), "NFD (decomposed) text"
    assert any(w in t.split() for t in texts for w in ("chôt", "lây", "sop", "ko", "nhaa", "chốtt")), "typos"
    assert any("sl" in t.lower() for t in texts) and any(" x" in t for t in texts) and any("cái" in t for t in texts)
    assert any("Đan Phượng" in t or "dan phuong" in t for t in texts)


@pytest.mark.parametrize("pace", list(PACE_SETTINGS))
def test_what_the_generator_expects_is_what_the_parser_reads(pace):
    """Orders parse to exactly the expected item, cancels to the expected code, questions to a question, and
    chit-chat and soft cancels (which the trainee must handle) to nothing at all."""
    for seed in range(60):
        for c in generate_script(PRODUCTS, pace, seed):
            parsed = parse_comment(c.text, CATALOG)
            if c.intent in ("order", "race_loser"):
                e = c.expected
                assert [(i.code, i.quantity, i.variant) for i in parsed.items] == [(e["code"], e["quantity"],
                                                                                    e["variant"])], c.text
            elif c.intent == "cancel":
                assert parsed.cancels == [c.expected["code"]] and not parsed.items, c.text
            elif c.intent == "question":
                assert parsed.is_question and not parsed.items and not parsed.cancels, c.text
            else:
                assert not (parsed.items or parsed.cancels or parsed.cancel_all or parsed.is_question), c.text


@pytest.mark.parametrize("pace", list(PACE_SETTINGS))
def test_orders_never_exceed_stock_except_the_race_for_the_last_unit(pace):
    for seed in range(40):
        script = generate_script(PRODUCTS, pace, seed)
        stock = {p.code: p.stock for p in PRODUCTS}
        held: dict = {}
        for c in script:
            if c.intent == "order":
                stock[c.expected["code"]] -= c.expected["quantity"]
                held.setdefault((c.buyer, c.expected["code"]), 0)
                held[c.buyer, c.expected["code"]] += c.expected["quantity"]
                assert stock[c.expected["code"]] >= 0
            elif c.intent == "cancel":
                stock[c.expected["code"]] += held.pop((c.buyer, c.expected["code"]), 0)
            elif c.intent == "race_loser":
                assert stock[c.expected["code"]] == 0, "the loser asks for a unit that is gone"
        races = [c for c in script if c.intent == "race_loser"]
        assert 1 <= len(races) <= PACE_SETTINGS[pace]["races"]
        for loser in races:
            winner = script[loser.seq - 2]
            assert winner.expected.get("race") and winner.buyer != loser.buyer
            assert loser.at_ms - winner.at_ms < 1000


def test_expected_lines_replays_orders_and_cancels():
    comments = [(1, "order", {"code": "A12", "variant": None, "quantity": 2}),
                (2, "order", {"code": "A12", "variant": None, "quantity": 1}),
                (1, "order", {"code": "G2", "variant": "1kg", "quantity": 1}),
                (1, "cancel", {"code": "A12"}),
                (2, "order", {"code": "G2", "variant": "2kg", "quantity": 3}),
                (2, "soft_cancel", {}),
                (3, "question", {"code": "A12"}),
                (3, "race_loser", {"code": "A12", "variant": None, "quantity": 1})]
    assert expected_lines(comments) == {(1, "G2", "1kg"): 1}


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        generate_script(PRODUCTS, "turbo", 1)
    with pytest.raises(ValueError):
        generate_script([], "busy", 1)


CODES = ["X1", "SL2", "A1", "BD01", "C3", "K9", "XX12", "M1", "HOA1", "T10", "BO1", "HUY1", "GIA1", "DON1", "X12"]
NAMES = ["Bưởi Diễn", "Gạo ST25", "Chè Thái", "Mật ong", "Rổ tre", "Khoai lang", "Nhãn lồng", "Trứng gà"]
OPTIONS = [(), ("1kg", "2kg"), ("S", "M", "L"), ("Nhỏ", "Lớn"), ("Đỏ", "Xanh"), ("500g",)]


@pytest.mark.parametrize("seed", range(8))
def test_any_catalog_even_codes_that_look_like_quantities(seed):
    """Codes such as X1 or SL2 read like "x1"/"sl2" quantities; the generator then writes quantities in other
    ways, so what it expects is still exactly what the parser reads."""
    import random

    rng = random.Random(seed)
    for trial in range(25):
        codes = rng.sample(CODES, rng.randint(1, 4))
        if trial == 0 and "X1" not in codes:
            codes[0] = "X1"
        products = [ProductSpec(c, rng.choice(NAMES), rng.choice(OPTIONS), rng.randint(1, 12)) for c in codes]
        catalog = {p.code: list(p.variants) for p in products}
        for pace in PACE_SETTINGS:
            for c in generate_script(products, pace, seed * 100 + trial):
                parsed = parse_comment(c.text, catalog)
                if c.intent in ("order", "race_loser"):
                    e = c.expected
                    assert [(i.code, i.quantity, i.variant) for i in parsed.items] == [
                        (e["code"], e["quantity"], e["variant"])], (codes, c.text)
                elif c.intent == "cancel":
                    assert parsed.cancels == [c.expected["code"]] and not parsed.items, (codes, c.text)
                elif c.intent == "question":
                    assert parsed.is_question and not parsed.items, (codes, c.text)
                else:
                    assert not (parsed.items or parsed.cancels or parsed.cancel_all or parsed.is_question), c.text
