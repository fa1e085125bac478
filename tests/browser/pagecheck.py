"""Checks every page a browser test visits must pass: axe-core finds no serious or critical violation, and at a
360×740 phone nothing is wider than the screen (document.documentElement.scrollWidth ≤ 360).

`problems(page)` checks the page as it is now (call it on a state no URL reaches again, e.g. a form with
errors: `assert not problems(page)`); `Recorder` notes every document a browser context shows and, before the
context closes, visits each again at 360×740 in that context (same cookies) and checks it. The conftest wires a
Recorder to every context a test opens, so a test gets these checks without asking.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
NARROW = {"width": 360, "height": 740}
BLOCKING_IMPACTS = ("serious", "critical")
# Not pages: files, JSON and the API docs' own bundle are not what a phone user reads.
SKIPPED_PREFIXES = ("/static/", "/media/", "/api/", "/socket.io/")

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => %s.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))
  }));
}""".replace("%s", str(list(BLOCKING_IMPACTS)))

_WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 0.5 && r.width > 0 && getComputedStyle(el).position !== 'fixed') {
      let inside = false;  // inside a box that scrolls or clips by itself: not the page's width
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { inside = true; break; }
      }
      if (!inside) wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' (' + Math.round(r.right) + ' px)');
    }
  }
  return wide.slice(-4);
}"""


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations of the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE + "\n;0")  # evaluated by the driver, so the page's CSP does not refuse it
    return [f"axe {v['impact']} {v['id']}: {v['help']} — {' | '.join(v['nodes'])}"
            for v in page.evaluate(_RUN_AXE)]


def overflow(page) -> list[str]:
    """The page's width if it is wider than the viewport, with the elements that stick out."""
    width, limit = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width <= limit:
        return []
    return [f"wider than the phone: scrollWidth {width} > {limit}; " + ", ".join(page.evaluate(_WIDEST))]


def problems(page, *, narrow: bool = True) -> list[str]:
    """axe + overflow for the page as it is now; the overflow is measured at 360×740 (then the size is restored)."""
    found = [f"{page.url}: {p}" for p in axe_violations(page)]
    if narrow:
        before = page.viewport_size
        if before != NARROW:
            page.set_viewport_size(NARROW)
        try:
            found += [f"{page.url}: {p}" for p in overflow(page)]
        finally:
            if before and before != NARROW:
                page.set_viewport_size(before)
    return found


def assert_page_ok(page) -> None:
    """Fail with every axe and overflow problem of the page as it is now."""
    found = problems(page)
    assert not found, "\n".join(found)


class Recorder:
    """Notes the documents shown in the contexts it watches; re-checks them at 360×740 when a context closes."""

    def __init__(self, base_url: str):
        self.origin = urlsplit(base_url)[:2]
        self.found: list[str] = []
        self.checked: set[str] = set()

    def watch(self, context) -> None:
        seen: list[str] = []

        def on_page(page):
            page.on("framenavigated", lambda frame: frame is page.main_frame and self._note(seen, frame.url))

        context.on("page", on_page)
        original_close = context.close

        def close(*args, **kwargs):
            try:
                self.check_all(context, seen)
            finally:
                original_close(*args, **kwargs)

        context.close = close

    def _note(self, seen: list[str], url: str) -> None:
        parts = urlsplit(url)
        if parts[:2] != self.origin or parts.path.startswith(SKIPPED_PREFIXES):
            return
        url = url.split("#", 1)[0]
        if url not in seen:
            seen.append(url)

    def check_all(self, context, urls: list[str]) -> None:
        """Each noted page once more, in this context, at 360×740."""
        todo = [u for u in urls if u not in self.checked]
        if not todo:
            return
        page = context.new_page()
        try:
            page.set_viewport_size(NARROW)
            for url in todo:
                self.checked.add(url)
                try:
                    response = page.goto(url, wait_until="load")
                except Exception as exc:  # a download, a closed server: nothing to look at
                    if "Download is starting" not in str(exc):
                        self.found.append(f"{url}: could not load for the page checks: {exc}")
                    continue
                if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                    continue
                self.found += problems(page)
        finally:
            page.close()
