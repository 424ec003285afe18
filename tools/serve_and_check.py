"""Serve the built HTML book on 127.0.0.1 and check every page in headless Chromium.

Usage::

    python tools/serve_and_check.py [_build/html] [--toc _toc.yml] [--screenshots DIR]

Exit status 0 when no problem is found, 1 otherwise (each problem is printed).

How it works: a thread-based ``http.server`` serves the folder on a free local port; Debian's
``chromium`` runs headless and is driven through the Chrome DevTools protocol over
``--remote-debugging-pipe`` (file descriptors 3 and 4, NUL-separated JSON: no websocket
library, no open debugging port). Each page is loaded, MathJax is awaited, and the DOM,
the network log and the JavaScript exceptions are inspected. Problems reported:

* a page of ``_toc.yml`` with no HTML file;
* a broken internal link, or a link to an anchor that does not exist on the target page;
* a stored error output (traceback), a docutils system message or an unresolved
  cross-reference (left by Sphinx as a bare ``span.xref``);
* math left untypeset (TeX delimiters in the text after MathJax ran, a ``.math`` element
  with no MathJax output, a MathJax error) or MathJax not loaded from the book's own files;
* an image that did not load (``naturalWidth`` 0), any request answered 4xx/5xx or failing;
* any request that leaves 127.0.0.1 (the book must read offline: no CDN);
* an interactive (plotly) figure that did not draw, or whose points show no label when the
  mouse is moved onto them, or that shows no static image when JavaScript is off; an
  uncaught JavaScript exception;
* body text below WCAG contrast 4.5:1 in dark mode (on the pages screenshot in dark mode).
"""
from __future__ import annotations

import argparse
import fcntl
import functools
import http.server
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

from toc import toc_files  # noqa: F401  (the book's one _toc.yml reader; tests call it from here)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--hide-scrollbars", "--window-size=1280,900",
]


