"""The preview server: what it serves, what it refuses, and rebuild → reload (no PyMC involved)."""
import _thread
import http.client
import json
import re
import socket
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from bdl_demo.output.preview import (EVENTS_PATH, RELOAD_SCRIPT, PreviewServer, RebuildError, ServeError,
                                  WarmRebuild, changes_to, serve)

SECRET = "top-secret-do-not-serve"


class FakeBuild:
    """A rebuild that renders index.html from a watched template, or fails when told to."""

    def __init__(self, template: Path, deck: Path):
        self.template, self.deck, self.calls, self.fail = template, deck, 0, None

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise self.fail
        self.deck.mkdir(exist_ok=True)
        body = self.template.read_text()
        (self.deck / "index.html").write_text(f"<html><body><h1>{body}</h1></body></html>")


@pytest.fixture
def project(tmp_path):
    """A watched templates folder, a deck built from it, and a secret file beside the deck."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "title.md").write_text("first")
    deck = tmp_path / "deck"
    build = FakeBuild(templates / "title.md", deck)
    build()
    build.calls = 0
    for name, data in {"a.svg": "<svg/>", "f.woff2": "wOF2", "s.css": "h1{}", "r.js": "1", "x.json": "{}"}.items():
        (deck / name).write_text(data)
    (tmp_path / "secret.txt").write_text(SECRET)
    return tmp_path, templates, deck, build


def read_by_the_build(templates: Path):
    """What the fake build reads: the watch list serve() is given."""
    return lambda: [templates / "title.md"]


@contextmanager
def serving(deck: Path, templates: Path, build):
    """Run serve() in a thread; yield (host, port, log lines); stop it and check it ended."""
    lines, ready, stop = [], threading.Event(), threading.Event()
    thread = threading.Thread(target=serve, args=(build, deck, read_by_the_build(templates)),
                              kwargs=dict(port=0, log=lines.append, ready=ready, stop=stop))
    thread.start()
    assert ready.wait(30)  # set once the OS watch is on
    host, port = re.search(r"http://([\d.]+):(\d+)/", lines[0]).groups()
    try:
        yield host, int(port), lines
    finally:
        stop.set()
        thread.join(5)
        assert not thread.is_alive()


def get(port: int, path: str, host: str | None = None) -> tuple[int, str, bytes]:
    """Status, Content-Type and body of one GET with the path (and Host) sent exactly as given."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


class EventStream:
    """An SSE client reading events one at a time."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.connection.request("GET", EVENTS_PATH)
        self.response = self.connection.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"
        assert self.next_block() == ["retry: 1000", ": listening"]  # subscribed from here on

    def next_block(self) -> list[str]:
        lines = []
        while True:
            raw = self.response.readline()
            assert raw, "the stream ended"
            if raw.strip():
                lines.append(raw.decode().rstrip("\n"))
            elif lines:
                return lines

    def next_event(self) -> list[str]:
        """The next block that is an event (comments are skipped)."""
        while (block := self.next_block())[0].startswith(":"):
            pass
        return block

    def close(self):
        self.response.close()  # the response holds the socket open too
        self.connection.close()


def free(port: int) -> bool:
    """Whether a new server can listen on the port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(condition, seconds=30.0):  # a safeguard against a hang, not a bound on speed
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_page_has_reload_script_but_the_deck_on_disk_does_not(project):
    _, _, deck, _ = project
    with PreviewServer(deck, port=0).start() as server:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        assert server.socket.getsockname()[0] == "127.0.0.1"
        status, kind, body = get(server.port, "/")
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert body.endswith(RELOAD_SCRIPT + b"</body></html>") and b"<h1>first</h1>" in body
        assert get(server.port, "/index.html?x=1#y")[2] == body
        assert b"EventSource" not in (deck / "index.html").read_bytes()
        kinds = {name: get(server.port, f"/{name}")[:2] for name in ("a.svg", "f.woff2", "s.css", "r.js", "x.json")}
        assert kinds == {"a.svg": (200, "image/svg+xml"), "f.woff2": (200, "font/woff2"),
                         "s.css": (200, "text/css; charset=utf-8"), "r.js": (200, "text/javascript; charset=utf-8"),
                         "x.json": (200, "application/json")}
        assert get(server.port, "/missing.png")[0] == 404
        assert get(server.port, "/favicon.ico")[:2] == (204, "image/x-icon")  # no console error


def test_a_closed_tab_stops_listening(project):
    _, _, deck, _ = project
    with PreviewServer(deck, port=0).start() as server:
        stream = EventStream(server.port)
        assert server.listeners == 1
        stream.close()
        wait_for(lambda: server.listeners == 0, seconds=3)


