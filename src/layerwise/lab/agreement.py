"""How closely each published course number is reproduced, and why not closer.

NumPy's ``exp`` and ``log`` round differently in the last bit on CPUs with
AVX-512 than on the baseline code path, and BLAS kernels sum matrix products
in CPU-dependent orders. Most course protocols do not amplify such last-bit
differences; a few do: the saturated random x10 initialisation (outputs pinned
at 0 or 1, where a last-bit change of ``exp`` moves a large gradient) and the
finite differences of gradient checking (whose "difference" of the correct
backward pass is itself rounding noise).

:data:`SPREAD` holds, for every published number the lab compares with, the
largest relative deviation from the published value measured over code paths:
this machine's baseline, ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL"``, two
older OpenBLAS kernel sets (``OPENBLAS_CORETYPE``), five runs with a random
share of exp/log results moved by one ulp (``tests/repro/ulp.py``, imitating
the AVX-512 kernels on a machine without them), and the figures measured on
the project's AVX-512 machines. ``benchmarks/ulp_sensitivity.py`` re-measures
them (``benchmarks/results/ulp_sensitivity.json`` holds the run behind the
figures below). The tests derive their tolerances from the same figures
(:func:`tolerance`), and the report states each number's agreement with
:func:`agreement`.
"""

from __future__ import annotations

import numpy as np

#: Amplifiers of last-bit differences, named in the report.
SATURATED = "last-bit differences of exp/log amplified by the saturated random x10 run"
FINITE_DIFFERENCES = ("last-bit differences amplified by the finite differences of gradient "
                      "checking (the correct backward's difference is itself rounding noise)")
LONG_RUN = "last-bit differences accumulated over 20 000 iterations"

#: Published number -> (largest measured relative deviation, what amplifies it or None).
SPREAD = {
    "init.zeros.cost@1000": (3.2e-16, None),
    "init.zeros.cost@14000": (3.2e-16, None),
    # AVX-512: 0.6235064011423503 (2.1e-3); ulp perturbations up to 3.1e-3.
    "init.random.cost@1000": (3.1e-3, SATURATED),
    "init.random.cost@7000": (4.9e-3, SATURATED),
    "init.random.cost@14000": (6.1e-5, SATURATED),
    "init.he.cost@0": (0.0, None),
    "init.he.cost@1000": (1.6e-16, None),
    "init.he.cost@7000": (1.8e-16, None),
    # AVX-512: 0.07357895962677369 (8.2e-16); OpenBLAS Sandybridge kernels 9.4e-16.
    "init.he.cost@14000": (9.4e-16, None),
    "gradcheck.1d": (0.0, None),
    "gradcheck.nd_buggy": (1.8e-9, FINITE_DIFFERENCES),
    "gradcheck.nd_fixed": (5.5e-3, FINITE_DIFFERENCES),
    "regularization.none.cost@0": (0.0, None),
    "regularization.none.cost@10000": (2.9e-15, None),
    "regularization.none.cost@20000": (6.1e-13, LONG_RUN),
    "regularization.l2.cost@0": (0.0, None),
    "regularization.l2.cost@10000": (2.1e-16, None),
    "regularization.l2.cost@20000": (2.1e-16, None),
    "regularization.dropout.cost@0": (0.0, None),
    "regularization.dropout.cost@10000": (3.4e-16, None),
    "regularization.dropout.cost@20000": (2.3e-16, None),
    "optimization.gd.cost@0": (1.6e-16, None),
    "optimization.gd.cost@1000": (0.0, None),
    "optimization.adam.cost@0": (1.6e-16, None),
    "optimization.adam.cost@1000": (3.3e-16, None),
}

#: Tolerance = SAFETY x the measured spread: the spread is a maximum over nine
#: code paths, not a bound, and chaotic runs scatter widely.
SAFETY = 3.0
#: A few ulps of the result's own rounding: the smallest tolerance given to a
#: number computed through exp/log, even when no measured path moved it.
ROUNDING_FLOOR = 4 * np.finfo(np.float64).eps


def numpy_code_path():
    """Which of NumPy's code paths this process runs, in words (for reports and README tables).

    E.g. ``"NumPy 2.4.6; SIMD: X86_V2 baseline, X86_V3 dispatched; AVX-512 exp/log: no"``.
    """
    import os

    try:  # NumPy >= 2 (1.x: numpy.core); the table is what np.show_runtime() prints
        from numpy._core._multiarray_umath import (__cpu_baseline__, __cpu_dispatch__,
                                                   __cpu_features__)
    except ImportError:  # pragma: no cover - older NumPy
        try:
            from numpy.core._multiarray_umath import (__cpu_baseline__, __cpu_dispatch__,
                                                      __cpu_features__)
        except ImportError:
            return f"NumPy {np.__version__}; CPU features unknown"
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    avx512 = "yes" if __cpu_features__.get("AVX512F") else "no"
    text = (f"NumPy {np.__version__}; SIMD: {', '.join(__cpu_baseline__) or 'none'} baseline"
            + (f", {', '.join(found)} dispatched" if found else "")
            + f"; AVX-512 exp/log: {avx512}")
    disabled = os.environ.get("NPY_DISABLE_CPU_FEATURES")
    if disabled:
        text += f" (NPY_DISABLE_CPU_FEATURES={disabled})"
    return text


