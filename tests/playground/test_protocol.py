"""The playground's protocol, without a browser: commands, frames, files, refusals."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from layerwise import Network
from layerwise.tables import read_csv
from layerwise.playground.frames import BOUNDARY_RES, grid, plane_domain

SMALL = {"dataset": "circles", "points": 200, "hidden": [5, 3], "activations": ["tanh", "relu"],
         "optimizer": "momentum", "learning_rate": 0.1, "batch_size": 16, "seed": 3}


def load_model(client, tmp_path, name="model.npz"):
    status, headers, body = client.request("GET", "/api/export/model")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    path = tmp_path / name
    path.write_bytes(body)
    return Network.load(path), body


def test_start_step_epoch_and_counters(client):
    state = client.command("start", settings=SMALL)
    assert state["settings"]["hidden"] == [5, 3] and state["steps"] == 0
    assert state["steps_per_epoch"] == -(-100 // 16)  # 200 points, half for training
    state = client.command("step", n=3)
    assert (state["steps"], state["epoch"]) == (3, 0)
    state = client.command("epoch")
    assert (state["steps"], state["epoch"]) == (7, 1)
    state = client.command("epoch")
    assert (state["steps"], state["epoch"]) == (14, 2)
    state = client.command("reset")
    assert (state["steps"], state["epoch"]) == (0, 0)


def test_reset_and_same_settings_give_the_same_run(client, tmp_path):
    client.command("start", settings=SMALL)
    client.command("step", n=25)
    first, _ = load_model(client, tmp_path, "a.npz")
    client.command("reset")
    client.command("step", n=25)
    again, _ = load_model(client, tmp_path, "b.npz")
    client.command("start", settings={**SMALL, "seed": 4})
    client.command("step", n=25)
    other, _ = load_model(client, tmp_path, "c.npz")
    for key, value in first.parameters.items():
        np.testing.assert_array_equal(value, again.parameters[key], err_msg=key)
    assert not np.array_equal(first.parameters["W1"], other.parameters["W1"])


def test_export_reproduces_the_page_predictions(client, server, tmp_path):
    client.command("start", settings={**SMALL, "dataset": "spiral", "classes": 3})
    client.command("step", n=40)
    net, _ = load_model(client, tmp_path)
    data = server.session.data
    points = np.vstack([np.linspace(-1, 1, 50), np.linspace(1, -0.5, 50)])
    page = client.command("predict", points=points.tolist())["proba"]
    # The model file takes the standardised inputs the network was trained on.
    np.testing.assert_array_equal(np.array(page), net.predict_proba(data.normalise(points)))
    # And the boundary the page draws is that model's arg-max and confidence on the grid.
    frame = client.get_json("/api/frame")
    cells = grid(plane_domain(data), BOUNDARY_RES)
    proba = net.predict_proba(data.normalise(cells))
    drawn = np.frombuffer(base64.b64decode(frame["boundary"]["data"]), np.uint8)
    n = BOUNDARY_RES ** 2
    np.testing.assert_array_equal(drawn[:n], np.argmax(proba, axis=0))
    np.testing.assert_array_equal(drawn[n:], np.rint(255 * proba.max(axis=0)))


def test_mid_run_changes_apply_without_reset_and_the_snippet_replays_them(client, tmp_path):
    client.command("start", settings=SMALL)
    client.command("step", n=9)
    state = client.command("update", changes={"learning_rate": 0.02, "lambd": 0.3})
    assert state["steps"] == 9 and state["run"] == client.command("state")["run"]
    client.command("step", n=5)
    client.command("update", changes={"optimizer": "adam", "learning_rate": 0.01, "beta1": 0.8})
    client.command("step", n=11)
    client.command("update", changes={"keep_prob": 0.7})
    client.command("epoch")
    page, _ = load_model(client, tmp_path, "page.npz")
    status, headers, code = client.request("GET", "/api/export/code")
    assert status == 200 and headers["Content-Type"].startswith("text/x-python")
    script = tmp_path / "run.py"
    script.write_bytes(code)
    run_dir = tmp_path / "replay"
    run_dir.mkdir()
    done = subprocess.run([sys.executable, str(script)], cwd=run_dir, capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    replayed = Network.load(run_dir / "playground-model.npz")
    for key, value in page.parameters.items():
        np.testing.assert_array_equal(value, replayed.parameters[key], err_msg=key)
    # The changes mattered: the same steps without them end elsewhere.
    client.command("start", settings=SMALL)
    client.command("step", n=page_steps(client, tmp_path))
    plain, _ = load_model(client, tmp_path, "plain.npz")
    assert not np.allclose(plain.parameters["W1"], page.parameters["W1"])


def page_steps(client, tmp_path):
    # 9 + 5 + 11 steps, then to the end of the epoch of 7 steps: 28.
    return 28


def test_snapshot_restore_continues_identically(client, tmp_path):
    client.command("start", settings={**SMALL, "optimizer": "adam", "keep_prob": 0.8})
    client.command("step", n=10)
    client.command("snapshot")
    client.command("step", n=13)
    first, _ = load_model(client, tmp_path, "first.npz")
    state = client.command("restore")
    assert state["steps"] == 10
    client.command("step", n=13)
    second, _ = load_model(client, tmp_path, "second.npz")
    for key, value in first.parameters.items():
        np.testing.assert_array_equal(value, second.parameters[key], err_msg=key)


def test_play_and_pause_train_in_the_background(client):
    client.command("start", settings=SMALL)
    client.command("play")
    import time

    deadline = time.monotonic() + 20
    while client.command("state")["steps"] < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    state = client.command("pause")
    assert state["steps"] >= 50 and not state["playing"]
    time.sleep(0.2)
    settled = client.command("state")["steps"]
    time.sleep(0.3)
    assert client.command("state")["steps"] == settled


def test_frame_contents(client, server):
    client.command("start", settings=SMALL)
    client.command("step", n=4)
    frame = client.get_json("/api/frame")
    assert frame["layer_dims"] == [2, 5, 3, 1] and frame["steps"] == 4
    res = frame["neurons"]["res"]
    sizes = [len(base64.b64decode(b)) for b in frame["neurons"]["layers"]]
    assert sizes == [5 * res * res, 3 * res * res]
    W2 = np.frombuffer(base64.b64decode(frame["weights"][1]), "<f4").reshape(3, 5)
    np.testing.assert_allclose(W2, server.session.network.parameters["W2"], rtol=1e-6)
    data = server.session.data
    cost = server.session.network.evaluate(data.Xn_train, data.Y_train)["cost"]
    assert frame["loss_train"] == pytest.approx(cost, rel=1e-12)
    assert len(frame["curves"]["grad_norms"]) == 3


def test_gradient_norms_match_torch(client, server):
    torch = pytest.importorskip("torch")
    client.command("start", settings={**SMALL, "lambd": 0.5})
    client.command("step", n=6)
    frame = client.get_json("/api/frame")
    net, data = server.session.network, server.session.data
    params = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
              for k, v in net.parameters.items()}
    A = torch.tensor(data.Xn_train)
    Y = torch.tensor(data.Y_train)
    A = torch.tanh(params["W1"] @ A + params["b1"])
    A = torch.relu(params["W2"] @ A + params["b2"])
    P = torch.sigmoid(params["W3"] @ A + params["b3"])
    m = Y.shape[1]
    cost = torch.nn.functional.binary_cross_entropy(P, Y)
    cost = cost + 0.5 / (2 * m) * sum((params[f"W{l}"] ** 2).sum() for l in (1, 2, 3))
    cost.backward()
    expected = [params[f"W{l}"].grad.norm().item() for l in (1, 2, 3)]
    got = [series[-1] for series in frame["curves"]["grad_norms"]]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_event_stream_sends_data_then_frames(server, client):
    run = client.command("start", settings=SMALL)["run"]
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"GET /api/events?token={server.token} HTTP/1.1\r\nHost: {client.host}\r\n\r\n"
                 .encode())
    client.command("step", n=2)
    buffer, frames = b"", []
    while not any(f["run"] == run and f["steps"] == 2 for f in frames):
        chunk = sock.recv(65536)
        assert chunk, "stream closed"
        buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        # Complete events only: the text after the last blank line may be partial.
        events = [e for e in rest.split(b"\n\n")[:-1] if e.startswith(b"event:")]
        frames = [json.loads(e.split(b"data: ", 1)[1]) for e in events
                  if e.startswith(b"event: frame")]
    sock.close()
    assert b"200" in head.splitlines()[0] and b"text/event-stream" in head
    kinds = [e.split(b"\n", 1)[0] for e in events]
    first_of_run = next(i for i, e in enumerate(events)
                        if e.startswith(b"event: frame") and json.loads(e.split(b"data: ", 1)[1])["run"] == run)
    # The run's points come once, just before its first frame.
    assert kinds[first_of_run - 1] == b"event: data"
    data = json.loads(events[first_of_run - 1].split(b"data: ", 1)[1])
    assert data["run"] == run and data["n_classes"] == 2
    assert len(base64.b64decode(data["train"]["x"])) == 4 * 2 * 100  # 100 float32 points
    assert kinds.count(b"event: data") <= 2


# --------------------------------------------------------------------------- security
def test_the_page_needs_the_token(client):
    status, _, body = client.request("GET", f"/?token={client.token}", token=False)
    assert status == 200 and client.token.encode() in body and b"<canvas" in body
    for path in ("/", "/?token=wrong", "/static/app.js", "/api/state", "/api/events",
                 "/api/export/model"):
        status, _, body = client.request("GET", path, token=False)
        assert status == 403, path
        assert json.loads(body)["error"] == "missing or wrong token"
    status, _, _ = client.request("GET", f"/static/app.js?token={client.token}", token=False)
    assert status == 200
    status, _, _ = client.request("POST", "/api/command", b'{"action": "play"}',
                                  {"X-Playground-Token": "x" * 43}, token=False)
    assert status == 403


@pytest.mark.parametrize("host", ["evil.example:{port}", "attacker.127.0.0.1.nip.io:{port}",
                                  "127.0.0.1:1", "localhost", ""])
def test_foreign_host_headers_are_refused(client, server, host):
    # A DNS-rebinding page reaches 127.0.0.1 under its own name: its Host gives it away.
    status, _, body = client.request("GET", "/api/state", host=host.format(port=server.port))
    assert status == 403 and b"Host" in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_own_host_headers_are_accepted(client, server, host):
    status, _, _ = client.request("GET", "/api/state", host=host.format(port=server.port))
    assert status == 200


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"},
                                     {"Origin": "https://127.0.0.1:{port}"},
                                     {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}])
def test_cross_site_requests_are_refused(client, server, headers):
    headers = {k: v.format(port=server.port) for k, v in headers.items()}
    before = client.command("state")["steps"]
    status, _, _ = client.request("POST", "/api/command", b'{"action": "step", "n": 5}',
                                  {"Content-Type": "application/json", **headers})
    assert status == 403
    assert client.command("state")["steps"] == before


def test_same_origin_requests_are_accepted(client, server):
    status, _, _ = client.request("POST", "/api/command", b'{"action": "step"}',
                                  {"Origin": f"http://127.0.0.1:{server.port}"})
    assert status == 200


@pytest.mark.parametrize("body,message", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"action": "fly"}', "unknown action 'fly'"),
    (b'{"action": "step", "n": "many"}', "step count n"),
    (b'{"action": "step", "n": 0}', "step count n"),
    (b'{"action": "start", "settings": {"hidden": [100]}}', "'hidden' must be in [1, 64]"),
    (b'{"action": "start", "settings": {"hidden": [1,1,1,1,1,1,1,1,1]}}', "1 to 8"),
    (b'{"action": "start", "settings": {"learning_rate": -1}}', "'learning_rate'"),
    (b'{"action": "start", "settings": {"colour": "red"}}', "unknown setting 'colour'"),
    (b'{"action": "start", "settings": {"activations": ["tanh", "swish"]}}', "swish"),
    (b'{"action": "start", "settings": {"dataset": "circles", "classes": 3}}', "classes"),
    (b'{"action": "start", "settings": {"dataset": "csv"}}', "needs an uploaded CSV"),
    (b'{"action": "start", "settings": "circles"}', "JSON object"),
    (b'{"action": "update", "changes": {"hidden": [3]}}', "cannot change during a run"),
    (b'{"action": "update", "changes": {"keep_prob": 0}}', "'keep_prob'"),
    (b'{"action": "restore"}', "no snapshot"),
    (b'{"action": "predict", "points": [[1, 2, 3]]}', "points must be"),
    (b'{"action": "step", "bogus": 1}', "unknown field 'bogus'"),
])
def test_bad_messages_get_an_error_and_the_server_lives_on(client, body, message):
    status, _, answer = client.request("POST", "/api/command", body,
                                       {"Content-Type": "application/json"})
    assert status == 400
    assert message in json.loads(answer)["error"]
    assert client.command("state")["run"] >= 1


def test_http_level_misuse(client, server):
    assert client.request("GET", "/api/nothing")[0] == 404
    assert client.request("GET", "/static/../server.py")[0] == 404
    assert client.request("PUT", "/api/command", b"{}")[0] == 405
    assert client.request("GET", "/api/command")[0] == 405
    assert client.request("OPTIONS", "/api/command")[0] == 405  # no CORS preflight answered
    status, headers, body = client.request("HEAD", "/api/events")
    assert status == 200 and body == b"" and headers["Content-Type"] == "text/event-stream"
    # An over-long body is refused from its Content-Length, before it is read.
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"POST /api/upload/csv HTTP/1.1\r\nHost: {client.host}\r\n"
                 f"X-Playground-Token: {client.token}\r\nContent-Length: 1000001\r\n\r\n".encode())
    answer = b""
    while chunk := sock.recv(4000):  # the server closes the connection after answering
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413") and b"at most 1000000" in answer
    # A malformed request line is answered by http.server and the server carries on.
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"\x00\xff garbage\r\n\r\n")
    assert b"400" in sock.recv(1000)
    sock.close()
    assert client.command("state")["run"] >= 1


# ------------------------------------------------------------------------ files
def test_csv_upload_trains_on_the_file(client, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    labels = np.where(X[:, 0] > 0.3, "cat", np.where(X[:, 1] > 0, "dog", "emu"))
    text = "a,b,animal\n" + "".join(f"{x:.5f},{y:.5f},{k}\n" for (x, y), k in zip(X, labels))
    state = client.command("state")
    status, _, body = client.request("POST", "/api/upload/csv", text.encode(),
                                     {"Content-Type": "text/csv"})
    assert status == 200, body
    state = json.loads(body)
    assert state["settings"]["dataset"] == "csv" and state["settings"]["classes"] == 3
    frame = client.get_json("/api/frame")
    assert frame["layer_dims"][-1] == 3


def test_csv_upload_refused_with_the_cli_message(client, tmp_path):
    bad = "x1,x2,y\n1,2,0\n3,oops,1\n5,6,0\n7,8,1\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad)
    with pytest.raises(ValueError) as cli_error:
        read_csv(str(path), "y")
    expected = str(cli_error.value).split(": ", 1)[1]  # without the file name
    status, _, body = client.request("POST", "/api/upload/csv", bad.encode())
    assert status == 400
    assert expected.split(": ", 1)[-1] in json.loads(body)["error"]
    for text, message in [("x1,y\n1,0\n2,1\n", "exactly 3 columns"),
                          ("x1,x2,y\n" + "".join(f"{i},{i},{i % 7}\n" for i in range(30)),
                           "2 to 5 classes"),
                          ("\xff\xfe", "UTF-8")]:
        data = text.encode("latin-1") if text.startswith("\xff") else text.encode()
        status, _, body = client.request("POST", "/api/upload/csv", data)
        assert status == 400 and message in json.loads(body)["error"], body


def test_import_a_model_and_continue(client, server, tmp_path):
    client.command("start", settings={**SMALL, "hidden": [7], "activations": ["relu"]})
    client.command("step", n=30)
    trained, raw = load_model(client, tmp_path)
    client.command("start", settings=SMALL)
    status, _, body = client.request("POST", "/api/upload/model?name=mine.npz", raw)
    assert status == 200, body
    state = json.loads(body)
    assert state["settings"]["hidden"] == [7] and state["origin"] == "mine.npz"
    assert state["steps"] == 0
    points = np.array([[0.1, -0.4], [0.3, 0.9]])
    page = np.array(client.command("predict", points=points.tolist())["proba"])
    np.testing.assert_array_equal(page, trained.predict_proba(server.session.data.normalise(points)))
    client.command("step", n=5)  # and it trains on
    assert client.command("state")["steps"] == 5


def test_import_refuses_bad_models(client, tmp_path):
    client.command("start", settings={**SMALL, "dataset": "spiral", "classes": 3})
    _, raw = load_model(client, tmp_path)
    client.command("start", settings=SMALL)  # two classes: a 3-class model does not fit
    status, _, body = client.request("POST", "/api/upload/model", raw)
    assert status == 400 and "output" in json.loads(body)["error"]
    status, _, body = client.request("POST", "/api/upload/model", b"PK\x03\x04 not a zip")
    assert status == 400
    wide = Network([2, 65, 1], ["tanh", "sigmoid"], seed=0)
    wide.save(tmp_path / "wide.npz")
    status, _, body = client.request("POST", "/api/upload/model", (tmp_path / "wide.npz").read_bytes())
    assert status == 400 and "64" in json.loads(body)["error"]
    assert client.command("state")["settings"]["hidden"] == [5, 3]


# --------------------------------------------------------------------------- the CLI
def _launch(*args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "layerwise", "playground", "--no-browser", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_cli_prints_the_url_and_stops_cleanly_on_ctrl_c():
    import signal
    import urllib.request

    proc = _launch("--port", "0")
    try:
        line = proc.stdout.readline()
        assert line.startswith("layerwise playground: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_cli_refuses_a_bad_port_in_one_line():
    proc = _launch("--port", "70000")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().splitlines() == ["layerwise playground: error: --port must be in "
                                        "[0, 65535]; got 70000"]


def test_a_diverging_run_pauses_with_its_message(client):
    client.command("start", settings={"optimizer": "gd", "learning_rate": 10, "hidden": [64, 64],
                                      "activations": ["linear", "linear"], "init": "random",
                                      "init_scale": 10, "batch_size": 0})
    state = client.command("step", n=50)
    assert "smaller learning rate" in state["error"] and not state["playing"]
    assert state["error"].startswith("the cost became nan in epoch ")
    assert client.command("step")["error"].startswith("this run has stopped")
    frame = client.get_json("/api/frame")  # the last finite parameters are still drawn
    assert frame["error"] and frame["layer_dims"] == [2, 64, 64, 1]
    state = client.command("reset")
    assert state["error"] is None and state["steps"] == 0


def test_the_page_is_self_contained(client):
    # Offline, no CDN: every script and stylesheet is one of ours, nothing is fetched elsewhere.
    import re

    from layerwise.playground import server as server_module

    status, _, page = client.request("GET", f"/?token={client.token}", token=False)
    html = page.decode()
    referenced = re.findall(r'(?:src|href)="static/([^"?]+)\?token=', html)
    assert sorted(referenced) == sorted(server_module.STATIC_FILES)
    for name in server_module.STATIC_FILES:
        status, headers, body = client.request("GET", f"/static/{name}")
        assert status == 200 and headers["Content-Type"] == server_module.STATIC_FILES[name]
        assert not re.search(rb"https?://", body), name
    assert not re.search(r"https?://", html)
