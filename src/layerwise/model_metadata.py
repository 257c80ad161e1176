"""What a model file's metadata means, and the checks that run before anything is allocated.

:mod:`layerwise.io` reads the format within a byte budget; this module checks
that the metadata describes a network this layerwise can build, within a
parameter budget, and that the array table holds exactly that network's
arrays -- all before a single array is read or a network allocated. The
network part of the metadata is::

    {"kind": "Network" | "DeepClassifier" | "DeepRegressor",
     "layer_dims": [n_x, n_1, ..., n_L], "activations": [L names],
     "loss": name, "dtype": "float32" | "float64", "extra": {...}}

with arrays ``W1, b1, ..., WL, bL`` of shapes (n_l, n_{l-1}) and (n_l, 1).
"""

from __future__ import annotations

from .activations import ACTIVATIONS
from .losses import LOSS_FUNCTIONS, check_loss_pairing

#: Most parameters a model file may describe (about 128 MiB in float64).
MAX_FILE_PARAMETERS = 1 << 24
#: Most layers a model file may describe.
MAX_LAYERS = 256
#: The kinds of model a file may hold.
MODEL_KINDS = ("Network", "DeepClassifier", "DeepRegressor")


def parameter_count(layer_dims):
    """Number of weights and biases of a network with ``layer_dims``: sum of n_l (n_{l-1} + 1)."""
    return sum(n * (p + 1) for p, n in zip(layer_dims[:-1], layer_dims[1:]))


def parameter_shapes(layer_dims):
    """``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` for ``layer_dims``."""
    shapes = {}
    for l in range(1, len(layer_dims)):
        shapes[f"W{l}"] = (layer_dims[l], layer_dims[l - 1])
        shapes[f"b{l}"] = (layer_dims[l], 1)
    return shapes


def network_metadata(network):
    """The metadata that describes a :class:`~layerwise.network.Network` (public attributes only)."""
    return {"kind": "Network", "layer_dims": list(network.layer_dims),
            "activations": list(network.activations), "loss": network.loss,
            "dtype": network.dtype.name}


def check_network_metadata(meta, *, kinds=MODEL_KINDS, max_parameters=MAX_FILE_PARAMETERS):
    """Raise ``ValueError`` unless ``meta`` describes a buildable network within budget.

    Checks the kind, ``layer_dims`` (integers >= 1, at most :data:`MAX_LAYERS`,
    at most ``max_parameters`` parameters), activations and loss (known names
    that pair), dtype, ``extra`` (a dict), and that the array table holds
    ``W1, b1, ..., WL, bL`` with the shapes and dtype these imply.

    Returns
    -------
    dict with ``layer_dims``, ``activations``, ``loss``, ``dtype`` (checked)
    """
    kind = meta.get("kind")
    if kind not in kinds:
        raise ValueError(f"holds a {str(kind)[:40]!r}; expected {' or '.join(kinds)}")
    dims = meta.get("layer_dims")
    if (not isinstance(dims, list) or not 2 <= len(dims) <= MAX_LAYERS + 1 or
            not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n for n in dims)):
        raise ValueError(f"layer_dims must be 2 to {MAX_LAYERS + 1} integers >= 1; got "
                         f"{str(dims)[:80]}")
    count = parameter_count(dims)
    if count > max_parameters:
        raise ValueError(f"layer_dims {str(dims)[:80]} describe {count:,} parameters, more than "
                         f"a model file may hold ({max_parameters:,})")
    acts = meta.get("activations")
    if (not isinstance(acts, list) or len(acts) != len(dims) - 1 or
            not all(isinstance(a, str) and a in ACTIVATIONS for a in acts)):
        raise ValueError(f"activations must be {len(dims) - 1} names from {sorted(ACTIVATIONS)}; "
                         f"got {str(acts)[:80]}")
    loss = meta.get("loss")
    if not isinstance(loss, str) or loss not in LOSS_FUNCTIONS:
        raise ValueError(f"unknown loss {str(loss)[:40]!r}; expected one of {sorted(LOSS_FUNCTIONS)}")
    check_loss_pairing(loss, acts[-1])
    dtype = meta.get("dtype")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64; got {str(dtype)[:20]!r}")
    if not isinstance(meta.get("extra", {}), dict):
        raise ValueError(f"extra must be a JSON object; got {type(meta.get('extra')).__name__}")
    table = meta["arrays"]
    stored = "<f4" if dtype == "float32" else "<f8"
    for name, shape in parameter_shapes(dims).items():
        spec = table.get(name)
        if spec is None:
            raise ValueError(f"lacks the array {name!r} that layer_dims {dims} need")
        if tuple(spec["shape"]) != shape or spec["dtype"] != stored:
            raise ValueError(f"array {name!r} is declared {spec['dtype']} of shape {spec['shape']} "
                             f"but layer_dims {dims} with dtype {dtype} need {stored} of shape "
                             f"{list(shape)}")
    return {"layer_dims": dims, "activations": acts, "loss": loss, "dtype": dtype}


def check_only_arrays(meta, allowed):
    """Raise ``ValueError`` if the array table holds any array outside ``allowed``."""
    unexpected = sorted(set(meta["arrays"]) - set(allowed))
    if unexpected:
        raise ValueError(f"holds arrays {unexpected[:4]} that a {meta.get('kind')} has no use for")