def tolerance(key):
    """The relative tolerance a test grants the published number ``key``.

    ``max(ROUNDING_FLOOR, SAFETY * spread)``; a number not in :data:`SPREAD`
    (accuracies, which count predictions; the 1-D gradient check, which uses
    no exp/log) gets 0: it must come out exactly.
    """
    if key not in SPREAD:
        return 0.0
    return max(ROUNDING_FLOOR, SAFETY * SPREAD[key][0])


def _decade(x):
    """The power of ten at or above ``x`` (``3.1e-3 -> 1e-2``), as text."""
    return f"1e{int(np.ceil(np.log10(x)))}"


#: Kinds of agreement, in the order the summary names them.
KINDS = ("exact", "rounding", "amplified", "on purpose", "unexpected")


def agreement(key, published, ours, *, printed=None):
    """How ``ours`` agrees with the published value.

    Parameters
    ----------
    key : str, the number's entry in :data:`SPREAD` (or any other name)
    published, ours : float
    printed : str, optional
        The printf format in which the course printed the number (``"%f"``):
        agreement then means the same printed text.

    Returns
    -------
    dict
        ``text``: ``"reproduced to all printed digits"``, ``"to 1e-x (last-bit
        rounding)"``, ``"to 1e-x, <what amplifies last-bit differences>"`` or
        ``"differs by ...: more than the measured cross-CPU spread"``;
        ``kind``: one of :data:`KINDS`; ``rel_diff``: the relative difference;
        ``reason``: what amplifies the difference (or None).
    """
    rel = abs(ours - published) / abs(published) if published else abs(ours - published)
    spread, reason = SPREAD.get(key, (0.0, None))
    out = {"rel_diff": float(rel), "reason": reason}
    if printed is not None:
        if printed % ours == printed % published:
            return {**out, "text": "reproduced to all printed digits", "kind": "exact"}
        return {**out, "text": f"differs in its printed digits ({printed % ours} vs "
                               f"{printed % published})", "kind": "unexpected"}
    if ours == published:
        return {**out, "text": "reproduced to all printed digits", "kind": "exact"}
    if rel <= tolerance(key):
        if reason is None or rel <= ROUNDING_FLOOR:
            return {**out, "text": f"to {_decade(rel)} (last-bit rounding)", "kind": "rounding"}
        return {**out, "text": f"to {_decade(rel)}, {reason}", "kind": "amplified"}
    return {**out, "text": f"differs by {rel:.1e}: more than the measured cross-CPU spread "
                           f"({spread:.1e})", "kind": "unexpected"}


def annotate(row, key, *, printed=None):
    """Add ``agreement``, ``kind`` and ``rel_diff`` to a comparison row (in place); return it."""
    found = agreement(key, row["published"], row["ours"], printed=printed)
    row.update(agreement=found["text"], kind=found["kind"], rel_diff=found["rel_diff"],
               reason=found["reason"])
    return row


def on_purpose(row, text):
    """Mark a row whose difference is deliberate (e.g. a clipped ``inf``), with the reason."""
    row.update(agreement=text, kind="on purpose")
    return row


def summary(rows):
    """One sentence generated from annotated comparison rows: how many agree, and how.

    >>> summary([{"kind": "exact"}, {"kind": "exact"},
    ...          {"kind": "amplified", "rel_diff": 2e-3, "reason": "x"}])
    'Of 3 published numbers, 2 are reproduced to all printed digits and 1 to 1e-2 or closer (x).'
    """
    rows = [r for r in rows if "kind" in r]
    parts = []
    exact = sum(r["kind"] == "exact" for r in rows)
    if exact:
        parts.append(f"{exact} {'is' if exact == 1 else 'are'} reproduced to all printed digits")
    rounding = [r for r in rows if r["kind"] == "rounding"]
    if rounding:
        worst = max(r["rel_diff"] for r in rounding)
        parts.append(f"{len(rounding)} to {_decade(worst)} or closer (last-bit rounding)")
    reasons = {}
    for r in rows:
        if r["kind"] == "amplified":
            reasons.setdefault(r["reason"], []).append(r["rel_diff"])
    for reason, diffs in reasons.items():
        parts.append(f"{len(diffs)} to {_decade(max(diffs))} or closer ({reason})")
    purpose = [r for r in rows if r["kind"] == "on purpose"]
    if purpose:
        parts.append(f"{len(purpose)} {'differs' if len(purpose) == 1 else 'differ'} on purpose "
                     f"({'; '.join(r['agreement'] for r in purpose)})")
    unexpected = [r for r in rows if r["kind"] == "unexpected"]
    if unexpected:
        parts.append(f"{len(unexpected)} {'differs' if len(unexpected) == 1 else 'differ'} by "
                     "more than the measured cross-CPU spread: "
                     + "; ".join(f"{r['run']} {r['what']}" for r in unexpected))
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of {len(rows)} published numbers, {body}."
