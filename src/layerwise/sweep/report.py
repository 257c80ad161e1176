"""The HTML report of a sweep: one offline page (no CDN, no network).

``write_report(storage, out_dir)`` reads the study (read-only) and the
checkpoints beside it and writes into ``out_dir``

* ``index.html`` -- a sortable table of every trial (click a column head), a
  parallel-coordinates plot of the parameters against the metric, the metric
  against each parameter, and the learning curves of the best trials; the
  figures are matplotlib PNGs embedded in the page;
* ``best_model.lw`` -- the best trial's model file (repeat 0), the same format
  as every layerwise model (``Network.load``), with the data's preprocessing
  in its metadata;
* ``best_config.json`` -- that trial's parameters, network layout and
  ``TrainConfig``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os

import numpy as np
import optuna
from optuna.trial import TrialState

from ..files import atomic_write
from ..plots import PALETTE
from .spaces import decoded_params
from .spec import SPEC_ATTR, parse_spec
from .storage import CheckpointStore, StorageError, checkpoint_dir, open_storage, storage_url

#: Learning curves are drawn for this many of the best trials.
N_CURVES = 5


def _figure(n_panels, ncols, panel=(4.2, 3.2)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), dpi=100)
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(nrows, ncols, i + 1) for i in range(n_panels)]


def _png(fig):
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _axis_values(space, values):
    """Positions in [0, 1] of a parameter's values on its axis, and the axis' tick labels."""
    if space.kind == "categorical":
        labels = [json.dumps(c) if isinstance(c, list) else str(c) for c in space.choices]
        index = {label: i for i, label in enumerate(labels)}
        n = max(len(labels) - 1, 1)
        pos = [index[json.dumps(v) if isinstance(v, list) else str(v)] / n for v in values]
        return pos, [(i / n, label) for i, label in enumerate(labels)]
    low, high = float(space.low), float(space.high)
    f = np.log10 if space.log else (lambda x: x)
    span = (f(high) - f(low)) or 1.0
    pos = [(f(float(v)) - f(low)) / span for v in values]
    ticks = [(0.0, f"{low:g}"), (1.0, f"{high:g}")]
    return pos, ticks


def parallel_coordinates(spec, trials):
    """Each completed trial a line through one axis per parameter and the metric, coloured by the metric."""
    from matplotlib import cm, colors, colormaps

    names = [p.name for p in spec.params]
    fig, (ax,) = _figure(1, 1, panel=(max(6.0, 1.7 * (len(names) + 1)), 4.2))
    values = np.array([t.value for t in trials])
    vmin, vmax = float(values.min()), float(values.max())
    norm = colors.Normalize(vmin, vmax if vmax > vmin else vmin + 1e-12)
    cmap = colormaps["viridis"]
    columns, ticks = [], []
    for space in spec.params:
        pos, tk = _axis_values(space, [decoded_params(t.params)[space.name] for t in trials])
        columns.append(pos)
        ticks.append(tk)
    span = (vmax - vmin) or 1.0
    columns.append(list((values - vmin) / span))
    ticks.append([(0.0, f"{vmin:.4g}"), (1.0, f"{vmax:.4g}")])
    rng = np.random.default_rng(0)  # a little jitter separates lines that share categorical values
    jitter = rng.uniform(-0.015, 0.015, size=(len(trials), len(columns)))
    order = np.argsort(values if spec.direction == "maximize" else -values)  # best drawn last, on top
    for i in order:
        ys = [columns[j][i] + (jitter[i, j] if j < len(spec.params) else 0.0) for j in range(len(columns))]
        ax.plot(range(len(columns)), ys, color=cmap(norm(values[i])), alpha=0.8, linewidth=1.4)
    for j, tk in enumerate(ticks):
        ax.axvline(j, color="#444444", linewidth=0.8)
        for y, label in tk:
            ax.text(j + 0.04, y, label, fontsize=8, va="center", ha="left", color="#222222")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(names + [spec.metric], fontsize=9)
    ax.set_yticks([])
    ax.set_xlim(-0.2, len(columns) - 0.5)
    ax.set_ylim(-0.08, 1.08)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=spec.metric, fraction=0.03)
    ax.set_title(f"{len(trials)} completed trials: parameters and {spec.metric}", fontsize=10)
    return _png(fig)


def metric_vs_params(spec, trials):
    """One panel per parameter: the metric of each completed trial against its value."""
    fig, axes = _figure(len(spec.params), min(3, len(spec.params)))
    values = [t.value for t in trials]
    rng = np.random.default_rng(0)
    for ax, space in zip(axes, spec.params):
        xs = [decoded_params(t.params)[space.name] for t in trials]
        if space.kind == "categorical":
            labels = [json.dumps(c) if isinstance(c, list) else str(c) for c in space.choices]
            index = {label: i for i, label in enumerate(labels)}
            pos = [index[json.dumps(x) if isinstance(x, list) else str(x)] for x in xs]
            ax.scatter(np.array(pos) + rng.uniform(-0.12, 0.12, len(pos)), values, s=22,
                       color=PALETTE[0], alpha=0.8)
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels(labels, fontsize=8, rotation=30 if len(labels) > 4 else 0)
            ax.set_xlim(-0.5, len(labels) - 0.5)
        else:
            ax.scatter(xs, values, s=22, color=PALETTE[0], alpha=0.8)
            if space.log:
                ax.set_xscale("log")
        ax.set_xlabel(space.name)
        ax.set_ylabel(spec.metric)
        ax.grid(alpha=0.3)
    return _png(fig)


def learning_curves(spec, best, histories):
    """The metric and the training cost per epoch of the best trials (repeat 0)."""
    fig, (ax_metric, ax_cost) = _figure(2, 2, panel=(5.0, 3.6))
    for colour, trial in zip(PALETTE, best):
        history = histories.get(trial.number)
        if not history:
            continue
        label = f"trial {trial.number} ({trial.value:.4g})"
        metric = [np.nan if v is None else v for v in history.get(spec.history_key, [])]
        epochs = np.arange(1, len(metric) + 1)
        ax_metric.plot(epochs, metric, color=colour, label=label, linewidth=1.4)
        cost = history.get("cost", [])
        ax_cost.plot(np.arange(1, len(cost) + 1), cost, color=colour, label=label, linewidth=1.4)
    ax_metric.set_ylabel(spec.metric)
    ax_cost.set_ylabel("training cost")
    ax_cost.set_yscale("log")
    for ax in (ax_metric, ax_cost):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _png(fig)


def _cell(value):
    if value is None:
        return "", ""
    if isinstance(value, float):
        return f"{value:.6g}", repr(value)
    if isinstance(value, list):
        return html.escape(json.dumps(value)), html.escape(json.dumps(value))
    return html.escape(str(value)), html.escape(str(value))


SORT_JS = """
document.querySelectorAll('table.trials th').forEach(function (th, column) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var ascending = th.getAttribute('data-order') !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-order'); });
    th.setAttribute('data-order', ascending ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].getAttribute('data-key'), y = b.cells[column].getAttribute('data-key');
      var nx = parseFloat(x), ny = parseFloat(y), c;
      if (x === '' && y !== '') { return 1; }
      if (y === '' && x !== '') { return -1; }
      c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return ascending ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table.trials { border-collapse: collapse; font-size: 0.85em; }
table.trials th, table.trials td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
table.trials td.text { text-align: left; }
table.trials th { background: #eef; cursor: pointer; user-select: none; }
table.trials th[data-order=asc]::after { content: " \\25B2"; }
table.trials th[data-order=desc]::after { content: " \\25BC"; }
tr.best td { background: #fff4c2; font-weight: bold; }
img { max-width: 100%; }
code { background: #f4f4f4; padding: 1px 4px; }
"""


def _load(url, study_name):
    storage = open_storage(url, writable=False, must_exist=True)
    names = [s.study_name for s in optuna.get_all_study_summaries(storage)] if study_name is None else [study_name]
    if not names:
        raise StorageError(f"{url} holds no study")
    if len(names) > 1:
        raise StorageError(f"{url} holds several studies ({', '.join(names)}); choose one with --study")
    try:
        study = optuna.load_study(study_name=names[0], storage=storage)
    except KeyError:
        raise StorageError(f"{url} has no study named {names[0]!r}") from None
    raw = study.user_attrs.get(SPEC_ATTR)
    if raw is None:
        raise StorageError(f"the study {names[0]!r} in {url} was not made by `layerwise sweep`")
    return study, parse_spec(raw), storage


def write_report(storage, out_dir, study_name=None):
    """Write the report of a study into ``out_dir`` (created if needed).

    Parameters
    ----------
    storage : str, the study's storage URL or SQLite file
    out_dir : str, folder for ``index.html``, ``best_model.lw``, ``best_config.json``
    study_name : str, optional; default the storage's only study

    Returns
    -------
    str, the path of ``index.html``
    """
    url = storage_url(storage, None)
    study, spec, rdb = _load(url, study_name)
    try:
        return _write(url, study, spec, out_dir)
    finally:
        rdb.remove_session()
        rdb.engine.dispose()  # close the connections: no -wal/-shm files left behind


def _write(url, study, spec, out_dir):
    store = CheckpointStore(checkpoint_dir(url, spec.name))
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    reverse = spec.direction == "maximize"
    ranked = sorted(complete, key=lambda t: t.value, reverse=reverse)
    histories = {}
    for t in trials:
        state, _ = store.load(t.number, spec.repeats) if os.path.exists(store.path(t.number)) else (None, None)
        if state is not None and state["histories"]:
            histories[t.number] = state["histories"][0]
    os.makedirs(out_dir, exist_ok=True)

    names = [p.name for p in spec.params]
    head = ["trial", "state", spec.metric, *names, "epochs", "train s", "note"]
    rows = []
    for t in trials:
        params = decoded_params(t.params)
        info = t.user_attrs.get("repeats", {})
        epochs = info.get("epochs") or ([max(t.intermediate_values)] if t.intermediate_values else None)
        note = t.user_attrs.get("failure", "")
        if t.state == TrialState.PRUNED and t.intermediate_values:
            note = f"pruned at epoch {max(t.intermediate_values)}"
        if "retry_of" in t.user_attrs:
            note = f"retry of trial {t.user_attrs['retry_of']}" + (f"; {note}" if note else "")
        value = t.value if t.state == TrialState.COMPLETE else None
        cells = [t.number, t.state.name, value, *[params.get(n) for n in names],
                 (epochs[0] if epochs and len(epochs) == 1 else epochs), info.get("train_seconds"), note]
        klass = ' class="best"' if ranked and t.number == ranked[0].number else ""
        tds = []
        for i, c in enumerate(cells):
            shown, key = _cell(c)
            text = ' class="text"' if i in (1, len(cells) - 1) or isinstance(c, str) else ""
            tds.append(f'<td{text} data-key="{key}">{shown}</td>')
        rows.append(f"<tr{klass}>{''.join(tds)}</tr>")
    table = ("<table class=\"trials\"><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head)
             + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    counts = {s: sum(t.state == s for t in trials) for s in (TrialState.COMPLETE, TrialState.PRUNED,
                                                             TrialState.FAIL, TrialState.RUNNING)}
    parts = [f"<h1>Sweep <code>{html.escape(spec.name)}</code></h1>",
             f"<p>{spec.method} search over {', '.join(map(html.escape, names))} · {len(trials)} trials: "
             f"{counts[TrialState.COMPLETE]} complete, {counts[TrialState.PRUNED]} pruned, "
             f"{counts[TrialState.FAIL]} failed, {counts[TrialState.RUNNING]} running · metric "
             f"{spec.metric} ({spec.direction}) · {spec.repeats} repeat(s) per trial · storage "
             f"<code>{html.escape(url)}</code></p>"]
    if ranked:
        best = ranked[0]
        parts.append(f"<p><b>Best: trial {best.number}</b>, {spec.metric} = {best.value:.6g} with "
                     + ", ".join(f"{html.escape(k)} = {html.escape(json.dumps(v))}"
                                 for k, v in decoded_params(best.params).items())
                     + '. Files: <a href="best_model.lw">best_model.lw</a> (model file, '
                       '<code>Network.load</code>), <a href="best_config.json">best_config.json</a>.</p>')
        _export_best(spec, store, best, out_dir)
    parts.append("<h2>Trials</h2><p>Click a column head to sort.</p>" + table)
    if len(complete) >= 1:
        parts.append("<h2>Parallel coordinates</h2>"
                     f'<img alt="parallel coordinates" src="data:image/png;base64,{parallel_coordinates(spec, complete)}">')
        parts.append(f"<h2>{html.escape(spec.metric)} against each parameter</h2>"
                     f'<img alt="metric against parameters" src="data:image/png;base64,{metric_vs_params(spec, complete)}">')
        parts.append(f"<h2>Learning curves of the best {min(N_CURVES, len(ranked))} trials</h2>"
                     f'<img alt="learning curves" src="data:image/png;base64,'
                     f'{learning_curves(spec, ranked[:N_CURVES], histories)}">')
    else:
        parts.append("<p>No trial has completed yet, so there is nothing to plot.</p>")
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Sweep {html.escape(spec.name)}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + f"<script>{SORT_JS}</script></body></html>\n")
    path = os.path.join(out_dir, "index.html")
    atomic_write(path, page, what="report page")
    return path


def _export_best(spec, store, best, out_dir):
    from ..training import TrainConfig

    source = store.model_path(best.number)
    if not os.path.exists(source):
        raise StorageError(f"the best trial's model file {source} is missing; was the checkpoint folder moved?")
    with open(source, "rb") as handle:
        atomic_write(os.path.join(out_dir, "best_model.lw"), handle.read(), what="best model")
    params = decoded_params(best.params)
    model, train = spec.settings(params)
    config = TrainConfig.from_dict({**train, "seed": spec.seed}).to_dict()
    record = {"sweep": spec.name, "trial": best.number, spec.metric: best.value, "params": params,
              "model": model, "train_config": config, "repeats": best.user_attrs.get("repeats")}
    atomic_write(os.path.join(out_dir, "best_config.json"), json.dumps(record, indent=2) + "\n",
                 what="best config")
