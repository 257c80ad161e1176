"""The benchmark's report: targets, verdicts, the rich tables and the W3 plot."""

from __future__ import annotations

TARGETS = {
    "w1_vs_torch": 0.75, "w1_vs_sklearn": 0.5, "w1_vs_gemm": 2.0,
    "w2_vs_torch": 0.3, "w2_vs_hand": 1.5, "w1_loss_rel_diff": 0.02,
}


def verdicts(res):
    """One row per target: value, target, met, and by how much it is missed."""
    rows = []

    def add(name, value, target, what):
        if value is None:
            rows.append({"target": name, "what": what, "value": None, "limit": target,
                         "met": None, "missed_by": None})
            return
        met = value <= target
        rows.append({"target": name, "what": what, "value": value, "limit": target, "met": met,
                     "missed_by": None if met else f"{(value / target - 1) * 100:.0f}% over"})

    w1 = res["w1"]
    lw_t = w1["layerwise"]["median_s"]
    if w1.get("torch"):
        add("w1_vs_torch", lw_t / w1["torch"]["median_s"], TARGETS["w1_vs_torch"],
            "W1 layerwise epoch / PyTorch epoch")
        a, b = w1["layerwise"]["loss_first_epoch"], w1["torch"]["loss_first_epoch"]
        add("w1_loss_rel_diff", abs(a - b) / b, TARGETS["w1_loss_rel_diff"],
            "W1 |loss - torch's| / torch's, after epoch 1")
    else:
        add("w1_vs_torch", None, TARGETS["w1_vs_torch"], "W1 layerwise / PyTorch (no torch)")
    add("w1_vs_sklearn", lw_t / w1["sklearn"]["median_s"], TARGETS["w1_vs_sklearn"],
        "W1 layerwise epoch / scikit-learn epoch")
    add("w1_vs_gemm", lw_t / w1["gemm_floor"]["median_s"], TARGETS["w1_vs_gemm"],
        "W1 layerwise epoch / GEMM floor")
    for name in ("gd", "adam"):
        w2 = res["w2"][name]
        if w2.get("torch"):
            add(f"w2_{name}_vs_torch", w2["layerwise"]["median_s"] / w2["torch"]["median_s"],
                TARGETS["w2_vs_torch"], f"W2 {name} layerwise step / PyTorch step")
        add(f"w2_{name}_vs_hand", w2["layerwise"]["median_s"] / w2["hand"]["median_s"],
            TARGETS["w2_vs_hand"], f"W2 {name} layerwise step / hand-written NumPy step")
    for system, r in res["memory"].items():
        if "error" in r:
            add(f"memory_{system}", None, None, f"W1 peak memory, {system}: {r['error']}")
        else:
            add(f"memory_{system}", r["training_mb"], r["target_mb"],
                f"W1 memory above imports (MB), {system}")
    return rows


