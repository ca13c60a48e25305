"""The deck as one HTML file to hand over: every stylesheet, script, font and figure inlined.

Stylesheets become <style> with their fonts and images as data: URIs, scripts become inline
<script>, figures become data: URIs on their <img>. reveal.js's math plugin would fetch KaTeX by
URL at run time, so it is replaced by KaTeX itself, inlined, and a few lines of plugin that
typeset the slides the same way. The speaker view needs nothing more: reveal.js's notes plugin
carries its page inside notes.js and opens the deck file itself in its preview frames.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import quote

from bdl_demo.deck.assets import media_type
from bdl_demo.files import atomic_write
from bdl_demo.errors import UserError

MATH_PLUGIN = "lib/reveal.js/dist/plugin/math.js"
# What that plugin loads from the deck's `katex.local` folder (lib/katex), in its order.
KATEX_CSS = "lib/katex/dist/katex.min.css"
KATEX_SCRIPTS = ("lib/katex/dist/katex.min.js", "lib/katex/dist/contrib/auto-render.min.js")

# RevealMath.KaTeX without the loading: the same options, typesetting the slides once KaTeX is here.
INLINE_MATH_PLUGIN = """window.RevealMath = { KaTeX: () => ({
  id: 'katex',
  init(deck) {
    const { local, version, extensions, ...options } = deck.getConfig().katex || {};
    const typeset = () => {
      renderMathInElement(deck.getSlidesElement(),
                          { ignoredTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code'], ...options });
      deck.layout();
    };
    deck.isReady() ? typeset() : deck.on('ready', typeset);
  },
}) };"""

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
IMAGE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')
CSS_URL = re.compile(r"""url\((['"]?)([^'")]+)\1\)""")
# One entry of a @font-face src list, with the comma before it.
FONT_SOURCE = re.compile(r"""(,?)\s*url\((['"]?)([^'")]+)\2\)\s*format\((['"]?)[^'")]+\4\)""")
READING_VIEW_LINK = re.compile(r'<p class="reading-view">.*?</p>\n?', re.DOTALL)
# Kept as they are in an SVG data: URI: all but quotes, `#` (a fragment), `%` and `&` (an escape
# in a URL or in HTML) and line breaks (which a URL drops).
SVG_SAFE = " !$'()*+,-./:;<=>?@[\\]^_`{|}~"
LOCAL_REFERENCE = re.compile(r"""\b(?:src|href)="(?!data:|#|https?:|mailto:)([^"]+)\"""")


class StandaloneError(UserError):
    """The one-file deck cannot be written; the one-line message names the missing piece."""


def write_standalone(deck_dir: Path, out: Path) -> int:
    """Write deck_dir/index.html as one self-contained file at `out`; return its size in bytes."""
    deck_dir = Path(deck_dir)
    html = READING_VIEW_LINK.sub("", _read(deck_dir, "index.html"))  # one file: no page beside it
    handled = {m.group(1) for pattern in (STYLESHEET, SCRIPT) for m in pattern.finditer(html)}
    handled |= {m.group(2) for m in IMAGE_SRC.finditer(html)}
    for reference in LOCAL_REFERENCE.findall(html):
        if reference not in handled:
            raise StandaloneError(f"{deck_dir / 'index.html'} refers to {reference}, which cannot be inlined")
    # Scripts last: their code is copied as it is, never searched for tags.
    html = IMAGE_SRC.sub(lambda m: m.group(1) + _image_uri(deck_dir / m.group(2)) + m.group(3), html)
    html = STYLESHEET.sub(lambda m: _style(deck_dir, m.group(1)), html)
    html = SCRIPT.sub(lambda m: _scripts(deck_dir, m.group(1)), html)
    data = html.encode()
    atomic_write(Path(out), data)
    return len(data)


def _style(deck_dir: Path, href: str) -> str:
    """A <style> with the stylesheet's contents, its url()s as data: URIs."""
    return f"<style>\n{inline_css(_read(deck_dir, href), (deck_dir / href).parent)}\n</style>"


def _scripts(deck_dir: Path, src: str) -> str:
    """An inline <script> for one script tag; for the math plugin, KaTeX and its inline stand-in."""
    if src != MATH_PLUGIN:
        return _inline_script(_read(deck_dir, src))
    scripts = [_read(deck_dir, path) for path in KATEX_SCRIPTS] + [INLINE_MATH_PLUGIN]
    return _style(deck_dir, KATEX_CSS) + "\n" + "\n".join(map(_inline_script, scripts))


def inline_css(css: str, folder: Path) -> str:
    """CSS whose relative url()s are data: URIs; font sources whose file is absent are dropped."""
    def font_source(match: re.Match) -> str:
        url = match.group(3)
        return match.group(0) if url.startswith("data:") or (folder / url).is_file() else ""

    # KaTeX lists woff2, woff and ttf for each font; the deck ships woff2 only, which every browser takes.
    css = FONT_SOURCE.sub(font_source, css)
    css = re.sub(r"src:\s*,", "src:", css)
    return CSS_URL.sub(lambda m: m.group(0) if m.group(2).startswith("data:")
                       else f"url({_data_uri(folder / m.group(2))})", css)


def _inline_script(code: str) -> str:
    """A script element for `code`, which cannot end it early: `</script` and `<!--` are escaped."""
    return "<script>\n" + code.replace("</script", "<\\/script").replace("<!--", "<\\!--") + "\n</script>"


def _image_uri(path: Path) -> str:
    """A figure as a data: URI for an <img>: SVG stays text, escaped only where a URL or a quoted
    HTML attribute needs it (a quarter the growth of base64); other images go as base64."""
    if path.suffix != ".svg" or not path.is_file():
        return _data_uri(path)
    return "data:image/svg+xml," + quote(path.read_text(encoding="utf-8"), safe=SVG_SAFE)


def _data_uri(path: Path) -> str:
    """The file as a base64 data: URI."""
    if not path.is_file():
        raise StandaloneError(f"{path} is missing: build the deck again")
    kind = media_type(path).split(";")[0]  # a data: URI takes the bare type
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _read(deck_dir: Path, relative: str) -> str:
    """A text file of the deck; a missing one is an error that says so."""
    path = deck_dir / relative
    if not path.is_file():
        raise StandaloneError(f"{path} is missing: build the deck again")
    return path.read_text(encoding="utf-8")
