"""`bdl-demo --serve`: preview the deck on 127.0.0.1, rebuild when a source changes, reload the tab.

The deck folder is served as it is on disk, except that HTML pages get a small script that listens
for reloads (Server-Sent Events), so the built deck itself never carries it. `PreviewServer` is the
HTTP side: it answers only requests addressed to itself by name (no DNS rebinding). Edits are
noticed through the operating system's file events (watchfiles), on exactly the files the last
build read; `serve` joins the two into one blocking loop.
"""
from __future__ import annotations

import errno
import io
import select
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import traceback
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from bdl_demo.deck.assets import MEDIA_TYPES
from bdl_demo.errors import UserError

HOST = "127.0.0.1"
EVENTS_PATH = "/__bdl_demo/events"
RELOAD_SCRIPT = (
    b"<script>/* bdl_demo --serve: reload when the deck is rebuilt (the URL hash keeps the slide) */\n"
    b'new EventSource("' + EVENTS_PATH.encode() + b'").addEventListener("reload", () => location.reload());\n'
    b"</script>\n"
)
CHECK_SECONDS = 1.0  # how often an idle event stream checks that its tab is still open
SETTLE_MS = 50  # a save is acted on once this long passes without another
SETTLE_LIMIT_MS = 2000  # a burst of saves delays the rebuild by at most this much
WATCH_TIMEOUT_MS = 200  # how often the watch looks up from the OS: how soon it is known to be on, and stops
MAX_PATH = 2048  # longer request targets get 414


class ServeError(UserError):
    """The preview server cannot start, e.g. because its port is taken."""


class RebuildError(UserError):
    """A rebuild command exited with an error (which it has already printed)."""


# --- serving -----------------------------------------------------------------------------------

