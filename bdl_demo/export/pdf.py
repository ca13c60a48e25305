"""The deck as a PDF: Debian's headless chromium prints reveal.js's print view (`?print-pdf`).

Chromium is driven over its DevTools pipe with the standard library alone (no Playwright at run
time), so the page is printed once reveal.js has laid out one page per slide and KaTeX has
typeset every equation, instead of after a guessed delay.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bdl_demo.files import atomic_write
from bdl_demo.errors import BuildError

TIMEOUT = 60.0  # seconds for the whole export; the deck prints in a few
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--remote-debugging-pipe",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: nothing leaves the machine
)

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
  return {slides: Reveal.getTotalSlides(), laidOut: laidOut(), typeset: !rawTex(),
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


class PdfError(BuildError):
    """The PDF cannot be made; the one-line message says what to do."""


def export_pdf(deck_dir: Path, out: Path, *, notes: bool = False) -> int:
    """Print deck_dir/index.html through reveal.js's print mode into `out`; return the page count."""
    index = Path(deck_dir) / "index.html"
    if not index.is_file():
        raise PdfError(f"{index} is missing: build the deck before printing it")
    url = index.resolve().as_uri() + ("?print-pdf&showNotes=true" if notes else "?print-pdf")
    with Chromium(find_chromium()) as browser:
        browser.open(url)
        state = browser.evaluate(PRINT_VIEW_SETTLED)
        _check(state, url)
        if notes:
            browser.evaluate(NOTES_UNDER_SLIDES)
        pdf = browser.print_pdf()
    pages = page_count(pdf)
    if pages != state["slides"]:
        raise PdfError(f"the PDF has {pages} pages for {state['slides']} slides: a slide is taller than "
                       f"its page; open {url} in a browser to find it")
    atomic_write(Path(out), pdf)
    return pages


def find_chromium() -> str:
    """Debian's chromium binary, from PATH or its usual place."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
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


class Chromium:
    """Headless chromium over --remote-debugging-pipe: JSON messages ending in NUL, on fds 3 and 4."""

    def __init__(self, binary: str, timeout: float = TIMEOUT):
        self.binary, self.timeout = binary, timeout
        self.session, self.events, self.next_id = None, [], 0
        self.buffer = bytearray()

    def __enter__(self) -> Chromium:
        self.deadline = time.monotonic() + self.timeout
        self.profile = tempfile.TemporaryDirectory(prefix="bdl-chromium-")
        self.log = tempfile.TemporaryFile()
        commands_read, self.commands = os.pipe()  # we write commands, chromium reads them on fd 3
        self.replies, replies_write = os.pipe()  # chromium writes replies on fd 4, we read them

        def onto_fds_3_and_4():
            """In the child: move both pipe ends to high numbers first, so neither dup2 clobbers the other."""
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (commands_read, replies_write)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        try:
            self.process = subprocess.Popen(
                [self.binary, *CHROMIUM_ARGS, f"--user-data-dir={self.profile.name}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, close_fds=False,
                preexec_fn=onto_fds_3_and_4)
        except OSError as error:
            self._cleanup()
            raise PdfError(f"cannot start {self.binary}: {error.strerror}; apt-get install -y chromium") from None
        finally:
            os.close(commands_read)
            os.close(replies_write)
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            try:
                self.call_browser("Browser.close")
                self.process.wait(timeout=5)
            except (PdfError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        for fd in (self.commands, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        self.profile.cleanup()

    def open(self, url: str) -> None:
        """A new tab showing `url`, returning once its load event has fired."""
        target = self.call_browser("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call_browser("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")
        navigation = self.call("Page.navigate", url=url)
        if navigation.get("errorText"):
            raise PdfError(f"chromium cannot open {url}: {navigation['errorText']}")
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page, promises awaited."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            raise PdfError(f"the deck failed in chromium: {text.splitlines()[0] if text else 'script error'}")
        return result["result"].get("value")

    def print_pdf(self) -> bytes:
        """The page printed at its CSS page size, backgrounds included."""
        result = self.call("Page.printToPDF", printBackground=True, preferCSSPageSize=True,
                           displayHeaderFooter=False)
        return base64.b64decode(result["data"])

    def call(self, method: str, **params) -> dict:
        """Send one command to the open tab and return its result."""
        return self.call_browser(method, session=self.session, **params)

    def call_browser(self, method: str, *, session: str | None = None, **params) -> dict:
        """Send one command (to the browser itself, or to the tab of `session`) and return its result."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        try:
            os.write(self.commands, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise PdfError(f"chromium quit: {self._log_tail()}") from None
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                break
            if "method" in reply:
                self.events.append(reply)
        if "error" in reply:
            raise PdfError(f"chromium {method}: {reply['error'].get('message', reply['error'])}")
        return reply["result"]

    def wait_for(self, event: str) -> dict:
        """The first event of that name, including one that arrived while waiting for a reply."""
        while True:
            for index, message in enumerate(self.events):
                if message["method"] == event:
                    return self.events.pop(index)
            self.events.append(self._receive())

    def _receive(self) -> dict:
        """The next message from chromium, within the export's deadline."""
        while b"\0" not in self.buffer:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.replies], [], [], remaining)[0]:
                raise PdfError(f"chromium did not finish within {self.timeout:.0f} s")
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise PdfError(f"chromium quit: {self._log_tail()}")
            self.buffer += chunk
        end = self.buffer.index(b"\0")
        message = json.loads(self.buffer[:end])
        del self.buffer[:end + 1]
        return message

    def _log_tail(self) -> str:
        """The last line chromium logged that is not about D-Bus (it always complains about that)."""
        self.log.seek(0)
        lines = [line for line in self.log.read().decode(errors="replace").splitlines()
                 if line.strip() and "dbus" not in line.lower()]
        return lines[-1][:300] if lines else f"exit code {self.process.poll()}"