def print_tables(res):
    from rich.console import Console
    from rich.table import Table

    con = Console(width=120)
    mi = res["machine"]
    blas = mi["blas"][0] if isinstance(mi["blas"], list) and mi["blas"] else {}
    con.print(f"[bold]Machine[/]: {mi['cores']} cores, {mi['cpu']}; BLAS {blas.get('internal_api')} "
              f"{blas.get('version')} ({blas.get('architecture')} kernel, {blas.get('num_threads')} "
              f"threads); torch {mi.get('torch')} ({mi.get('torch_threads')} threads); "
              f"numpy {mi['numpy']}; scikit-learn {mi['sklearn']}; numba {mi.get('numba')}; "
              f"load avg {mi['load_avg_start']:.2f} -> {res['load_avg_end']:.2f}"
              + (f"; unset {sorted(mi['openblas_env_unset'])}" if mi["openblas_env_unset"] else ""))

    w1 = res["w1"]
    con.print("[bold]Method[/]: W1 and W3 run each system (layerwise, PyTorch, scikit-learn, GEMM "
              "floor) in its own spawned process, in rounds of one epoch each, one process "
              f"computing at a time, {w1['config'].get('settle_s', 0)} s apart; W2 runs in this "
              "process, interleaved; memory uses a fresh process per system.")
    t = Table(title=f"W1: one epoch, {w1['config']['m']} x {w1['config']['dims'][0]} float32, "
                    f"{'-'.join(map(str, w1['config']['dims']))}, Adam, batch "
                    f"{w1['config']['batch_size']}; each system in its own process, run in rounds of "
                    f"one epoch each (one process computing at a time), median (and min) of the "
                    f"{w1['config']['epochs'] - 1} epochs after a warm-up")
    for c in ("system", "median s/epoch", "min", "layerwise / this", "loss after epoch 1",
              f"after epoch {w1['config']['epochs']}"):
        t.add_column(c, justify="right" if c != "system" else "left")
    lw_t = w1["layerwise"]["median_s"]
    for key, label in (("layerwise", "layerwise"), ("torch", "PyTorch"), ("sklearn", "scikit-learn"),
                       ("gemm_floor", "GEMM floor (np.matmul only)")):
        r = w1.get(key)
        if not r:
            t.add_row(label, "n/a", "", "")
            continue
        first = f"{r['loss_first_epoch']:.4f}" if r.get("loss_first_epoch") else ""
        loss = f"{r['loss']:.4f}" if "loss" in r else ""
        t.add_row(label, f"{r['median_s']:.3f}", f"{r['min_s']:.3f}", f"{lw_t / r['median_s']:.2f}x",
                  first, loss)
    con.print(t)

    t = Table(title="W2: the notes' small nets, microseconds per step (median)")
    for c in ("net", "layerwise", "hand-written NumPy", "PyTorch", "lw / hand", "lw / torch"):
        t.add_column(c, justify="right" if c != "net" else "left")
    for name, r in res["w2"].items():
        lw_s, hand = r["layerwise"]["median_s"], r["hand"]["median_s"]
        tor = r["torch"]["median_s"] if r.get("torch") else None
        net = f"{r['net']} {r['optimizer']}, m={r['m']}, batch {r['batch_size'] or 'full'}"
        t.add_row(net, f"{lw_s * 1e6:.1f}", f"{hand * 1e6:.1f}",
                  f"{tor * 1e6:.1f}" if tor else "n/a", f"{lw_s / hand:.2f}x",
                  f"{lw_s / tor:.2f}x" if tor else "n/a")
    con.print(t)

    w3 = res["w3"]
    t = Table(title="W3: seconds per epoch of W1's data, estimated from a timed subset "
                    "(about {} steps at batch 128; processes and rounds as W1)".format(w3["steps_timed"]))
    for c in ("setting", "layerwise", "PyTorch", "GEMM floor", "lw / torch", "lw / GEMM"):
        t.add_column(c, justify="right" if c != "setting" else "left")
    for key, label in (("batch_size", "batch"), ("width", "width")):
        for x, r in sorted(w3[key].items(), key=lambda kv: int(kv[0])):
            tor = r.get("torch")
            t.add_row(f"{label} {x}", f"{r['layerwise']:.3f}", f"{tor:.3f}" if tor else "n/a",
                      f"{r['gemm']:.3f}", f"{r['layerwise'] / tor:.2f}x" if tor else "n/a",
                      f"{r['layerwise'] / r['gemm']:.2f}x")
    con.print(t)

    t = Table(title="Peak resident memory of W1 (each system in its own process)")
    for c in ("system", "peak RSS MB", "after imports MB", "training MB", "data MB",
              "target MB (data x2 + 100)"):
        t.add_column(c, justify="right" if c != "system" else "left")
    for system, r in res["memory"].items():
        if "error" in r:
            t.add_row(system, "error", "", "", "", str(r["error"]))
            continue
        t.add_row(system, f"{r['peak_rss_mb']:.0f}", f"{r['after_imports_mb']:.0f}",
                  f"{r['training_mb']:.0f}", f"{r['data_mb']:.0f}", f"{r['target_mb']:.0f}")
    con.print(t)

    t = Table(title="Targets")
    for c in ("target", "value", "limit", "verdict"):
        t.add_column(c, justify="right" if c in ("value", "limit") else "left")
    for r in res["targets"]:
        if r["value"] is None:
            t.add_row(r["what"], "n/a", "", "not measured")
            continue
        verdict = "[green]met[/]" if r["met"] else f"[red]missed, {r['missed_by']}[/]"
        t.add_row(r["what"], f"{r['value']:.3g}", f"{r['limit']:.3g}", verdict)
    con.print(t)


def _label_2_and_5(value, _pos):
    """Minor tick labels of a log axis: only 2 and 5 times a power of ten."""
    import math

    lead = value / 10 ** math.floor(math.log10(value))
    return f"{value:g}" if round(lead) in (2, 5) else ""


def plot_w3(w3, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, FuncFormatter, NullFormatter, ScalarFormatter

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"layerwise": ("C0", "o", "layerwise"), "torch": ("C1", "s", "PyTorch (CPU)"),
              "gemm": ("0.5", "^", "GEMM floor (np.matmul only)")}
    for ax, key, xlabel in ((axes[0], "batch_size", "mini-batch size (hidden 512-256)"),
                            (axes[1], "width", "first hidden width w (net 784-w-w/2-10, batch 128)")):
        xs = sorted(w3[key], key=int)
        for system, (color, marker, label) in styles.items():
            ys = [w3[key][x].get(system) for x in xs]
            if all(v is not None for v in ys):
                ax.plot([int(x) for x in xs], ys, marker=marker, color=color, label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks([int(x) for x in xs])
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_label_2_and_5))
        ax.set_xlabel(xlabel)
        ax.set_ylabel("seconds per epoch of 60000 examples")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_title("W3: epoch time vs batch size (estimated from a subset)")
    axes[1].set_title("W3: epoch time vs hidden width (estimated from a subset)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