def test_requests_outside_the_deck_get_404(project):
    tmp_path, _, deck, _ = project
    (deck / "images").mkdir()
    (deck / "images" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (deck / "outside").symlink_to(tmp_path)
    attempts = ["/../secret.txt", "/images/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                "/..%2fsecret.txt", "/images%2f..%2f..%2fsecret.txt", "/.%2e/secret.txt", "/%252e%252e%252fsecret.txt",
                "/..%252fsecret.txt", f"/{tmp_path}/secret.txt", f"//{tmp_path}/secret.txt",
                f"{tmp_path}/secret.txt", f"/%2F{str(tmp_path)[1:]}/secret.txt", "/images/leak.txt",
                "/outside/secret.txt", "/outside/", "/..", "/%00index.html", "/..\\secret.txt"]
    with PreviewServer(deck, port=0).start() as server:
        for path in attempts:
            status, _, body = get(server.port, path)
            assert status == 404, path
            assert SECRET.encode() not in body, path


def test_template_edit_makes_one_rebuild_and_one_reload(project):
    tmp_path, templates, deck, build = project
    with serving(deck, templates, build) as (_, port, lines):
        stream = EventStream(port)
        for text in ("second draft", "second", "second!"):  # a burst of saves, likely across a poll
            (templates / "title.md").write_text(text)
            time.sleep(0.02)
        assert stream.next_event() == ["event: reload", "data: 1"]
        assert build.calls == 1
        assert b"<h1>second!</h1>" in get(port, "/")[2]
        (templates / "title.md").write_text("third")  # the next save is the next reload: the burst made one
        assert stream.next_event() == ["event: reload", "data: 2"]
        assert build.calls == 2
        stream.close()
    assert any(line.startswith("changed ") and "title.md" in line for line in lines)
    assert any(line.startswith("rebuilt in ") and line.endswith("reloading 1 tab") for line in lines)


def test_editor_noise_does_not_rebuild(project):
    """Saves to files the build did not read come first; the one save that counts comes last, and
    the watcher, which reports events in order, rebuilds once, for it alone."""
    _, templates, deck, build = project
    with serving(deck, templates, build) as (_, port, lines):
        stream = EventStream(port)
        for name in (".title.md.swp", "title.md~", "4913", "#title#", ".hidden", "other.md"):
            (templates / name).write_text("x")
        (templates / "__pycache__").mkdir()
        (templates / "__pycache__" / "m.cpython-311.pyc").write_text("x")
        (deck / "index.html").write_text("rebuilt by someone")  # the deck is not an input
        (templates / "title.md").write_text("the edit")
        assert stream.next_event() == ["event: reload", "data: 1"]
        stream.close()
    changed = [line for line in lines if line.startswith("changed ")]
    assert build.calls == 1 and len(changed) == 1
    assert changed[0].endswith("/title.md: rebuilding") and "," not in changed[0] and " more" not in changed[0]


def test_failed_rebuild_logs_keeps_the_deck_and_sends_no_reload(project):
    _, templates, deck, build = project
    build.fail = ValueError("templates/title.md:3: unexpected '}'\nmore detail")
    with serving(deck, templates, build) as (_, port, lines):
        stream = EventStream(port)
        (templates / "title.md").write_text("broken")
        wait_for(lambda: any("rebuild failed" in line for line in lines))
        assert b"<h1>first</h1>" in get(port, "/")[2]  # the last good deck
        build.fail = None
        (templates / "title.md").write_text("fixed")
        assert stream.next_event() == ["event: reload", "data: 1"]  # the first reload is the fix's
        stream.close()
    failed = next(line for line in lines if "rebuild failed" in line)
    assert failed.startswith("rebuild failed: ValueError: templates/title.md:3: unexpected '}' (")
    assert failed.endswith("(still serving the last good deck)") and "\n" not in failed
    assert build.calls == 2


def test_port_in_use_is_a_one_line_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=rf"^port {port} is in use: pass --port N$"):
            serve(lambda: None, tmp_path, lambda: [], port=port, log=lambda line: None)


def test_stop_ends_the_thread_and_frees_the_port(project):
    _, templates, deck, build = project
    with serving(deck, templates, build) as (_, port, _lines):
        stream = EventStream(port)
        silent = socket.create_connection(("127.0.0.1", port))  # a client that never sends a request
    assert free(port)
    assert not [t for t in threading.enumerate() if t.name == "bdl_demo-serve" or "process_request" in t.name]
    with pytest.raises((OSError, AssertionError)):
        stream.next_event()
    silent.close()


def test_ctrl_c_stops_cleanly(project):
    _, templates, deck, build = project
    lines, ready = [], threading.Event()

    def press_ctrl_c():
        ready.wait(5)
        _thread.interrupt_main()  # as if SIGINT reached the main thread

    threading.Thread(target=press_ctrl_c).start()
    serve(build, deck, read_by_the_build(templates), port=0, log=lines.append, ready=ready)  # returns
    port = int(re.search(r":(\d+)/", lines[0]).group(1))
    assert lines[-1] == "stopped serving" and free(port)


