"""Argument checks shared by the public functions.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the
argument, says what was expected and shows what came, so that a learner can fix
the call without reading the library's source.
"""

from __future__ import annotations

import numbers
import os

import numpy as np


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {sorted(choices)}; got {type(value).__name__} {value!r}"
        )
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(choices)}")
    return value


def check_positive_float(name, value, *, allow_zero=False):
    """Return ``value`` as a float, raising if it is not a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}")
    return value


def check_positive_int(name, value, *, minimum=1):
    """Return ``value`` as an int, raising if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_keep_prob(keep_prob, n_hidden):
    """Return one keep probability per hidden layer, each in (0, 1].

    ``keep_prob`` is one number for every hidden layer or a sequence with one entry
    per hidden layer.
    """
    if np.ndim(keep_prob) == 0:
        values = [keep_prob] * n_hidden
    else:
        values = list(keep_prob)
        if len(values) != n_hidden:
            raise ValueError(
                f"keep_prob must be one number or one per hidden layer ({n_hidden}); "
                f"got {len(values)} values"
            )
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"keep_prob must be a real number in (0, 1]; got {value!r}")
        if not 0.0 < float(value) <= 1.0:
            raise ValueError(f"keep_prob must be in (0, 1]; got {value!r}")
        out.append(float(value))
    return out


#: The floating dtypes layerwise computes in.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_float_dtype(name, dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``TypeError``.

    float16 is refused (its 3-digit precision and 65504 range make every fit
    diverge) and so is longdouble (no BLAS).
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64; got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be float32 or float64; got {dt}")
    return dt


def _is_sparse(value):
    return type(value).__module__.startswith("scipy.sparse")


def as_float_array(name, value, *, ndim=2, dtype=None):
    """Convert ``value`` to a float32/float64 array of ``ndim`` dimensions (any if None).

    Integer and boolean input becomes float64; float32/float64 input keeps its
    dtype unless ``dtype`` is given. Sparse matrices, complex numbers, strings,
    objects and other floating dtypes (float16, longdouble) are refused with a
    ``TypeError`` naming ``name``.
    """
    if _is_sparse(value):
        raise TypeError(f"{name} is a sparse matrix ({type(value).__name__}); layerwise needs a "
                        f"dense array: pass {name}.toarray()")
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers; got {type(value).__name__}") from exc
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.floating) and array.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} has dtype {array.dtype}; layerwise computes in float32 or "
                        f"float64: convert with {name}.astype(np.float32)")
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    elif not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {array.shape}")
    return array


def physical_memory():
    """This machine's physical memory in bytes (None where unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def format_bytes(n):
    """``n`` bytes as a short human-readable size (``"7.5 GB"``)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000


def check_memory_budget(name, layer_dims, dtype, *, limit=None):
    """Raise ``ValueError`` (naming ``name``) if the parameters of ``layer_dims`` exceed memory.

    ``limit`` defaults to this machine's physical memory; checked before
    anything is allocated, so an impossible size gives a message, not a
    ``MemoryError``.
    """
    count = sum(n * (p + 1) for p, n in zip(layer_dims[:-1], layer_dims[1:]))
    size = count * np.dtype(dtype).itemsize
    limit = physical_memory() if limit is None else limit
    if limit is not None and size > limit:
        raise ValueError(f"{name} {layer_dims} need {count:,} parameters ({format_bytes(size)} as "
                         f"{np.dtype(dtype).name}), more than this machine's memory "
                         f"({format_bytes(limit)})")
    return count


def check_finite(name, array):
    """Raise ``ValueError`` if ``array`` holds NaN or infinity.

    Checked block by block, so that a large training set costs no full-size
    boolean temporary.
    """
    # ravel(order="K") is a view of any contiguous array, C or Fortran ordered.
    flat = array.ravel(order="K") if array.flags.c_contiguous or array.flags.f_contiguous else None
    if flat is not None and flat.size > _FINITE_BLOCK:
        ok = all(np.isfinite(flat[i:i + _FINITE_BLOCK]).all()
                 for i in range(0, flat.size, _FINITE_BLOCK))
    else:
        ok = bool(np.isfinite(array).all())
    if not ok:
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at index {tuple(int(i) for i in bad)})"
        )
    return array


#: Elements checked at a time by :func:`check_finite`.
_FINITE_BLOCK = 1 << 20


def check_layer_dims(layer_dims):
    """Return ``layer_dims`` as a list of ints, each >= 1, at least two of them."""
    if isinstance(layer_dims, (str, bytes)) or not hasattr(layer_dims, "__len__"):
        raise TypeError(f"layer_dims must be a sequence of layer sizes; got {layer_dims!r}")
    dims = []
    for i, n in enumerate(layer_dims):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"layer_dims[{i}] must be an integer; got {n!r}")
        if n < 1:
            raise ValueError(f"layer_dims[{i}] must be >= 1 (a layer needs a unit); got {n}")
        dims.append(int(n))
    if len(dims) < 2:
        raise ValueError(
            f"layer_dims needs at least two entries (inputs and outputs); got {dims}"
        )
    return dims


def check_X(X, n_x, *, name="X"):
    """Check a design matrix in the column convention: shape (n_x, m), finite."""
    X = as_float_array(name, X, ndim=2)
    if X.shape[0] != n_x:
        raise ValueError(
            f"{name} has {X.shape[0]} rows (features) but layer_dims[0] is {n_x}; "
            f"layerwise puts one example per column, so {name} must be (n_x, m)"
        )
    if X.shape[1] < 1:
        raise ValueError(f"{name} has no examples (0 columns)")
    return check_finite(name, X)


def check_XY(X, Y, n_x, n_y, *, names=("X", "Y")):
    """Check a pair (X, Y) of shapes (n_x, m) and (n_y, m); a 1-D Y becomes (1, m)."""
    X = check_X(X, n_x, name=names[0])
    Y = as_float_array(names[1], Y, ndim=np.ndim(Y), dtype=X.dtype)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2:
        raise ValueError(f"{names[1]} must be a 2-D array (n_y, m); got shape {Y.shape}")
    if Y.shape[1] != X.shape[1]:
        raise ValueError(
            f"{names[0]} has {X.shape[1]} examples (columns) but {names[1]} has {Y.shape[1]}"
        )
    if Y.shape[0] != n_y:
        raise ValueError(f"{names[1]} has {Y.shape[0]} rows but the output layer has {n_y} units")
    check_finite(names[1], Y)
    return X, Y
