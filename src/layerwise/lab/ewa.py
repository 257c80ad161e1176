"""Experiment 9: exponentially weighted averages of a noisy series.

``v_t = beta v_{t-1} + (1 - beta) theta_t`` with ``v_0 = 0``, and the
bias-corrected ``v_t / (1 - beta^t)``, for beta 0.5, 0.9 and 0.98 on a year
of seeded noisy daily temperatures.
"""

from __future__ import annotations

import os

import numpy as np

from .common import Result, Table, run_record

NAME = "ewa"
TITLE = "Exponentially weighted averages (beta 0.5, 0.9, 0.98), with and without bias correction"

BETAS = [0.5, 0.9, 0.98]
DAYS = 365
START = 20  # the days where bias correction matters most are the first 1/(1-beta)


def temperatures(seed=0):
    """A year of daily temperatures: a seasonal curve plus N(0, 3^2) noise (RandomState(50 + seed)).

    Returns
    -------
    day (365,), truth (365,) the noise-free curve, noisy (365,)
    """
    rng = np.random.RandomState(50 + seed)
    day = np.arange(1, DAYS + 1)
    truth = 12 + 9 * np.cos(2 * np.pi * (day - 20) / DAYS)  # the year starts in summer
    return day, truth, truth + rng.normal(0, 3, DAYS)


def ewa(series, beta, correct):
    """The exponentially weighted average of ``series`` (v_0 = 0), optionally bias-corrected."""
    v, out = 0.0, np.empty(len(series))
    for t, theta in enumerate(series, start=1):
        v = beta * v + (1 - beta) * theta
        out[t - 1] = v / (1 - beta**t) if correct else v
    return out


def run(ctx):
    """Run the experiment (see the module docstring)."""
    day, truth, noisy = temperatures(ctx.seed)
    runs, curves = {}, {}
    for beta in BETAS:
        for correct in (False, True):
            name = f"beta_{beta:g}" + ("_corrected" if correct else "")
            ctx.progress(name, 0, 1)
            v = ewa(noisy, beta, correct)
            err = v - truth
            runs[name] = run_record(beta=beta, bias_correction=correct,
                                    window=1 / (1 - beta),
                                    rmse=float(np.sqrt(np.mean(err**2))),
                                    rmse_first_days=float(np.sqrt(np.mean(err[:START] ** 2))),
                                    rmse_after=float(np.sqrt(np.mean(err[START:] ** 2))),
                                    mean_error_first_days=float(np.mean(err[:START])))
            curves[name] = v
            ctx.progress(name, 1, 1)
    setup = {
        "series": f"365 daily temperatures: 12 + 9 cos(2 pi (day - 20) / 365) + N(0, 3^2) noise "
                  f"from RandomState({50 + ctx.seed})",
        "betas": BETAS, "v0": 0,
        "bias_correction": "v_t / (1 - beta^t)",
        "errors": f"against the noise-free curve; 'first days' = days 1..{START}",
        "noise_rmse": float(np.sqrt(np.mean((noisy - truth) ** 2))),
    }
    table = Table(["beta", "~window (days)", "bias correction", f"mean error days 1-{START}",
                   f"RMSE days 1-{START}", f"RMSE days {START + 1}-365"])
    for name, rec in runs.items():
        table.rows.append([f"{rec['beta']:g}", f"{rec['window']:.0f}",
                           "yes" if rec["bias_correction"] else "no",
                           f"{rec['mean_error_first_days']:+.2f}",
                           f"{rec['rmse_first_days']:.2f}", f"{rec['rmse_after']:.2f}"])
    figures = []
    if os.path.isdir(ctx.out_dir):
        figures = _figures(ctx, day, truth, noisy, curves)
    return Result(setup=setup, runs=runs, table=table, figures=figures,
                  reading=_reading(runs, setup["noise_rmse"]))


def _figures(ctx, day, truth, noisy, curves):
    from .. import plots

    base = [{"label": "daily temperature", "x": day, "y": noisy, "kind": "scatter",
             "color": "#999999", "size": 7},
            {"label": "noise-free curve", "x": day, "y": truth, "color": "#000000",
             "style": "--", "linewidth": 1.2}]
    colors = ["#0072B2", "#D55E00", "#009E73"]
    year = base + [{"label": f"beta {b:g} (corrected)", "x": day,
                    "y": curves[f"beta_{b:g}_corrected"], "color": c}
                   for b, c in zip(BETAS, colors)]
    first = 40
    zoom = [{**s, "x": s["x"][:first], "y": s["y"][:first]} for s in base]
    for b, c in zip(BETAS, colors):
        zoom.append({"label": f"beta {b:g}", "x": day[:first], "y": curves[f"beta_{b:g}"][:first],
                     "color": c, "style": ":"})
        zoom.append({"label": f"beta {b:g} corrected", "x": day[:first],
                     "y": curves[f"beta_{b:g}_corrected"][:first], "color": c})
    path = "ewa_series.png"
    plots.curves(os.path.join(ctx.out_dir, path), [
        {"title": "A year of temperatures and its averages", "xlabel": "day",
         "ylabel": "temperature (deg C)", "series": year, "legend_loc": "below", "legend_ncol": 3},
        {"title": f"The first {first} days: bias correction (dotted = uncorrected)",
         "xlabel": "day", "ylabel": "temperature (deg C)", "series": zoom,
         "legend_loc": "below", "legend_ncol": 4, "legend_size": 8}], panel_size=(6.4, 4.4))
    return [(path, "Left: the series with the three bias-corrected averages. Right: the start of "
                   "the year, where the uncorrected averages (dotted) start near 0.")]


def _reading(runs, noise):
    lines = [f"The raw series is off the noise-free curve by {noise:.2f} deg C (RMSE)."]
    for b in BETAS:
        raw, cor = runs[f"beta_{b:g}"], runs[f"beta_{b:g}_corrected"]
        lines.append(f"beta {b:g} (~{raw['window']:.0f} days): over days 1-{START} the "
                     f"uncorrected average is off by {raw['mean_error_first_days']:+.2f} on "
                     f"average, the corrected one by {cor['mean_error_first_days']:+.2f}; "
                     f"afterwards RMSE {cor['rmse_after']:.2f}.")
    best = min(runs, key=lambda n: runs[n]["rmse_after"])
    rec = runs[best]
    label = (f"beta {rec['beta']:g}, "
             + ("bias-corrected" if rec["bias_correction"] else "uncorrected"))
    lines.append(f"Smallest error after day {START} (RMSE {rec['rmse_after']:.2f}): {label} -- "
                 "a larger beta averages more noise away but lags the curve (beta 0.98 trails "
                 "the seasons), a smaller one follows the noise. Bias correction only matters "
                 "for the first ~1/(1 - beta) days.")
    return lines