class PreviewServer(ThreadingHTTPServer):
    """The deck folder over HTTP on 127.0.0.1, with an event stream that tells open tabs to reload.
    Stopping it cuts open connections and joins every thread, so no silent client holds it up."""

    daemon_threads = False  # server_close() joins every request thread

    def __init__(self, deck_dir: Path, port: int = 8000):
        self.deck_dir = Path(deck_dir)
        self._news = threading.Condition()  # guards the counts below and the open connections
        self._reloads = self._listeners = 0
        self._closing = False
        self._open: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} is in use: pass --port N") from None
            raise ServeError(f"cannot listen on {HOST}:{port}: {error.strerror or error}") from None
        self.port = self.server_address[1]  # port 0 picks a free one

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def listeners(self) -> int:
        """How many tabs are listening for reloads."""
        with self._news:
            return self._listeners

    def start(self) -> PreviewServer:
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="bdl_demo-serve", daemon=True)
        self._thread.start()
        return self

    def reload(self) -> int:
        """Tell every open tab to reload; return how many were listening."""
        with self._news:
            self._reloads += 1
            self._news.notify_all()
            return self._listeners

    def stop(self) -> None:
        """Close every connection, free the port and join the threads (calling it twice is fine)."""
        with self._news:
            self._closing = True
            self._news.notify_all()
        if self._thread is not None:  # no new connection is accepted after this
            self.shutdown()
            self._thread.join()
            self._thread = None
        with self._news:
            connections = list(self._open)
        for connection in connections:  # no request thread may wait on a silent client
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()  # frees the port and joins the request threads

    def __exit__(self, *exc) -> None:
        self.stop()

    def stream_events(self, write: Callable[[bytes], object], gone: Callable[[], bool]) -> None:
        """Feed one event stream: a `reload` event after each rebuild, until the tab goes or stop."""
        with self._news:
            seen = self._reloads
            self._listeners += 1
        try:
            write(b"retry: 1000\n: listening\n\n")
            while True:
                with self._news:
                    self._news.wait_for(lambda: self._closing or self._reloads != seen, CHECK_SECONDS)
                    closing, reloads = self._closing, self._reloads
                if closing or gone():
                    return
                if reloads != seen:
                    seen = reloads
                    write(b"event: reload\ndata: %d\n\n" % reloads)
        except OSError:  # the tab went away mid-write
            return
        finally:
            with self._news:
                self._listeners -= 1

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skips HTTPServer's getfqdn(), a DNS lookup
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address) -> None:
        with self._news:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._news:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a closed tab is normal; a bug is not
            super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    """The standard library's static file handler on the deck folder, and what a preview adds: the
    Host check, the reload script in every page, the reload events, nothing cached."""

    server_version = "bdl_demo"
    timeout = 10  # seconds a client may stay silent
    extensions_map = MEDIA_TYPES

    def translate_path(self, path: str) -> str:
        """The file a request path names inside the deck folder, symlinks followed (so one leading
        out of it is not); "" for a path that names no such file."""
        path = path.split("?", 1)[0].split("#", 1)[0]
        parts = unquote(path).split("/")  # decoded once: "%2F" becomes a separator, "%252F" stays literal
        if not path.startswith("/") or any(part == ".." or "\0" in part for part in parts):
            return ""
        root = self.server.deck_dir.resolve()
        target = root.joinpath(*(part for part in parts if part not in ("", ".")))
        try:  # resolve() follows symlinks; a name too long for the file system names nothing
            target = (target / "index.html" if path.endswith("/") else target).resolve()
            return str(target) if target.is_relative_to(root) and target.is_file() else ""
        except OSError:
            return ""

    def send_head(self):
        file = self.translate_path(self.path)
        if not file:
            if self.path == "/favicon.ico":  # the browser asks; having none is no error
                return self._send(204, b"", "image/x-icon", head_only=True)
            return self.send_error(404)
        if file.endswith(".html"):  # a page of the deck, with the script that reloads it
            try:
                page = Path(file).read_bytes()
            except OSError:  # removed by a rebuild in between
                return self.send_error(404)
            at = page.lower().rfind(b"</body>")  # the reload script goes before the last </body>
            page = page + RELOAD_SCRIPT if at < 0 else page[:at] + RELOAD_SCRIPT + page[at:]
            return self._send(200, page, MEDIA_TYPES[".html"], head_only=True)
        return super().send_head()

    def do_GET(self) -> None:
        if self._refused():
            return
        if self.path.split("?", 1)[0] != EVENTS_PATH:
            return super().do_GET()
        self.send_response(200)  # a tab's stream of reload events
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.server.stream_events(self.wfile.write, self._client_gone)

    def do_HEAD(self) -> None:
        if not self._refused():
            super().do_HEAD()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _refused(self) -> bool:
        """Answer 403 to a request for another host and 414 to an impossible path; True if so. A page
        of a site that rebinds its own name to 127.0.0.1 sends that name as Host, so it is refused and
        cannot read the deck or report.json."""
        port = self.server.port
        ours = {f"127.0.0.1:{port}", f"localhost:{port}"} | ({"127.0.0.1", "localhost"} if port == 80 else set())
        if (self.headers.get("Host") or "").strip().lower() not in ours:
            self._send(403, b"forbidden: this preview answers only 127.0.0.1 and localhost\n")
            return True
        if len(self.path) > MAX_PATH:
            self._send(414, b"request path too long\n")
            return True
        return False

    def _send(self, status: int, data: bytes, kind: str = "text/plain; charset=utf-8", head_only: bool = False):
        """Answer with `data`; as send_head(), return it as a file for do_GET to copy (or None)."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if head_only:
            return io.BytesIO(data) if data else None
        self.wfile.write(data)

    def _client_gone(self) -> bool:
        """Whether the client has closed its end (its socket reads as end-of-file)."""
        try:
            readable = select.select([self.connection], [], [], 0)[0]
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    def log_message(self, format, *args) -> None:
        """Silent: the terminal shows rebuilds, not requests."""


# --- watching ----------------------------------------------------------------------------------

def changes_to(files: Callable[[], list[Path]], stop: threading.Event, watching: Callable[[], None] = lambda: None):
    """Yield the files changed each time some of `files()` are saved, until `stop` is set; call
    `watching()` once the OS watches them (a save before that would go unseen). The OS (watchfiles:
    inotify) watches their folders, not recursively, and ignores the rest of them (editor backups,
    the deck); `files()` is asked again after each batch, as a rebuild may read others."""
    from watchfiles import watch

    while not stop.is_set():
        watched = {Path(path).resolve() for path in files()}
        folders = sorted({path.parent for path in watched if path.parent.is_dir()})
        if not folders:
            watching()
            stop.wait(0.5)
            continue
        for batch in watch(*folders, watch_filter=lambda change, path: Path(path) in watched,
                           step=SETTLE_MS, debounce=SETTLE_LIMIT_MS, stop_event=stop, recursive=False,
                           rust_timeout=WATCH_TIMEOUT_MS, yield_on_timeout=True):
            watching()  # the first batch, even an empty one at the first timeout, proves the watch is on
            if not batch:
                continue
            yield sorted({Path(path) for _, path in batch})
            if {Path(path).resolve() for path in files()} != watched:
                break  # the build now reads other files: watch those


# --- the loop ----------------------------------------------------------------------------------

def serve(rebuild: Callable[[], None], deck_dir: Path, watch: Callable[[], list[Path]], *, port: int = 8000,
          log: Callable[[str], None] = print, ready: threading.Event | None = None,
          stop: threading.Event | None = None) -> None:
    """Serve deck_dir on 127.0.0.1:port; when a file `watch()` lists changes, rebuild() and reload the
    open tabs (if it raises, log it and keep the last good deck). Blocks until Ctrl-C
    (KeyboardInterrupt) or `stop` is set; ServeError if the port is taken."""
    stop = stop or threading.Event()
    with PreviewServer(deck_dir, port).start() as server:
        log(f"serving {deck_dir} at {server.url} (Ctrl-C to stop)")
        try:
            for changed in changes_to(watch, stop, watching=(ready or threading.Event()).set):
                _rebuild(rebuild, server, changed, log)
        except KeyboardInterrupt:
            stop.set()
            log("stopped serving")


def _rebuild(rebuild, server: PreviewServer, changed: list[Path], log) -> None:
    """Run one rebuild; reload the tabs if it worked, log why not if it did not."""
    names = sorted({_short(path) for path in changed})
    log(f"changed {', '.join(names[:3])}{f' and {len(names) - 3} more' if len(names) > 3 else ''}: rebuilding")
    started = time.perf_counter()
    try:
        rebuild()
    except Exception as error:
        log(f"rebuild failed: {one_line(error)} (still serving the last good deck)")
        return
    tabs = server.reload()
    log(f"rebuilt in {time.perf_counter() - started:.1f} s: reloading {tabs} tab{'' if tabs == 1 else 's'}")


def one_line(error: Exception) -> str:
    """An error as one line; errors from Python itself (likely a bug) also say type and place."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    if type(error).__module__ != "builtins":
        return text or type(error).__name__
    frames = traceback.extract_tb(error.__traceback__)
    place = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {text}{place}"