def find_chromium() -> str | None:
    """Path of a Chromium executable (``$CHROMIUM`` first), or ``None``."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


# --------------------------------------------------------------------------- server
class _Handler(http.server.SimpleHTTPRequestHandler):
    log: list = []  # replaced per server

    def log_message(self, fmt, *args):  # keep the test output clean
        pass

    def log_request(self, code="-", size="-"):
        try:
            self.log.append((self.path, int(code)))
        except (TypeError, ValueError):
            self.log.append((self.path, 0))


class Server:
    """``http.server`` on 127.0.0.1 (free port) in a daemon thread; use as a context manager."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"nothing to serve: {self.root} is not a folder")
        self.requests: list[tuple[str, int]] = []
        handler = type("Handler", (_Handler,), {"log": self.requests})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(self.root)))
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------- browser
class CDPError(RuntimeError):
    pass


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe``; one page target."""

    def __init__(self, chromium: str | None = None, timeout: float = 30.0):
        self.chromium = chromium or find_chromium()
        if not self.chromium:
            raise FileNotFoundError("Chromium not found (apt-get install chromium)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="book-chromium-")
        to_child_r, self._to_child_w = os.pipe()
        self._from_child_r, from_child_w = os.pipe()

        def wire_fds():  # runs in the child: its fd 3 reads commands, fd 4 writes replies
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [self.chromium, *CHROMIUM_FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
            preexec_fn=wire_fds, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._cond = threading.Condition()
        self.events: "queue.Queue[dict]" = queue.Queue()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        try:
            self.session = self._attach()
        except Exception:
            self.close()
            raise

    # -- transport
    def _read_loop(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child_r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._replies[-1] = {"error": {"message": "Chromium closed the pipe"}}
                    self._cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._cond:
                        self._replies[msg["id"]] = msg
                        self._cond.notify_all()
                else:
                    self.events.put(msg)

    def send(self, method: str, params: dict | None = None, session: bool = True,
             timeout: float | None = None) -> dict:
        """Send a DevTools command and return its ``result`` (raises :class:`CDPError`)."""
        with self._cond:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session and getattr(self, "session", None):
            msg["sessionId"] = self.session
        try:
            os.write(self._to_child_w, json.dumps(msg).encode() + b"\0")
        except OSError as exc:  # the browser is gone (BrokenPipeError)
            self.proc.poll()
            raise CDPError(f"{method}: Chromium closed the pipe ({exc}); "
                           f"Chromium's stderr ends: {self.stderr_tail()}") from exc
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while mid not in self._replies and -1 not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"no reply to {method} within {timeout or self.timeout} s")
                self._cond.wait(left)
            closed = mid not in self._replies
            reply = self._replies[-1] if closed else self._replies.pop(mid)
        if "error" in reply:
            detail = ""
            if closed:
                detail = "; Chromium's stderr ends: " + self.stderr_tail()
            raise CDPError(f"{method}: {reply['error'].get('message')}{detail}")
        return reply.get("result", {})

    def stderr_tail(self, n: int = 800) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read().decode(errors="replace")[-n:].strip()
        except (OSError, ValueError):
            return ""

    def _attach(self) -> str:
        self.session = None
        deadline = time.monotonic() + self.timeout
        while True:
            targets = self.send("Target.getTargets", session=False)["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise CDPError("Chromium opened no page target")
            time.sleep(0.1)
        sid = self.send("Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True},
                        session=False)["sessionId"]
        self.session = sid
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        return sid

    def drain(self) -> list[dict]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def navigate(self, url: str) -> list[dict]:
        """Load ``url``, wait for its load event; return the events seen meanwhile."""
        self.drain()
        seen: list[dict] = []
        res = self.send("Page.navigate", {"url": url})
        if res.get("errorText"):
            raise CDPError(f"navigation to {url} failed: {res['errorText']}")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                ev = self.events.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                raise CDPError(f"{url} did not finish loading within {self.timeout} s") from None
            seen.append(ev)
            if ev.get("method") == "Page.loadEventFired":
                return seen

    def evaluate(self, expression: str, timeout: float | None = None):
        res = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                             "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise CDPError(f"page script failed: {d.get('exception', {}).get('description') or d.get('text')}")
        return res["result"].get("value")

    def screenshot(self, path: str | Path) -> Path:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child_w, self._from_child_r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------- page inspection
# Runs in the page once it has loaded: waits for MathJax, images and plotly figures, then
# returns what the checks need as JSON.
INSPECT_JS = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const until = async (cond, ms) => { const t0 = Date.now();
    while (!cond() && Date.now() - t0 < ms) { await sleep(50); } return cond(); };
  const hasMath = !!document.querySelector('.math, script[src*="mathjax" i]');
  let mathjax = {present: false, version: null, error: null};
  if (hasMath) {
    if (document.querySelector('script[src*="mathjax" i]'))  /* no MathJax script: nothing to wait for */
      await until(() => window.MathJax && MathJax.startup && MathJax.startup.promise, 10000);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      try { await MathJax.startup.promise; } catch (e) { mathjax.error = String(e); }
      mathjax.present = true; mathjax.version = MathJax.version || null;
    }
  }
  for (const img of document.images) { if (img.loading === 'lazy') img.loading = 'eager'; }
  await until(() => Array.from(document.images).every(i => i.complete), 10000);
  await until(() => Array.from(document.querySelectorAll('.plotly-offline'))
                       .every(b => b.getAttribute('data-plotly-drawn') || b.getAttribute('data-plotly-failed')), 15000);
  await until(() => Array.from(document.querySelectorAll('.js-plotly-plot, .plotly-graph-div'))
                       .every(d => d.querySelector('.main-svg')), 5000);
  const skip = 'script, style, pre, code, textarea, mjx-container, .highlight, .MathJax, noscript';
  const tex = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texRe = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    if (texRe.test(n.textContent)) tex.push(n.textContent.trim().slice(0, 120));
  }
  const mathEls = Array.from(document.querySelectorAll('span.math, div.math'));
  const untypeset = mathEls.filter(e => !e.querySelector('mjx-container'))
                           .map(e => e.textContent.trim().slice(0, 120));
  const merrors = Array.from(document.querySelectorAll('mjx-merror'))
      .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 120));
  /* MathJax's 'noundefined' extension draws an unknown macro in red instead of an error */
  if (mathjax.present && MathJax.startup.document && MathJax.startup.toMML) {
    for (const item of MathJax.startup.document.math) {
      try {
        const mml = MathJax.startup.toMML(item.root);
        if (/<merror|<mtext[^>]*mathcolor="red"/.test(mml)) merrors.push(String(item.math).slice(0, 120));
      } catch (e) { merrors.push('could not serialise ' + String(item.math).slice(0, 80)); }
    }
  }
  const errSel = '.output.traceback, .output.error, .cell_output .traceback, .system-message, .problematic';
  const errors = Array.from(document.querySelectorAll(errSel))
      .map(e => e.className + ': ' + e.textContent.trim().slice(0, 160));
  const xrefs = [];
  /* a label/term/doc/equation reference Sphinx could not resolve is left as a bare span showing the
     raw label (a resolved one is a link). Unresolved Python-domain roles ({func} etc.) are not
     flagged: the book has no API pages, and they read as inline code. */
  for (const x of document.querySelectorAll('.xref.std, .xref.eq')) {
    if (!x.closest('a')) xrefs.push(x.textContent.trim().slice(0, 80));
  }
  for (const o of document.querySelectorAll('.cell_output, .output')) {
    if (/Traceback \(most recent call last\)/.test(o.textContent))
      errors.push('traceback text in an output: ' + o.textContent.trim().slice(0, 160));
  }
  const images = Array.from(document.images)
      .filter(i => !i.complete || i.naturalWidth === 0)
      .map(i => i.currentSrc || i.src || '(no src)');
  const links = Array.from(new Set(Array.from(document.querySelectorAll('a[href]'))
      .map(a => a.href).filter(h => h.startsWith(location.origin))));
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id)
      .concat(Array.from(document.querySelectorAll('a[name]')).map(a => a.name));
  const plotly = Array.from(document.querySelectorAll('.plotly-offline'))
      .filter(b => !b.getAttribute('data-plotly-drawn'))
      .map(b => b.id + (b.getAttribute('data-plotly-failed') ? ' (' + b.getAttribute('data-plotly-failed') + ')' : ''))
      .concat(Array.from(document.querySelectorAll('.js-plotly-plot, .plotly-graph-div'))
      .filter(d => !d.querySelector('.main-svg') && !d.closest('.plotly-offline'))
      .map(d => d.id || '(plotly div)'));
  /* code cut at the right edge: a code cell whose text is wider than its box */
  const overflow = Array.from(document.querySelectorAll('div.cell_input pre'))
      .filter(p => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 2)
      .map(p => p.textContent.split('\n').reduce((a, b) => b.length > a.length ? b : a, '').slice(0, 80));
  const icon = !!document.querySelector('link[rel~="icon"]');
  const scripts = Array.from(document.scripts).map(s => s.src).filter(Boolean);
  const resources = performance.getEntriesByType('resource').map(r => r.name);
  return JSON.stringify({title: document.title, hasMath, mathjax, tex, untypeset, merrors,
                         errors, xrefs, images, links, ids, plotly, scripts, resources, icon,
                         overflow});
})()
"""

