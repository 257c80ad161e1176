"""Frames per second of ``layerwise playground``, measured in the page.

Starts ``python -m layerwise playground --no-browser`` in a subprocess, opens
the page in Debian's chromium (Playwright for Python), presses play and
counts, over ``--seconds`` seconds, the frames the page received (Server-Sent
Events) and the frames it drew. Two networks, as in the playground's issue:
[2, 8, 8, 1] on circles and [2, 64, 64, 64, 5] on a 5-class spiral, each
measured ``--repeats`` times; the median is reported, with the load average
(the machine is shared, and the figures mean little on a busy one).

    python benchmarks/playground_fps.py [--seconds 5] [--repeats 3] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CASES = {
    "[2, 8, 8, 1]": "#dataset=circles&hidden=8,8&activations=tanh,tanh&optimizer=adam",
    "[2, 64, 64, 64, 5]": ("#dataset=spiral&classes=5&hidden=64,64,64&activations=relu,relu,relu"
                           "&optimizer=adam&learning_rate=0.01"),
}


def measure(page, url, hash_, seconds):
    page.goto(url + hash_)
    page.wait_for_function("window.playground && window.playground.stats.framesDrawn > 0")
    page.click("[data-testid=play]")
    page.wait_for_function("window.playground.frame.playing")
    time.sleep(1.0)
    probe = "[window.playground.stats.framesDrawn, window.playground.stats.framesReceived, " \
            "performance.now(), window.playground.frame.steps]"
    before = page.evaluate(probe)
    time.sleep(seconds)
    after = page.evaluate(probe)
    page.click("[data-testid=pause]")
    elapsed = (after[2] - before[2]) / 1000
    return {"drawn_fps": (after[0] - before[0]) / elapsed,
            "received_fps": (after[1] - before[1]) / elapsed,
            "steps_per_second": (after[3] - before[3]) / elapsed}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    proc = subprocess.Popen([sys.executable, "-m", "layerwise", "playground", "--no-browser"],
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = proc.stdout.readline().split(": ", 1)[1].strip()
        results = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          bypass_csp=True)
            page = context.new_page()
            runs = {name: [] for name in CASES}
            for _ in range(args.repeats):  # round-robin, so both nets see the same load
                for name, hash_ in CASES.items():
                    runs[name].append(measure(page, url, hash_, args.seconds))
            browser.close()
        for name, samples in runs.items():
            results[name] = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
            results[name]["samples"] = samples
        results["load_average"] = os.getloadavg()
        results["cpus"] = os.cpu_count()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(f"{'network':<20} {'drawn fps':>10} {'received fps':>13} {'steps/s':>9}")
    for name in CASES:
        r = results[name]
        print(f"{name:<20} {r['drawn_fps']:>10.1f} {r['received_fps']:>13.1f} "
              f"{r['steps_per_second']:>9.0f}")
    print(f"load average {results['load_average'][0]:.2f} on {results['cpus']} CPUs")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