def test_the_watcher_reports_the_files_the_build_read_and_follows_the_list(tmp_path):
    a, b, config = tmp_path / "a.md", tmp_path / "sub" / "b.md", tmp_path / "deck.toml"
    b.parent.mkdir()
    for path in (a, b, config):
        path.write_text("x")
    read = [a, config]
    stop, seen = threading.Event(), []

    def watch():
        for changed in changes_to(lambda: read, stop):
            seen.append(changed)
            if b not in read:
                read.append(b)  # the rebuild this edit caused read b too: watch it from now on

    def edit_until_seen(path: Path, count: int) -> None:
        """Save `path` until the watcher reports it (the OS watch may take a moment to start)."""
        for attempt in range(40):
            path.write_text(f"edit {attempt}")
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline and len(seen) < count:
                time.sleep(0.01)
            if len(seen) >= count:
                return
        raise AssertionError(f"{path.name} was never reported")

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        (tmp_path / "unrelated.md").write_text("y")  # in a watched folder, but not read by the build
        edit_until_seen(config, 1)
        assert all(batch == [config] for batch in seen)
        edit_until_seen(b, len(seen) + 1)
        assert seen[-1] == [b]
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_requests_for_another_host_get_403(project):
    _, templates, deck, build = project
    with serving(deck, templates, build) as (_, port, _lines):
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1:1", f"127.0.0.2:{port}"):
            status, _, body = get(port, "/report.json", host=host)
            assert status == 403 and b"{" not in body, host
        assert get(port, "/", host=f"localhost:{port}")[0] == 200
        assert get(port, "/", host=f"127.0.0.1:{port}")[0] == 200


def test_impossible_paths_get_404_or_414_not_an_empty_reply(project):
    _, templates, deck, build = project
    with serving(deck, templates, build) as (_, port, _lines):
        assert get(port, "/" + "a" * 300)[0] == 404  # longer than a file name may be
        assert get(port, "/" + "a/" * 1500)[0] == 414


def test_stalled_connections_do_not_hold_up_others(project):
    """Clients that connect and never finish their request (or never read) each hold one thread:
    the next tab still gets the deck."""
    _, templates, deck, build = project
    with serving(deck, templates, build) as (_, port, _lines):
        stalled = []
        for partial in (b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1", b"GET /index.html HTTP/1.1\r\n"):
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(partial)
            stalled.append(client)
        try:
            status, _, body = get(port, "/")
            assert status == 200 and b"<h1>first</h1>" in body
        finally:
            for client in stalled:
                client.close()


def fake_build(tmp_path, monkeypatch, code: str) -> str:
    """A module that stands for the build, importable by the warm process."""
    (tmp_path / "fake_build.py").write_text(code)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return "fake_build"


def test_warm_rebuild_runs_the_build_with_the_project_code_loaded_and_raises_on_failure(tmp_path, monkeypatch):
    seen = tmp_path / "seen.json"
    module = fake_build(tmp_path, monkeypatch, "import json, sys\n"
                        f"open({str(seen)!r}, 'w').write(json.dumps([sys.argv[1:], sorted(sys.modules)]))\n"
                        "sys.exit(3 if sys.argv[1:] == ['fail'] else 0)\n")
    rebuild = WarmRebuild(["--out", "x"], module)
    try:
        assert not seen.exists()  # started ahead, it waits for the save
        rebuild()
        args, modules = json.loads(seen.read_text())
        assert args == ["--out", "x"]
        assert "jinja2" in modules and "numpy" in modules  # the build's libraries are loaded …
        assert "bdl_demo.pipeline" in modules  # … and the project's code, unchanged since it was
        seen.unlink()
        rebuild()  # the next process was started when the last one ended
        assert seen.exists()
    finally:
        rebuild.close()
    failing = WarmRebuild(["fail"], module)
    try:
        with pytest.raises(RebuildError, match="status 3"):
            failing()
    finally:
        failing.close()


def test_an_edit_to_the_project_code_is_seen_by_the_warm_rebuild(tmp_path, monkeypatch):
    """A saved source file (here only its time moves) tells the waiting process to import the
    project's code afresh; then the build runs without any of it loaded beforehand."""
    import os

    from bdl_demo.output import warm

    source = Path(warm.__file__).resolve().parent.parent / "numbers.py"
    before = source.stat()
    stamps = warm.source_stamps()
    try:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        assert warm.source_stamps() != stamps
    finally:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert warm.source_stamps() == stamps
    monkeypatch.setattr(sys, "modules", dict(sys.modules))  # forget in a copy, not in this process
    warm.forget_project_code()
    assert not [name for name in sys.modules if name.split(".")[0] == "bdl_demo"]


def test_a_warm_rebuild_that_is_never_used_exits_without_running(tmp_path, monkeypatch):
    module = fake_build(tmp_path, monkeypatch, f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    rebuild = WarmRebuild([], module)
    process = rebuild.waiting
    rebuild.close()
    assert process.returncode == 0 and not (tmp_path / "ran").exists()
