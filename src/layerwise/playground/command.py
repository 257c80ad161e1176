"""``layerwise playground [--host 127.0.0.1] [--port 0] [--no-browser]``.

Starts the playground's server (:mod:`.server`), prints the page's URL (with
its per-launch token) and opens it in the default browser; Ctrl-C stops the
trainer thread and the server and exits with status 0.
"""

from __future__ import annotations

import sys
import threading


def add_parser(subparsers):
    """Register ``playground`` with the ``layerwise`` command line."""
    parser = subparsers.add_parser(
        "playground", help="watch a network learn, live, in the browser",
        description="Start a local server and open the playground page: choose data, network "
                    "and optimizer, press play, and watch the decision boundary, every neuron, "
                    "the weights, the curves and the gradient norms change. Ctrl-C stops it.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=0,
                        help="port to bind (default 0: any free port)")
    parser.add_argument("--no-browser", action="store_true",
                        help="print the URL but do not open a browser")
    parser.set_defaults(run=run)


def _limit_blas_threads():
    # The trainer thread and the frame thread already keep both cores of a
    # small machine busy; BLAS threads on top of them make every matrix
    # product of these small nets several times slower.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings threadpoolctl; without it, run as is
        return None
    return threadpool_limits(limits=1, user_api="blas")


def run(args):
    """Serve until Ctrl-C; returns the exit status."""
    from .server import PlaygroundServer

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be in [0, 65535]; got {args.port}")
    _limit_blas_threads()
    # The trainer thread runs small steps that hold the interpreter lock; a
    # shorter switch interval lets the frame and HTTP threads in promptly.
    sys.setswitchinterval(0.0005)
    try:
        server = PlaygroundServer(args.host, args.port)
    except OSError as exc:
        raise OSError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})") from None
    print(f"layerwise playground: {server.url}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    if not args.no_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        sys.stderr.write("layerwise playground: stopped\n")
    finally:
        server.close()
    return 0
