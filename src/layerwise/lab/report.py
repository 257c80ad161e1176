"""The lab's report: ``index.html`` (tables, figures, readings) and ``results.json``.

The HTML is a single self-contained page (inline CSS, PNGs referenced by
relative path); every text that comes from data is escaped.
"""

from __future__ import annotations

import datetime
import html
import json
import os

from .agreement import numpy_code_path, summary
from .common import fmt

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1.2em;color:#1d2330;line-height:1.5}
h1{margin-bottom:.1em}h2{border-bottom:2px solid #dfe3ea;padding-bottom:.2em;margin-top:2.4em}
.sub{color:#5b6575;margin-top:0}
nav a{margin-right:1em;white-space:nowrap}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #d5dae3;padding:.3em .7em;text-align:right}
th{background:#f1f4f8}td:first-child,th:first-child,td.t,th.t{text-align:left}
.reading{background:#f6f9fe;border-left:4px solid #0072B2;padding:.6em 1em;margin:1em 0}
.reading p{margin:.3em 0}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #e3e6ec}
figcaption{color:#5b6575;font-size:.9em}
details{margin:.8em 0}summary{cursor:pointer;color:#0072B2}
pre{background:#f7f7f9;padding:.8em;overflow-x:auto;font-size:.85em}
.time{color:#5b6575;font-weight:normal;font-size:.7em}
.ok{color:#1e8449}.bad{color:#c0392b}
.wide{overflow-x:auto;max-width:100%}
"""


def _e(text):
    return html.escape(str(text))


def _cell(value):
    # Numbers line up on the right; words read from the left.
    if _is_number(value):
        return f"<td>{_e(value)}</td>"
    return f"<td class='t'>{_e(value)}</td>"


def _is_number(value):
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _table(columns, rows):
    # A header sits over its column: left for text columns (and the first), right for numbers.
    head = "".join(
        f"<th>{_e(c)}</th>" if i > 0 and rows and all(_is_number(r[i]) for r in rows)
        else f"<th class='t'>{_e(c)}</th>" for i, c in enumerate(columns))
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    # Wrapped so that a table wider than a phone's screen scrolls by itself, not the page.
    return (f"<div class='wide'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            "</table></div>")


def _setup(setup):
    rows = []
    for key, value in setup.items():
        text = value if isinstance(value, str) else json.dumps(value)
        rows.append(f"<tr><td>{_e(key)}</td><td style='text-align:left'>{_e(text)}</td></tr>")
    return f"<div class='wide'><table>{''.join(rows)}</table></div>"


def _comparison(rows):
    out = []
    for r in rows:
        ours = r.get("ours_printed") or (repr(r["ours"]) if isinstance(r["ours"], float)
                                         else r["ours"])
        published = r["published"] if isinstance(r["published"], str) else repr(r["published"])
        rel = f"{r['rel_diff']:.1e}" if "rel_diff" in r else "-"
        out.append([r["run"], r["what"], published, ours, rel, r.get("agreement", "-"),
                    r.get("source", "published")])
    return _table(["run", "quantity", "course", "layerwise", "relative difference", "agreement",
                   "source of the course number"], out)


def published_summary(results):
    """The report's sentence on every published course number compared, or None."""
    rows = [row for r in results.values() for row in r.extra.get("published_comparison", ())]
    return summary(rows) if rows else None


def _section(name, title, result, figure_dir):
    parts = [f"<h2 id='{_e(name)}'>{_e(name)} &mdash; {_e(title)} "
             f"<span class='time'>{result.seconds:.1f} s</span></h2>"]
    parts.append("<div class='reading'>" + "".join(f"<p>{_e(s)}</p>" for s in result.reading)
                 + "</div>")
    parts.append(_table(result.table.columns, result.table.rows))
    for file, caption in result.figures:
        parts.append(f"<figure><img src='{_e(figure_dir)}/{_e(file)}' alt='{_e(caption)}'>"
                     f"<figcaption>{_e(caption)}</figcaption></figure>")
    if "published_comparison" in result.extra:
        parts.append("<details open><summary>Against the course's published numbers</summary>"
                     + _comparison(result.extra["published_comparison"]) + "</details>")
    parts.append("<details><summary>Exact setup</summary>" + _setup(result.setup) + "</details>")
    return "\n".join(parts)


def write_html(path, results, titles, meta, figure_dir="figures"):
    """Write ``index.html`` for ``results`` ({name: Result})."""
    nav = " ".join(f"<a href='#{_e(n)}'>{_e(n)}</a>" for n in results)
    summary = _table(["experiment", "what it shows", "seconds"],
                     [[n, titles[n], f"{r.seconds:.1f}"] for n, r in results.items()])
    o = meta["options"]
    workers = f"{o['jobs']} worker process" + ("" if o["jobs"] == 1 else "es")
    options = (f"experiments: {', '.join(o['experiments'])}; "
               f"{'--quick budgets' if o['quick'] else 'full budgets'}; seed {o['seed']}; data: "
               f"{o['data'] or 'built-in'}; {workers}")
    body = [f"<h1>layerwise lab</h1><p class='sub'>Deep fully-connected networks from scratch on "
            f"NumPy: the experiments of the course notes, re-run. Generated "
            f"{_e(meta['generated'])} in {meta['total_seconds']:.1f} s ({_e(options)}); "
            f"{_e(meta.get('numpy_code_path', ''))}.</p>",
            f"<nav>{nav}</nav>", summary]
    overall = published_summary(results)
    if overall:
        body.append(f"<p>Against the course's published numbers, on this machine's code path: "
                    f"{_e(overall[0].lower() + overall[1:])} Each number's "
                    "agreement is in its experiment's table; the tolerances are the measured "
                    "spreads between CPU code paths (layerwise.lab.agreement).</p>")
    if meta["options"].get("quick"):
        body.append("<p class='bad'>--quick: budgets are scaled down, so numbers differ from the "
                    "course's published ones.</p>")
    body += [_section(n, titles[n], r, figure_dir) for n, r in results.items()]
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>layerwise lab</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)


def results_json(results, titles, meta, figure_dir="figures"):
    """The ``results.json`` document (issue 3's shape, with more keys)."""
    experiments = {}
    for name, r in results.items():
        entry = {"seconds": round(r.seconds, 3), "title": titles[name], "setup": r.setup,
                 "runs": r.runs,
                 "table": {"columns": r.table.columns,
                           "rows": [[c if isinstance(c, (int, float, str)) else fmt(c)
                                     for c in row] for row in r.table.rows]},
                 "reading": r.reading,
                 "figures": [f"{figure_dir}/{f}" for f, _ in r.figures]}
        entry.update(r.extra)
        experiments[name] = entry
    return {"experiments": experiments, "meta": meta}


def write_report(directory, results, titles, options, total_seconds):
    """Write ``index.html`` and ``results.json`` into ``directory`` (which holds the figures)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    meta = {"generated": now.strftime("%Y-%m-%d %H:%M UTC"),
            "total_seconds": round(total_seconds, 3), "options": options}
    from .. import __version__

    meta["layerwise_version"] = __version__
    meta["numpy_code_path"] = numpy_code_path()
    with open(os.path.join(directory, "results.json"), "w", encoding="utf-8") as handle:
        json.dump(results_json(results, titles, meta), handle, indent=1, allow_nan=False)
    write_html(os.path.join(directory, "index.html"), results, titles, meta)
