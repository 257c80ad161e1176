"""Figures for the lab: curves (costs, learning rates, norms) and decision boundaries.

matplotlib is imported inside the functions and used through its object API
with the Agg canvas -- no pyplot, no global backend switch -- so importing
layerwise stays fast and plotting works with no display (CI).

Every function writes one PNG and returns its path.
"""

from __future__ import annotations

import numpy as np

#: Colours for up to ten series, readable on white and for most colour-blind readers.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442", "#999999", "#882255"]
#: Light region colours and point colours per class (two or three classes).
REGION_COLOURS = ["#F4C7A1", "#A9CBE8", "#B9E3C6"]
POINT_COLOURS = ["#C0392B", "#1F4E9A", "#1E8449"]


def _figure(n_panels, ncols=None, panel_size=(5.2, 4.0)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ncols = ncols or n_panels
    nrows = int(np.ceil(n_panels / ncols))
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), dpi=100)
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n_panels)]
    return fig, axes


def _spare_slot(fig, n_panels, ncols):
    """The first empty cell of the grid as an axis without frame, or None when the grid is full."""
    ncols = ncols or n_panels
    nrows = int(np.ceil(n_panels / ncols))
    if n_panels == nrows * ncols:
        return None
    ax = fig.add_subplot(nrows, ncols, n_panels + 1)
    ax.axis("off")
    return ax


def _save(fig, path, suptitle=None):
    if suptitle:
        fig.suptitle(suptitle, fontsize=13, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def curves(path, panels, *, suptitle=None, ncols=None, panel_size=(5.6, 4.0)):
    """Line (and scatter) plots, one or more panels side by side.

    Parameters
    ----------
    path : str, the PNG to write
    panels : list of dict
        Each with ``title``, ``xlabel``, ``ylabel``, ``series`` and optional
        ``logy``/``logx`` (bool), ``ylim``, ``hline`` (a y value drawn dashed,
        with ``hline_label``), ``xticks`` (labels for x = 0, 1, ...), ``legend`` (False
        to leave it out), ``legend_loc`` (a matplotlib location, or ``"below"``:
        under the axes, where it covers no curve), ``legend_ncol``, ``legend_size``. A series
        is a dict with ``label``, ``x``, ``y`` and
        optional ``kind`` ("line" or "scatter"), ``color``, ``style``, ``marker``,
        ``alpha``, ``linewidth``.
    suptitle : str, optional
    """
    fig, axes = _figure(len(panels), ncols, panel_size)
    for ax, panel in zip(axes, panels):
        for i, s in enumerate(panel["series"]):
            color = s.get("color", PALETTE[i % len(PALETTE)])
            x, y = np.asarray(s["x"], dtype=float), np.asarray(s["y"], dtype=float)
            if s.get("kind") == "scatter":
                ax.scatter(x, y, s=s.get("size", 8), color=color, alpha=s.get("alpha", 0.5),
                           label=s.get("label"), linewidths=0)
            else:
                ax.plot(x, y, s.get("style", "-"), color=color, label=s.get("label"),
                        marker=s.get("marker"), markersize=4, linewidth=s.get("linewidth", 1.8),
                        alpha=s.get("alpha", 1.0))
        if panel.get("hline") is not None:
            ax.axhline(panel["hline"], color="#555555", linestyle="--", linewidth=1,
                       label=panel.get("hline_label"))
        if panel.get("logy"):
            ax.set_yscale("log")
        if panel.get("logx"):
            ax.set_xscale("log")
        if panel.get("xticks") is not None:
            ticks = panel["xticks"]
            ax.set_xticks(np.arange(len(ticks)), [str(t) for t in ticks])
        if panel.get("ylim") is not None:
            ax.set_ylim(*panel["ylim"])
        ax.set_title(panel.get("title", ""), fontsize=11)
        ax.set_xlabel(panel.get("xlabel", ""))
        ax.set_ylabel(panel.get("ylabel", ""))
        ax.grid(True, alpha=0.3)
        wants_legend = any(s.get("label") for s in panel["series"]) or panel.get("hline_label")
        if wants_legend and panel.get("legend", True):
            if panel.get("legend_loc") == "below":  # outside the axes: covers no curve
                ax.legend(fontsize=panel.get("legend_size", 9), loc="upper center",
                          bbox_to_anchor=(0.5, -0.16), frameon=False,
                          ncol=panel.get("legend_ncol", 3))
            else:
                ax.legend(fontsize=panel.get("legend_size", 9),
                          loc=panel.get("legend_loc", "best"), framealpha=0.85,
                          ncol=panel.get("legend_ncol", 1))
    return _save(fig, path, suptitle)


def decision_boundaries(path, panels, *, suptitle=None, ncols=None, resolution=300,
                        class_names=None):
    """Decision regions of 2-D classifiers with the data drawn on top.

    Parameters
    ----------
    path : str
    panels : list of dict
        Each with ``title``, ``predict`` (a function mapping points of shape
        (k, 2), one per row, to integer classes), ``X`` (m, 2) rows and
        ``labels`` (m,) integers; optional ``X_extent`` (rows) to set the plotted
        area (defaults to ``X``) and ``marker`` for the points.
    class_names : list of str, optional, legend labels of the classes
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    fig, axes = _figure(len(panels), ncols, (4.6, 4.3))
    for ax, panel in zip(axes, panels):
        X, labels = np.asarray(panel["X"], dtype=float), np.asarray(panel["labels"]).astype(int)
        extent = np.asarray(panel.get("X_extent", X), dtype=float)
        pad = 0.08 * (extent.max(axis=0) - extent.min(axis=0)) + 1e-9
        lo, hi = extent.min(axis=0) - pad, extent.max(axis=0) + pad
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                             np.linspace(lo[1], hi[1], resolution))
        grid = np.column_stack([xx.ravel(), yy.ravel()])
        with np.errstate(over="ignore", invalid="ignore"):
            zz = np.asarray(panel["predict"](grid)).reshape(xx.shape)
        n_classes = max(2, int(labels.max()) + 1, int(zz.max()) + 1)
        ax.contourf(xx, yy, zz, levels=np.arange(n_classes + 1) - 0.5,
                    cmap=ListedColormap(REGION_COLOURS[:n_classes]), alpha=0.9)
        ax.contour(xx, yy, zz, levels=np.arange(n_classes - 1) + 0.5, colors="#333333",
                   linewidths=0.8)
        for c in range(n_classes):
            sel = labels == c
            ax.scatter(X[sel, 0], X[sel, 1], s=14, color=POINT_COLOURS[c],
                       edgecolors="white", linewidths=0.4, marker=panel.get("marker", "o"))
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_title(panel.get("title", ""), fontsize=11)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    names = class_names or [f"class {c}" for c in range(len(POINT_COLOURS))]
    n_classes = max(2, max(int(np.max(p["labels"])) + 1 for p in panels))
    handles = [Line2D([], [], marker="o", linestyle="", color=POINT_COLOURS[c],
                      label=names[c]) for c in range(n_classes)]
    spare = _spare_slot(fig, len(panels), ncols)
    if spare is not None:  # an empty cell of the grid holds the legend instead of a panel
        spare.legend(handles=handles, loc="center", fontsize=11, title="training points",
                     frameon=False)
    else:
        axes[-1].legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.85)
    return _save(fig, path, suptitle)