# Dark mode: switch the pydata-sphinx-theme to dark, then measure body-text contrast.
DARK_JS = r"""
(async () => {
  document.documentElement.dataset.theme = 'dark';
  document.documentElement.dataset.mode = 'dark';
  await new Promise(r => setTimeout(r, 300));
  const rgb = s => { const m = s.match(/[\d.]+/g) || []; return m.map(Number); };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const bg = el => { for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c; } return [255, 255, 255]; };
  const p = document.querySelector('article p, main p, .bd-article p, p');
  if (!p) return JSON.stringify({ratio: null});
  const fg = rgb(getComputedStyle(p).color), b = bg(p);
  const L1 = lum(fg), L2 = lum(b);
  return JSON.stringify({ratio: (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05), fg, bg: b});
})()
"""


HOVER_POS_JS = r"""
(async () => {
  const box = document.getElementById(%s);
  box.scrollIntoView({block: "center"});
  await new Promise(r => setTimeout(r, 300));
  const pt = box.querySelector('.scatterlayer path.point');
  if (!pt) return null;
  const r = pt.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + r.height / 2];
})()
"""

HOVER_TEXT_JS = r"""
(async () => {
  const box = document.getElementById(%s);
  for (let i = 0; i < 40; i++) {
    const h = box.querySelector('.hoverlayer .hovertext');
    if (h && h.textContent.trim()) return h.textContent.trim();
    await new Promise(r => setTimeout(r, 50));
  }
  return "";
})()
"""


