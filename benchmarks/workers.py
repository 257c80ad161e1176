"""One worker process per system, driven in rounds by the parent (W1 and W3).

Why processes: running scikit-learn's ``MLPClassifier.fit`` in the same process
made layerwise's later epochs slower; more generally, a library may change
process-wide state (thread pools, allocator settings, CPU flags) that another
library then pays for. So every system gets a fresh interpreter ("spawn":
nothing is inherited from the parent's libraries), builds its own data from the
same seed and its own model from the same initial weights, and never shares a
process with another system.

Why rounds: the parent asks one worker for one epoch, waits for its answer,
then asks the next, so only one system computes at any time (the others block
on their pipe) and a burst of load from elsewhere on the machine lands on all
systems alike. Before each request the parent waits ``settle_s``: an idle
OpenBLAS pool keeps its threads spinning for about 0.1 s after its last call,
and that spin would otherwise eat into the next system's epoch.

Protocol (parent -> worker, worker answers each with one message):
``("run", spec)`` -> builds data and runner, ``"ready"``; then ``epochs`` times
``("epoch",)`` -> ``{"seconds", ["loss_first_epoch"]}``; then ``("finish",)`` ->
the system's result dict; ``("stop",)`` ends the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback


class WorkerError(RuntimeError):
    """A worker failed; the message carries its traceback."""


def _expect(conn, what):
    msg = conn.recv()
    if msg[0] != what:
        raise WorkerError(f"worker expected {what!r}, got {msg[0]!r}")
    return msg[1] if len(msg) > 1 else None


def _serve(system, conn):
    """The worker's main loop (runs in the child process)."""
    import workloads as wl

    cls = wl.W1_SYSTEMS[system]
    cached_key, cached = None, None
    while True:
        msg = conn.recv()
        if msg[0] == "stop":
            return
        if msg[0] != "run":
            raise WorkerError(f"worker expected 'run' or 'stop', got {msg[0]!r}")
        spec = msg[1]
        m_data, n_x, data_seed = spec["data"]
        if system == "gemm":  # only the data's size matters to the GEMM floor
            D, y = _Shape(spec["m"]), None
        else:
            if cached_key != spec["data"]:
                cached = None  # drop the old data before making the new
                cached = wl.mnist_like(m_data, n_x, seed=data_seed)
                cached_key = spec["data"]
            D, y = cached[0][:spec["m"]], cached[1][:spec["m"]]
        runner = cls(D, y, spec["dims"], batch_size=spec["batch_size"], seed=spec["seed"],
                     lr=spec["lr"])
        conn.send(("ready",))
        _expect(conn, "epoch")

        def between(epoch):
            reply = {"seconds": runner.times[-1]}
            if epoch == 0 and hasattr(runner, "loss"):
                # the loss after one epoch from the shared initial weights, off the clock
                reply["loss_first_epoch"] = runner.loss()
            conn.send(("epoch", reply))
            if epoch + 1 < spec["epochs"]:
                _expect(conn, "epoch")

        runner.train(spec["epochs"], between)
        _expect(conn, "finish")
        result = {"epoch_s": list(runner.times), "pid": os.getpid()}
        if hasattr(runner, "loss"):
            result["loss"] = runner.loss()
        if hasattr(runner, "info"):
            result.update(runner.info())
        conn.send(("result", result))
        del runner


class _Shape:
    """Stands in for the data where only its number of rows is read."""

    def __init__(self, m):
        self.shape = (m,)


def _worker_main(system, conn):
    try:
        # Import the system's library now, while the parent waits, not during a round.
        if system == "torch":
            import torch  # noqa: F401
        elif system == "sklearn":
            import sklearn.neural_network  # noqa: F401
        elif system == "layerwise":
            import layerwise  # noqa: F401
        conn.send(("ready",))
        _serve(system, conn)
    except BaseException:  # noqa: BLE001 - report anything, then end the worker
        try:
            conn.send(("error", traceback.format_exc()))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


class Workers:
    """One spawned worker process per system; use as a context manager.

    Parameters
    ----------
    systems : sequence of str, keys of ``workloads.W1_SYSTEMS``, in round order
    settle_s : float, pause before each request (see the module docstring)
    """

    def __init__(self, systems, settle_s=0.2):
        self.systems, self.settle_s = list(systems), settle_s
        self._procs, self._conns = {}, {}
        ctx = multiprocessing.get_context("spawn")
        try:
            for system in self.systems:  # one at a time: imports do not overlap either
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(system, child), daemon=True,
                                   name=f"bench-{system}")
                proc.start()
                child.close()
                self._procs[system], self._conns[system] = proc, parent
                self._receive(system, "ready")
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _receive(self, system, what):
        conn = self._conns[system]
        try:
            msg = conn.recv()
        except EOFError:
            raise WorkerError(f"the {system} worker died (exit code "
                              f"{self._procs[system].exitcode})") from None
        if msg[0] == "error":
            raise WorkerError(f"the {system} worker failed:\n{msg[1]}")
        if msg[0] != what:
            raise WorkerError(f"the {system} worker sent {msg[0]!r}, expected {what!r}")
        return msg[1] if len(msg) > 1 else None

    def _ask(self, system, msg, what):
        if self.settle_s:
            time.sleep(self.settle_s)
        self._conns[system].send(msg)
        return self._receive(system, what)

    def run(self, spec):
        """Train every system for ``spec["epochs"]`` epochs in rounds; their results by name."""
        for system in self.systems:
            self._ask(system, ("run", spec), "ready")
        first = {}
        for _ in range(spec["epochs"]):
            for system in self.systems:
                reply = self._ask(system, ("epoch",), "epoch")
                if "loss_first_epoch" in reply:
                    first[system] = reply["loss_first_epoch"]
        out = {}
        for system in self.systems:
            out[system] = self._ask(system, ("finish",), "result")
            if system in first:
                out[system]["loss_first_epoch"] = first[system]
        return out

    def close(self):
        for system, conn in self._conns.items():
            try:
                conn.send(("stop",))
            except (OSError, ValueError):
                pass
        for system, proc in self._procs.items():
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join()
            self._conns[system].close()
        self._procs, self._conns = {}, {}
