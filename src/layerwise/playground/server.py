"""The playground's HTTP server: standard library only.

``http.server.ThreadingHTTPServer`` gives one thread per connection; frames
reach the page as Server-Sent Events (``GET /api/events``), one JSON object
per event, from the :class:`~.frames.FrameStream`. Commands are small JSON
POSTs. Nothing else is needed to hold 30 frames a second on localhost, and no
extra dependency is installed for it.

Security, for a server that can be reached by anything on this machine and by
any page open in the user's browser:

* it binds only to the host it is given (default ``127.0.0.1``);
* every request must carry the per-launch random token (``?token=`` in the
  URL, or the ``X-Playground-Token`` header), compared in constant time;
* the ``Host`` header must name this server's port and a host that cannot be
  rebound by DNS (``localhost``, an IP literal, or the host given), and an
  ``Origin`` header, when present, must be this server's own origin -- so a
  web page elsewhere cannot drive it, even through DNS rebinding;
* request bodies are capped (JSON commands, CSV and model uploads); an
  answer is always a status code with a JSON ``{"error": ...}`` on failure,
  never a crash of the server.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import secrets
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

from .codegen import python_snippet
from .datasets import MAX_CSV_BYTES
from .frames import FrameStream
from .session import MAX_MODEL_BYTES, Session

STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
STATIC_FILES = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8",
                "views.js": "text/javascript; charset=utf-8"}
MAX_JSON_BYTES = 64_000
TOKEN_PLACEHOLDER = "__PLAYGROUND_TOKEN__"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data: blob:; "
                                "connect-src 'self'; frame-ancestors 'none'; form-action 'none'"),
}


class RequestError(Exception):
    """A request refused with an HTTP status and a one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _is_ip_literal(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class PlaygroundServer(ThreadingHTTPServer):
    """The playground's server, its session and its frame stream.

    Parameters
    ----------
    host : str, default "127.0.0.1", the only address bound
    port : int, default 0 (any free port)
    settings : dict, optional, the first run's settings
    token : str, optional, the access token (default: random, 32 bytes)
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host="127.0.0.1", port=0, settings=None, token=None):
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.token = token or secrets.token_urlsafe(32)
        self.bound_host = host
        super().__init__((host, port), PlaygroundHandler)
        self.session = Session(settings)
        self.stream = FrameStream(self.session)
        self.closing = threading.Event()

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        """The page's URL, token included."""
        host = self.bound_host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/?token={self.token}"

    def host_allowed(self, host_header):
        """True if ``Host`` names this port and a host DNS rebinding cannot fake."""
        if not host_header:
            return False
        parts = urlsplit(f"//{host_header}")
        try:
            port = parts.port
        except ValueError:
            return False
        name = (parts.hostname or "").lower()
        if port != self.port:
            return False
        return name == "localhost" or _is_ip_literal(name) or name == self.bound_host.lower()

    def close(self):
        """Stop the stream, the trainer thread and the socket."""
        self.closing.set()
        self.session.close()  # first: it also wakes the stream's thread
        self.stream.close()
        self.server_close()


class PlaygroundHandler(BaseHTTPRequestHandler):
    """Routes: ``/`` (the page), ``/static/*``, ``/api/*`` (see :meth:`_route`)."""

    server_version = "layerwise-playground"
    protocol_version = "HTTP/1.1"

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format, *args):  # quiet: the terminal shows only the URL
        pass

    def _send(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in {**SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, value, status=HTTPStatus.OK):
        self._send(status, json.dumps(value, allow_nan=False).encode())

    def _error(self, status, message):
        self._send_json({"error": message}, status)

    def _check_access(self, query):
        server = self.server
        if not server.host_allowed(self.headers.get("Host")):
            raise RequestError(HTTPStatus.FORBIDDEN, "Host header not allowed")
        origin = self.headers.get("Origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme != "http" or not server.host_allowed(parts.netloc):
                raise RequestError(HTTPStatus.FORBIDDEN, "cross-origin request refused")
        if self.headers.get("Sec-Fetch-Site") == "cross-site":
            raise RequestError(HTTPStatus.FORBIDDEN, "cross-site request refused")
        token = self.headers.get("X-Playground-Token") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(token.encode(), server.token.encode()):
            raise RequestError(HTTPStatus.FORBIDDEN, "missing or wrong token")

    def _body(self, limit):
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
        try:
            length = int(length)
        except ValueError:
            raise RequestError(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
        if length < 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if length > limit:
            # Not read: the connection is closed instead of draining a huge body.
            self.close_connection = True
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"body of {length} bytes; at most {limit} accepted here")
        return self.rfile.read(length)

    def _json_body(self):
        raw = self._body(MAX_JSON_BYTES)
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"body is not JSON ({exc})") from None
        if not isinstance(value, dict):
            raise RequestError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
        return value

    def _handle(self):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        try:
            self._check_access(query)
            self._route(parts.path, query)
        except RequestError as exc:
            self._error(exc.status, str(exc))
        except (ValueError, TypeError, KeyError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc).splitlines()[0] if str(exc) else
                        type(exc).__name__)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug must not take the server down; say what it was
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(exc).__name__}: {exc}")

    do_GET = do_POST = do_HEAD = _handle

    def do_PUT(self):
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    # ------------------------------------------------------------------- routes
    def _route(self, path, query):
        method = "GET" if self.command == "HEAD" else self.command
        routes = {
            ("GET", "/"): self._page,
            ("GET", "/api/events"): self._events,
            ("GET", "/api/frame"): lambda: self._send_json(self.server.stream.frame_now()),
            ("GET", "/api/state"): lambda: self._send_json(self.server.session.describe()),
            ("GET", "/api/export/model"): self._export_model,
            ("GET", "/api/export/code"): self._export_code,
            ("POST", "/api/command"): self._command,
            ("POST", "/api/upload/csv"): lambda: self._send_json(
                self.server.session.upload_csv(self._body(MAX_CSV_BYTES))),
            ("POST", "/api/upload/model"): lambda: self._send_json(
                self.server.session.import_model(self._body(MAX_MODEL_BYTES),
                                                 (query.get("name") or ["model.npz"])[0])),
        }
        if path.startswith("/static/") and method == "GET":
            return self._static(path[len("/static/"):])
        handler = routes.get((method, path))
        if handler is None:
            if any(p == path for _, p in routes):
                raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed on {path}")
            raise RequestError(HTTPStatus.NOT_FOUND, f"no such path {path}")
        handler()

    def _page(self):
        with open(os.path.join(STATIC_DIR, "index.html"), encoding="utf-8") as handle:
            html = handle.read().replace(TOKEN_PLACEHOLDER, self.server.token)
        self._send(HTTPStatus.OK, html.encode(), "text/html; charset=utf-8")

    def _static(self, name):
        if name not in STATIC_FILES:
            raise RequestError(HTTPStatus.NOT_FOUND, f"no such file {name}")
        with open(os.path.join(STATIC_DIR, name), "rb") as handle:
            self._send(HTTPStatus.OK, handle.read(), STATIC_FILES[name])

    def _export_model(self):
        self._send(HTTPStatus.OK, self.server.session.export_model(), "application/octet-stream",
                   {"Content-Disposition": 'attachment; filename="playground-model.npz"'})

    def _export_code(self):
        self._send(HTTPStatus.OK, python_snippet(self.server.session).encode(),
                   "text/x-python; charset=utf-8",
                   {"Content-Disposition": 'attachment; filename="playground_run.py"'})

    def _command(self):
        message = self._json_body()
        session = self.server.session
        action = message.get("action")
        extra = sorted(set(message) - {"action", "settings", "changes", "n", "points"})
        if extra:
            raise ValueError(f"unknown field {extra[0]!r} in the command")
        if action == "start":
            result = session.start(message.get("settings", {}))
        elif action == "update":
            result = session.update(message.get("changes"))
        elif action == "step":
            result = session.step(message.get("n", 1))
        elif action == "predict":
            points = np.asarray(message.get("points"), dtype=np.float64)
            if points.ndim != 2 or points.shape[0] != 2 or points.shape[1] > 10000 \
                    or not np.all(np.isfinite(points)):
                raise ValueError("points must be finite numbers, 2 rows (x1, x2) of at most "
                                 f"10000 columns; got shape {points.shape}")
            result = {"proba": session.predict_proba(points).tolist()}
        else:
            simple = {"reset": session.reset, "epoch": session.run_epoch, "play": session.play,
                      "pause": session.pause, "snapshot": session.save_snapshot,
                      "restore": session.restore_snapshot, "state": session.describe}
            if action not in simple:
                raise ValueError(f"unknown action {action!r}; expected one of start, update, step, "
                                 f"predict, {', '.join(simple)}")
            result = simple[action]()
        self._send_json(result)

    def _events(self):
        """Server-Sent Events: a ``data`` event per run, then a ``frame`` event per frame."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        for key, value in SECURITY_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command == "HEAD":
            return
        stream, seq, run = self.server.stream, None, None
        self.wfile.write(b"retry: 1000\n\n")
        self.wfile.flush()
        while not self.server.closing.is_set():
            latest = stream.wait(seq, timeout=10.0)
            if latest is None:
                self.wfile.write(b": keep-alive\n\n")
            else:
                seq, frame_run, payload, data_payload = latest
                chunks = []
                if frame_run != run:
                    run = frame_run
                    chunks.append(b"event: data\ndata: " + data_payload + b"\n\n")
                chunks.append(b"event: frame\ndata: " + payload + b"\n\n")
                self.wfile.write(b"".join(chunks))
            self.wfile.flush()