FALLBACK_JS = r"""
(async () => {
  const imgs = Array.from(document.querySelectorAll('.plotly-offline .plotly-offline-fallback'));
  const t0 = Date.now();
  while (!imgs.every(i => i.complete) && Date.now() - t0 < 5000) await new Promise(r => setTimeout(r, 50));
  if (imgs.length) imgs[0].scrollIntoView({block: "center"});
  const visible = imgs.filter(i => i.complete && i.naturalWidth > 0 && i.offsetParent !== null
                                   && i.getBoundingClientRect().height > 50).length;
  return JSON.stringify({visible, total: imgs.length});
})()
"""


def hover_label(browser: "Browser", figure_id: str) -> str:
    """Move the mouse onto the first point of a drawn plotly figure; return its hover text."""
    pos = browser.evaluate(HOVER_POS_JS % json.dumps(figure_id))
    if not pos:
        return ""
    browser.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": pos[0] - 1, "y": pos[1] - 1})
    browser.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": pos[0], "y": pos[1]})
    return browser.evaluate(HOVER_TEXT_JS % json.dumps(figure_id)) or ""


class _IdParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" or (tag == "a" and k == "name"):
                self.ids.add(v or "")


def static_ids(path: Path) -> set[str]:
    """Element ids (and ``<a name>``) of an HTML file, parsed without a browser."""
    p = _IdParser()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p.ids


def html_pages(root: Path) -> list[Path]:
    """HTML files of a built book, without the theme's and Sphinx's own folders (``_*``)."""
    return sorted(p for p in root.rglob("*.html")
                  if not any(part.startswith("_") for part in p.relative_to(root).parts[:-1]))