def _short(path: Path) -> str:
    """A path relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class WarmRebuild:
    """rebuild() for the preview: `python -m MODULE ARGS…` run by a process started ahead, with the
    build's libraries imported by the time a file is saved (see warm.py), the next one started as
    soon as a rebuild ends. RebuildError when the build fails."""

    def __init__(self, args: list[str], module: str = "bdl_demo"):
        self.command = [sys.executable, "-m", "bdl_demo.output.warm", module, *args]
        self.waiting = self._start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, stdin=subprocess.PIPE, text=True)

    def __call__(self) -> None:
        process, self.waiting = self.waiting, None
        try:
            process.stdin.write("go\n")
            process.stdin.close()
        except OSError:  # it died while waiting: start one now
            process.wait()
            process = self._start()
            process.communicate("go\n")
        try:
            status = process.wait()
        except BaseException:  # Ctrl-C: give the build time to remove its staging folder
            _finish(process)
            raise
        self.waiting = self._start()
        if status != 0:
            raise RebuildError(f"the build exited with status {status}")

    def close(self) -> None:
        """Let the process that waits for the next save exit (its input ends)."""
        if self.waiting is not None:
            self.waiting.stdin.close()
            _finish(self.waiting)
            self.waiting = None


def _finish(process: subprocess.Popen) -> None:
    """Let an interrupted child exit: it usually got the same Ctrl-C; if not, send it one, then kill."""
    for action, seconds in ((None, 2), (signal.SIGINT, 10), (signal.SIGKILL, None)):
        if action is not None:
            process.send_signal(action)
        try:
            process.wait(timeout=seconds)
            return
        except subprocess.TimeoutExpired:
            continue
