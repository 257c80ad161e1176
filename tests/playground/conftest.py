"""Fixtures: a playground server in this process, and a small HTTP client for it."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

from layerwise.playground.server import PlaygroundServer


class Client:
    """Talks to a running server; every call returns ``(status, headers, body bytes)``."""

    def __init__(self, server):
        self.server = server
        self.host = f"127.0.0.1:{server.port}"
        self.token = server.token

    def request(self, method, path, body=None, headers=None, token=True, host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        all_headers = {"Host": self.host if host is None else host}
        if token:
            all_headers["X-Playground-Token"] = self.token
        all_headers.update(headers or {})
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in all_headers.items():
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), data

    def command(self, action, expect=200, **fields):
        status, _, body = self.request("POST", "/api/command",
                                       json.dumps({"action": action, **fields}).encode(),
                                       {"Content-Type": "application/json"})
        result = json.loads(body)
        assert status == expect, (status, result)
        return result

    def get_json(self, path):
        status, _, body = self.request("GET", path)
        assert status == 200, (status, body[:200])
        return json.loads(body)


@pytest.fixture
def server():
    srv = PlaygroundServer("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.close()
    thread.join(timeout=5)


@pytest.fixture
def client(server):
    return Client(server)