@dataclass
class PageResult:
    path: str
    title: str = ""
    data: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    pages: list[PageResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    n_links: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (f"{len(self.pages)} pages, {self.n_links} internal links checked, "
                f"{len(self.screenshots)} screenshots, {len(self.problems)} problems")
        return "\n".join([head, *("  - " + p for p in self.problems)])


def _redirect_target(path: Path) -> str | None:
    """The URL of a ``<meta http-equiv="refresh">`` page, else ``None``."""
    head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    m = re.search(r'http-equiv=["\']?refresh["\']?[^>]*content=["\'][^"\']*url=([^"\'>]+)', head, re.I)
    return m.group(1).strip() if m else None


def _is_local(url: str, base: str) -> bool:
    return url.startswith(base) or url.startswith(("data:", "blob:", "about:", "chrome", "devtools"))


def check_site(root: str | Path, toc: str | Path | None = None, screenshots: str | Path | None = None,
               shots: dict[str, tuple[str, bool]] | None = None, chromium: str | None = None,
               dark_min_contrast: float = 4.5, progress=None) -> Report:
    """Load every page of the HTML folder ``root`` in headless Chromium and check it.

    Parameters
    ----------
    root : folder of the built HTML (``_build/html``)
    toc : the book's ``_toc.yml``; each of its files must have been built
    screenshots : folder for PNG screenshots (made only when given)
    shots : ``{name: (page path relative to root, dark_mode)}``; default: the first page,
        the first and last pages of the table of contents (light) and one chapter in dark mode.
    """
    root = Path(root)
    if not root.is_dir() or not (root / "index.html").exists() and not html_pages(root):
        raise FileNotFoundError(f"no built HTML in {root}")
    report = Report()
    pages = html_pages(root)
    rel = [p.relative_to(root).as_posix() for p in pages]

    toc_pages: list[str] = []
    if toc is not None:
        for f in toc_files(toc):
            target = re.sub(r"\.(md|ipynb|rst)$", "", f) + ".html"
            toc_pages.append(target)
            if not (root / target).exists():
                report.problems.append(f"_toc.yml lists {f!r} but {target} was not built")

    if shots is None:
        existing = [t for t in toc_pages if (root / t).exists()] or rel
        shots = {}
        if existing:
            shots["first-page"] = (existing[0], False)
            shots["last-page"] = (existing[-1], False)
            chapter = next((t for t in existing if "/part" in t or "chapters/part" in t), existing[0])
            shots["chapter"] = (chapter, False)
            shots["chapter-dark"] = (chapter, True)

    ids_by_page: dict[str, set[str]] = {}
    links_by_page: dict[str, list[str]] = {}
    with Server(root) as server, Browser(chromium) as browser:
        base = server.base
        for i, page in enumerate(rel):
            if progress:
                progress(i, len(rel), page)
            result = PageResult(page)
            url = base + page
            redirect = _redirect_target(root / page)
            if redirect is not None:  # e.g. the index.html that points at the first page
                target = (root / page).parent / urlsplit(redirect).path
                if not target.exists():
                    result.problems.append(f"redirects to {redirect}, which does not exist")
                report.pages.append(result)
                continue
            try:
                events = browser.navigate(url)
                data = json.loads(browser.evaluate(INSPECT_JS, timeout=60))
            except Exception as exc:  # a page that cannot be loaded is a problem, not a crash
                result.problems.append(f"could not load: {exc}")
                report.pages.append(result)
                continue
            events += browser.drain()
            result.title, result.data = data["title"], data
            pr = result.problems
            for ev in events:
                m, p = ev.get("method"), ev.get("params", {})
                if m == "Network.requestWillBeSent":
                    req = p["request"]["url"]
                    if not _is_local(req, base):
                        pr.append(f"requests {req[:100]} from outside the book (must work offline)")
                elif (m == "Network.responseReceived" and p["response"]["status"] >= 400
                      and not (p["response"]["url"] == base + "favicon.ico" and not data["icon"])):
                    pr.append(f"HTTP {p['response']['status']} for {p['response']['url'][len(base):] or '/'}")
                elif m == "Network.loadingFailed" and not p.get("canceled"):
                    pr.append(f"a resource failed to load: {p.get('errorText')} ({p.get('type')})")
                elif m == "Runtime.exceptionThrown":
                    d = p["exceptionDetails"]
                    pr.append("JavaScript exception: "
                              + (d.get("exception", {}).get("description") or d.get("text", ""))[:200])
            pr += [f"untypeset TeX in the text: {t!r}" for t in data["tex"]]
            pr += [f"math element not typeset by MathJax: {t!r}" for t in data["untypeset"]]
            pr += [f"MathJax error: {t!r}" for t in data["merrors"]]
            if data["hasMath"]:
                mj = [s for s in data["scripts"] if "mathjax" in s.lower()]
                if not data["mathjax"]["present"]:
                    pr.append("the page has math but MathJax did not start")
                if not mj or not all(s.startswith(base + "_static/") for s in mj):
                    pr.append(f"MathJax is not loaded from the book's _static folder: {mj}")
                if data["mathjax"]["error"]:
                    pr.append(f"MathJax failed: {data['mathjax']['error']}")
            pr += [f"stored error output: {e}" for e in data["errors"]]
            pr += [f"unresolved cross-reference (shown as the raw label): {x}" for x in data["xrefs"]]
            pr += [f"image did not load: {s[:120]}" for s in data["images"]]
            pr += [f"interactive figure did not draw: {d}" for d in data["plotly"]]
            pr += [f"code cut at the right edge of its cell: {t!r}" for t in data.get("overflow", [])]
            pr += [f"loads {r[:100]} from outside the book" for r in data["resources"]
                   if not _is_local(r, base) and not any(r[:100] in q for q in pr)]
            ids_by_page[page] = set(data["ids"])
            links_by_page[page] = data["links"]
            for name, (shot_page, dark) in shots.items():
                if shot_page == page and screenshots is not None:
                    if dark:
                        d = json.loads(browser.evaluate(DARK_JS))
                        if d["ratio"] is not None and d["ratio"] < dark_min_contrast:
                            pr.append(f"dark mode: body text contrast {d['ratio']:.1f}:1 < "
                                      f"{dark_min_contrast}:1 (text {d['fg']}, background {d['bg']})")
                    report.screenshots.append(browser.screenshot(Path(screenshots) / f"{name}.png"))
                    if dark:
                        browser.navigate(url)  # back to light for any further shot
            figures = [i for i in data["ids"] if i.startswith("plotly-offline-")]
            for k, fid in enumerate(figures if not data["plotly"] else []):
                label = hover_label(browser, fid)
                if not label:
                    pr.append(f"hovering a point of interactive figure {fid} shows no label")
                if k == 0 and screenshots is not None:
                    stem = page.replace("/", "_").removesuffix(".html")
                    report.screenshots.append(browser.screenshot(Path(screenshots) / f"figure-{stem}.png"))
                    browser.evaluate(DARK_JS)  # and in dark mode (myst-nb keeps outputs on a light panel)
                    browser.evaluate(HOVER_POS_JS % json.dumps(fid))
                    report.screenshots.append(
                        browser.screenshot(Path(screenshots) / f"figure-dark-{stem}.png"))
            if figures:  # the static fallback: the same page with JavaScript switched off
                browser.send("Emulation.setScriptExecutionDisabled", {"value": True})
                try:
                    browser.navigate(url)
                    shown = json.loads(browser.evaluate(FALLBACK_JS))
                    if shown["visible"] < len(figures):
                        pr.append(f"without JavaScript only {shown['visible']} of {len(figures)} "
                                  "interactive figures show their static image")
                    if screenshots is not None:
                        stem = page.replace("/", "_").removesuffix(".html")
                        report.screenshots.append(
                            browser.screenshot(Path(screenshots) / f"figure-nojs-{stem}.png"))
                finally:
                    browser.send("Emulation.setScriptExecutionDisabled", {"value": False})
            report.pages.append(result)

    # internal links and anchors
    for page, links in links_by_page.items():
        for link in links:
            report.n_links += 1
            target, frag = urldefrag(link[len(base):])
            target = unquote(urlsplit(target).path)
            if target == "" or target.endswith("/"):
                target += "index.html"
            file = root / target
            where = f"{page}: link to {link[len(base):]}"
            if not file.exists():
                report.problems.append(f"{where} -> no such file")
                continue
            if frag and file.suffix == ".html":
                ids = ids_by_page.get(target)
                if ids is None:
                    ids = static_ids(file)
                if unquote(frag) not in ids:
                    report.problems.append(f"{where} -> no anchor #{unquote(frag)} on {target}")
    for r in report.pages:
        report.problems += [f"{r.path}: {p}" for p in dict.fromkeys(r.problems)]
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default="_build/html")
    ap.add_argument("--toc", default="_toc.yml")
    ap.add_argument("--screenshots", default="_build/screenshots")
    args = ap.parse_args(argv)
    toc = args.toc if args.toc and Path(args.toc).exists() else None
    report = check_site(args.root, toc=toc, screenshots=args.screenshots,
                        progress=lambda i, n, p: print(f"[{i + 1}/{n}] {p}", file=sys.stderr))
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
