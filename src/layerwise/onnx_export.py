"""Export a fitted estimator to ONNX, graph built node by node with ``onnx.helper``.

The graph takes ``X`` (batch, n_features) in the network's dtype and returns,
for a ``DeepClassifier``, ``probabilities`` (batch, n_classes) in ``classes_``
order, and for a ``DeepRegressor``, ``predictions`` (batch, n_outputs) in the
target's units. Standardisation statistics, if any, become ``Sub``/``Div``
(and ``Mul``/``Add`` for the targets) nodes. Needs the ``onnx`` extra
(``pip install layerwise[onnx]``).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .activations import LEAKY_SLOPE

OPSET = 17


def _require_onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_onnx needs the onnx package: pip install 'layerwise[onnx]'") from exc
    return onnx, helper, numpy_helper


def build_onnx_model(estimator):
    """The ``onnx.ModelProto`` of a fitted ``DeepClassifier`` or ``DeepRegressor``."""
    from sklearn.utils.validation import check_is_fitted

    onnx, helper, numpy_helper = _require_onnx()
    check_is_fitted(estimator)
    net = estimator.network_
    dtype = net.dtype
    elem = onnx.TensorProto.FLOAT if dtype == np.float32 else onnx.TensorProto.DOUBLE
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name=name))
        return name

    current = "X"
    if getattr(estimator, "input_mean_", None) is not None:
        nodes.append(helper.make_node("Sub", [current, const("input_mean", estimator.input_mean_)], ["x_centred"]))
        nodes.append(helper.make_node("Div", ["x_centred", const("input_scale", estimator.input_scale_)], ["x_scaled"]))
        current = "x_scaled"
    for l in range(1, net.n_layers + 1):
        W, b = net.parameters[f"W{l}"], net.parameters[f"b{l}"]
        nodes.append(helper.make_node("MatMul", [current, const(f"W{l}T", W.T)], [f"z{l}_lin"]))
        nodes.append(helper.make_node("Add", [f"z{l}_lin", const(f"b{l}", b.ravel())], [f"z{l}"]))
        act, out = net.activations[l - 1], f"a{l}"
        if act == "relu":
            nodes.append(helper.make_node("Relu", [f"z{l}"], [out]))
        elif act == "leaky_relu":
            nodes.append(helper.make_node("LeakyRelu", [f"z{l}"], [out], alpha=LEAKY_SLOPE))
        elif act == "sigmoid":
            nodes.append(helper.make_node("Sigmoid", [f"z{l}"], [out]))
        elif act == "tanh":
            nodes.append(helper.make_node("Tanh", [f"z{l}"], [out]))
        elif act == "softmax":
            nodes.append(helper.make_node("Softmax", [f"z{l}"], [out], axis=1))
        elif act == "linear":
            out = f"z{l}"
        else:  # pragma: no cover - every layerwise activation is listed above
            raise ValueError(f"no ONNX operator for activation {act!r}")
        current = out
    if hasattr(estimator, "classes_"):
        name, width = "probabilities", len(estimator.classes_)
        if net.layer_dims[-1] == 1:  # one sigmoid unit: [1 - p, p]
            nodes.append(helper.make_node("Sub", [const("one", np.ones(1)), current], ["p0"]))
            nodes.append(helper.make_node("Concat", ["p0", current], [name], axis=1))
        else:
            nodes.append(helper.make_node("Identity", [current], [name]))
    else:
        name, width = "predictions", net.layer_dims[-1]
        if getattr(estimator, "target_mean_", None) is not None:
            nodes.append(helper.make_node("Mul", [current, const("target_scale", estimator.target_scale_)], ["y_scaled"]))
            nodes.append(helper.make_node("Add", ["y_scaled", const("target_mean", estimator.target_mean_)], [name]))
        else:
            nodes.append(helper.make_node("Identity", [current], [name]))
    graph = helper.make_graph(
        nodes, f"layerwise_{type(estimator).__name__}", [
            helper.make_tensor_value_info("X", elem, [None, net.layer_dims[0]])],
        [helper.make_tensor_value_info(name, elem, [None, width])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="layerwise")
    model.ir_version = min(model.ir_version, 8)  # readable by older onnxruntime releases
    onnx.checker.check_model(model)
    return model


def estimator_to_onnx(estimator, path):
    """Write :func:`build_onnx_model` to ``path`` (via a temporary file and a rename)."""
    model = build_onnx_model(estimator)
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".layerwise-", suffix=".onnx.tmp",
                               dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(model.SerializeToString())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
