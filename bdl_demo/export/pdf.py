"""The deck as a PDF: Debian's headless chromium prints reveal.js's print view (`?print-pdf`).

Chromium is driven by Playwright, and the page is printed once reveal.js has laid out one page
per slide and KaTeX has typeset every equation, instead of after a guessed delay. Every request
that would leave the machine is refused.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from bdl_demo.errors import UserError
from bdl_demo.files import atomic_write

TIMEOUT_MS = 60_000  # for loading and laying out the print view; the deck prints in a few seconds
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

# Resolves when reveal.js has built its print pages and no raw TeX is left, or after 20 s.
PRINT_VIEW_SETTLED = r"""(async () => {
  const laidOut = () => !!document.querySelector('.reveal .pdf-page')
    && !document.querySelector('.loading-scroll-mode');
  const rawTex = () => {
    const walker = document.createTreeWalker(document.querySelector('.reveal .slides'), NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
      if (/\\[([]/.test(node.data) && !node.parentElement.closest('.katex, .katex-error, pre, code')) return true;
    }
    return false;
  };
  const deadline = Date.now() + 20000;
  while ((!laidOut() || rawTex()) && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  await document.fonts.ready;
  return {slides: Reveal.getTotalSlides()  // and the appendix's, which reveal.js does not count
            + document.querySelectorAll('.reveal .slides section[data-visibility="uncounted"]:not(:has(section))').length,
          laidOut: laidOut(), typeset: !rawTex(),
          brokenImages: [...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src)};
})()"""

# reveal.js lays inline notes over the bottom of the slide; grow every page so they sit below it.
NOTES_UNDER_SLIDES = r"""(() => {
  const notes = [...document.querySelectorAll('.reveal .speaker-notes-pdf')];
  if (!notes.length) return 0;
  const band = Math.max(...notes.map(n => n.offsetHeight)) + 16;
  const width = parseFloat(document.body.style.width);
  const height = parseFloat(document.body.style.height) + band;
  const style = document.createElement('style');
  style.textContent = `@page { size: ${width}px ${height}px; margin: 0; }
    html.reveal-print .reveal .pdf-page { height: ${height + Reveal.getConfig().pdfPageHeightOffset}px !important; }`;
  document.head.appendChild(style);
  return band;
})()"""


class PdfError(UserError):
    """The PDF cannot be made; the one-line message says what to do."""


def export_pdf(deck_dir: Path, out: Path, *, notes: bool = False) -> int:
    """Print deck_dir/index.html through reveal.js's print mode into `out`; return the page count."""
    index = Path(deck_dir) / "index.html"
    if not index.is_file():
        raise PdfError(f"{index} is missing: build the deck before printing it")
    url = index.resolve().as_uri() + ("?print-pdf&showNotes=true" if notes else "?print-pdf")
    chromium = find_chromium()
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise PdfError("--pdf needs Playwright: pip install -e '.[pdf]'") from None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())
            page.goto(url)
            state = page.evaluate(PRINT_VIEW_SETTLED)
            _check(state, url)
            if notes:
                page.evaluate(NOTES_UNDER_SLIDES)
            pdf = page.pdf(print_background=True, prefer_css_page_size=True)
            browser.close()
    except Error as error:
        raise PdfError(f"chromium could not print {url}: {str(error).splitlines()[0]}") from None
    pages = page_count(pdf)
    if pages != state["slides"]:
        raise PdfError(f"the PDF has {pages} pages for {state['slides']} slides: a slide is taller than "
                       f"its page; open {url} in a browser to find it")
    atomic_write(Path(out), pdf)
    return pages


def find_chromium() -> str:
    """Debian's chromium binary, from PATH or its usual place."""
    for found in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if found and os.access(found, os.X_OK):
            return found
    raise PdfError("chromium not found: apt-get install -y chromium")


def page_count(pdf: bytes) -> int:
    """Pages in a PDF as chromium writes it (page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def _check(state: dict, url: str) -> None:
    """Stop before printing a page that is not what the screen shows."""
    if not state["laidOut"]:
        raise PdfError(f"reveal.js did not lay out its print view within 20 s: open {url} in a browser")
    if not state["typeset"]:
        raise PdfError(f"equations are still raw TeX after 20 s: KaTeX did not load; open {url} in a browser")
    if state["brokenImages"]:
        raise PdfError(f"figure did not load: {state['brokenImages'][0]}")
