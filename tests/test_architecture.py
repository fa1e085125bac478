"""The house's rules, read from the source with `ast` (nothing is imported or run): which package may import which
(DESIGN.md: dependencies point one way), and the one place that writes the stock counters (invariant 1)."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
# What `app.core` may use besides itself: the extension objects, the domain errors, the settings.
CORE_MAY_IMPORT = {"core", "extensions", "errors", "config"}
STOCK_COLUMNS = {"received", "available", "reserved", "sold"}
STOCK_WRITER = APP / "shop" / "inventory.py"
ALLOTMENT_WRITER = APP / "livestream" / "allotment.py"
# Attributes with a ledger column's name on objects that are not the ledger's rows (the check cannot see types):
# path → why.
NOT_LEDGER_ROWS = {
    ("app/livestream/report.py", "reserved"): "ProductLine.reserved, a live report's sum of held units",
}


def _modules(package: str = "") -> list[Path]:
    return sorted((APP / package).rglob("*.py"))


def _module_name(path: Path) -> list[str]:
    parts = ["app", *path.relative_to(APP).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def features() -> set[str]:
    """Every top-level package or module of app/ that core must not import (the features, the factory's parts)."""
    names = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in APP.glob("*.py") if p.stem != "__init__"}
    return names - CORE_MAY_IMPORT


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(path: Path) -> set[tuple[str, int]]:
    """(absolute dotted name, line) of everything the module imports, at any depth (lazy imports too)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path)[:-1]
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {(alias.name, node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add((name, node.lineno))
            if not node.module:  # `from .. import shop`: each imported name is a module
                found |= {(f"{name}.{alias.name}", node.lineno) for alias in node.names}
    return found


def _violations(package: str, forbidden: set[str]) -> list[str]:
    bad = []
    for path in _modules(package):
        for name, line in sorted(imported(path)):
            parts = name.split(".")
            if parts[0] == "app" and len(parts) > 1 and parts[1] in forbidden:
                bad.append(f"{path.relative_to(APP.parent)}:{line} imports {name}")
    return bad


def test_core_imports_no_feature():
    assert {"shop", "accounts", "livestream", "training", "api"} <= features()
    assert _violations("core", features()) == []


@pytest.mark.parametrize("package,forbidden", [
    ("shop", {"livestream", "training", "api", "notify"}),
    ("livestream", {"training", "api"}),
    ("accounts", {"shop", "livestream", "training", "api"}),
    ("compliance", {"training", "api"}),  # it reads shop, accounts and livestream
])
def test_dependencies_point_one_way(package, forbidden):
    assert _violations(package, forbidden) == []


def test_nothing_but_the_factory_and_the_api_imports_compliance():
    """Shop and live ask `accounts.selling` and send signals; compliance answers from its init_app (DESIGN.md)."""
    allowed = {APP / "__init__.py", *_modules("api"), *_modules("compliance")}
    assert _modules("compliance"), "no app/compliance: the check has gone blind"
    bad = [f"{path.relative_to(APP.parent)}:{line} imports {name}" for path in _modules() if path not in allowed
           for name, line in sorted(imported(path)) if name.split(".")[:2] == ["app", "compliance"]]
    assert bad == []


def test_nothing_but_the_factory_and_the_api_imports_notify():
    """app.notify hears the features through signals; none of them may call it (DESIGN.md: second wave)."""
    allowed = {APP / "__init__.py"} | set(_modules("api")) | set(_modules("notify"))
    bad = [f"{path.relative_to(APP.parent)}:{line} imports {name}" for path in _modules() if path not in allowed
           for name, line in sorted(imported(path)) if name.split(".")[:2] == ["app", "notify"]]
    assert bad == []


def test_the_import_check_sees_relative_lazy_and_package_imports(tmp_path, monkeypatch):
    """The checker itself: a core module importing a feature in each way python allows is caught."""
    core = tmp_path / "app" / "core"
    core.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "shop").mkdir()
    (tmp_path / "app" / "shop" / "__init__.py").write_text("")
    (core / "__init__.py").write_text("")
    (core / "bad.py").write_text("from ..shop.models import Product\n"
                                 "def later():\n    from .. import shop\n    import app.shop.views\n")
    monkeypatch.setitem(globals(), "APP", tmp_path / "app")
    assert {line for line in _violations("core", {"shop"})} == {
        "app/core/bad.py:1 imports app.shop.models", "app/core/bad.py:3 imports app.shop",
        "app/core/bad.py:4 imports app.shop.views"}


# Stock counters and the live allotment --------------------------------------------------------------------------

@dataclass(frozen=True)
class Ledger:
    """Columns only one module may write: set by `update(<model>).values(...)`, assigned, or given to the model's
    constructor (`created` are the columns a constructor may set: a new row's starting value, not a change)."""

    columns: frozenset[str]
    model: str
    table: str
    writer: Path
    created: frozenset[str] = frozenset()


STOCK = Ledger(frozenset(STOCK_COLUMNS), "Variant", "variants", STOCK_WRITER)
# The allotment itself is set when a product is put on the live (its starting value); only allotment.py changes it.
ALLOTMENT = Ledger(frozenset({"allotment_used", "allotment"}), "LiveProduct", "live_products", ALLOTMENT_WRITER,
                   created=frozenset({"allotment"}))


def _mentions_model(node: ast.AST, ledger: Ledger) -> bool:
    """The expression names the model or its table (update(Variant), Variant.__table__, "variants", ...)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id == ledger.model:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr == ledger.model:
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.strip().lower() == ledger.table:
            return True
    return False


def _column_keys(call: ast.Call, columns: frozenset[str]) -> set[str]:
    keys = {kw.arg for kw in call.keywords if kw.arg in columns}
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            for key in arg.keys:
                if isinstance(key, ast.Constant) and key.value in columns:
                    keys.add(key.value)
                elif isinstance(key, ast.Attribute) and key.attr in columns:
                    keys.add(key.attr)
    return keys


def ledger_writes(path: Path, ledger: Ledger) -> list[str]:
    """Statements of the module that write a column of the ledger: an assignment to `<x>.available` (and the other
    columns), `setattr(x, "sold", ...)`, `Variant(..., available=...)`, `update(Variant).values(reserved=...)`
    (keywords or a dict; `values(**changes)` on the model counts too, its keys being invisible here), and SQL
    text that updates or inserts into the table."""
    where = path.relative_to(APP.parent)
    found = []
    for node in ast.walk(_tree(path)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and sub.attr in ledger.columns and isinstance(sub.ctx, ast.Store) \
                        and (str(where), sub.attr) not in NOT_LEDGER_ROWS:
                    found.append(f"{where}:{node.lineno} assigns .{sub.attr}")
        if not isinstance(node, ast.Call):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = " ".join(node.value.lower().split())
                if f"update {ledger.table}" in text or f"into {ledger.table}" in text:
                    found.append(f"{where}:{node.lineno} SQL text writes {ledger.table}")
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value in ledger.columns:
            found.append(f"{where}:{node.lineno} setattr {node.args[1].value}")
        if isinstance(func, ast.Name) and func.id == ledger.model:
            keys = _column_keys(node, ledger.columns - ledger.created)
            if keys:
                found.append(f"{where}:{node.lineno} {ledger.model}({', '.join(sorted(keys))}=...)")
        if isinstance(func, ast.Attribute) and func.attr == "values" and _mentions_model(func.value, ledger):
            keys = _column_keys(node, ledger.columns)
            if keys:
                found.append(f"{where}:{node.lineno} writes {', '.join(sorted(keys))} of {ledger.table}")
            elif any(kw.arg is None for kw in node.keywords):  # values(**changes): the keys are not visible here
                found.append(f"{where}:{node.lineno} writes {ledger.table} from a mapping")
    return found


def stock_writes(path: Path) -> list[str]:
    return ledger_writes(path, STOCK)


@pytest.mark.parametrize("ledger", [STOCK, ALLOTMENT], ids=["stock", "allotment"])
def test_only_the_ledger_module_writes_its_columns(ledger):
    assert ledger_writes(ledger.writer, ledger), f"the checker finds nothing in {ledger.writer.name}: it has gone blind"
    elsewhere = [hit for path in _modules() if path != ledger.writer for hit in ledger_writes(path, ledger)]
    assert elsewhere == []


def test_the_stock_check_sees_each_way_of_writing(tmp_path, monkeypatch):
    sample = tmp_path / "app" / "sneaky.py"
    sample.parent.mkdir()
    sample.write_text(
        "from sqlalchemy import text, update\n"
        "def a(v):\n    v.available -= 1\n"
        "def b(v):\n    v.sold, v.reserved = 1, 0\n"
        "def c(v):\n    setattr(v, 'received', 3)\n"
        "def d(db, vid):\n    db.session.execute(update(Variant).where(Variant.id == vid).values(reserved=0))\n"
        "def e(db):\n    db.session.execute(update(Variant).values({Variant.sold: 0}))\n"
        "def f(db):\n    db.session.execute(text('UPDATE  variants SET available = 0'))\n"
        "def g():\n    return Variant(label='x', available=9)\n"
        "def h(db, changes):\n    db.session.execute(update(Variant).values(**changes))\n"
        "def fine(db, lp):\n    lp.allotment_used = 1\n    db.session.execute(update(Other).values(**{}))\n"
        "    return lp.available\n")
    monkeypatch.setitem(globals(), "APP", tmp_path / "app")
    hits = stock_writes(sample)
    assert {int(hit.split(":")[1].split()[0]) for hit in hits} == {3, 5, 7, 9, 11, 13, 15, 17}, hits


def test_the_allotment_check_sees_each_way_of_writing(tmp_path, monkeypatch):
    sample = tmp_path / "app" / "livestream" / "sneaky.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "from sqlalchemy import text, update\n"
        "def a(lp):\n    lp.allotment_used += 1\n"
        "def b(db, q):\n    db.session.execute(update(LiveProduct).values(allotment_used=LiveProduct.allotment_used - q))\n"
        "def c(db):\n    db.session.execute(update(LiveProduct).values({LiveProduct.allotment: 0}))\n"
        "def d(db):\n    db.session.execute(text('update live_products set allotment_used = 0'))\n"
        "def e():\n    return LiveProduct(live_code='A1', allotment_used=2)\n"
        "def f(lp):\n    setattr(lp, 'allotment', 5)\n"
        "def fine(lp):\n    x = LiveProduct(live_code='A1', allotment=5)\n    return lp.allotment - lp.allotment_used\n")
    monkeypatch.setitem(globals(), "APP", tmp_path / "app")
    hits = ledger_writes(sample, ALLOTMENT)
    assert {int(hit.split(":")[1].split()[0]) for hit in hits} == {3, 5, 7, 9, 11, 13}, hits
