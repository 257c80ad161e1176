"""layerwise against PyTorch autograd (float64, same weights, same dropout masks).

Oracle: torch computes the forward pass, the cost and, by autograd, every
gradient; layerwise must agree to 1e-10 relative. Adam and RMSprop follow
``torch.optim`` for 50 steps on the same gradient sequence. Torch's SGD momentum
is a different formula (v = mu v + g), so momentum is checked against the
closed form v = beta v + (1 - beta) g instead.
"""

import numpy as np
import pytest
from core_reference import ACTIVATION_NAMES, OUTPUT_LOSS_PAIRS, random_problem

import layerwise as lw

torch = pytest.importorskip("torch", reason="PyTorch is a test-only oracle: pip install -e '.[test]'")

RTOL = 1e-10
ATOL = 1e-13  # entries that are 0 up to rounding (sums that cancel)


def _t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


def torch_activation(name, Z):
    if name == "sigmoid":
        return torch.sigmoid(Z)
    if name == "tanh":
        return torch.tanh(Z)
    if name == "relu":
        return torch.relu(Z)
    if name == "leaky_relu":
        return torch.nn.functional.leaky_relu(Z, 0.01)
    if name == "linear":
        return Z
    if name == "softmax":
        return torch.softmax(Z, dim=0)
    raise KeyError(name)


def torch_loss(loss, AL, Y):
    m = AL.shape[1]
    if loss == "binary_cross_entropy":
        return torch.nn.functional.binary_cross_entropy(AL, Y, reduction="sum") / m
    if loss == "categorical_cross_entropy":
        return -(Y * torch.log(AL)).sum() / m
    if loss == "mse":
        return torch.nn.functional.mse_loss(AL, Y, reduction="sum") / m
    if loss == "mae":
        return torch.nn.functional.l1_loss(AL, Y, reduction="sum") / m
    raise KeyError(loss)


def torch_run(problem, activations, loss, lambd):
    """Forward, cost and autograd gradients in torch; returns numpy arrays."""
    X = _t(problem["X"]).requires_grad_(True)
    Y = _t(problem["Y"])
    params = {k: _t(v).requires_grad_(True) for k, v in problem["params"].items()}
    masks, keep = problem["masks"], problem["keep_prob"]
    L = len(activations)
    A = X
    for l in range(1, L + 1):
        A = torch_activation(activations[l - 1], params[f"W{l}"] @ A + params[f"b{l}"])
        if l < L and masks is not None:
            A = A * _t(masks[l - 1]) / keep
    m = X.shape[1]
    cost = torch_loss(loss, A, Y) + lambd / (2 * m) * sum((params[f"W{l}"] ** 2).sum()
                                                          for l in range(1, L + 1))
    cost.backward()
    grads = {"d" + k: v.grad.numpy() for k, v in params.items()}
    grads["dA0"] = X.grad.numpy() * m  # layerwise's dA are per-example gradients (no 1/m)
    return A.detach().numpy(), cost.item(), grads


CASES = [(hidden, out, loss) for hidden in ACTIVATION_NAMES for out, loss in OUTPUT_LOSS_PAIRS]


@pytest.mark.parametrize("setting", ["plain", "L2", "dropout", "L2+dropout"])
@pytest.mark.parametrize("hidden,out,loss", CASES, ids=[f"{h}-{o}-{l}" for h, o, l in CASES])
def test_forward_cost_and_gradients_match_torch(hidden, out, loss, setting):
    activations = [hidden, hidden, out]
    lambd = 0.7 if "L2" in setting else 0.0
    dropout = "dropout" in setting
    p = random_problem(activations, loss, 1000 + sum(map(ord, hidden + out + loss + setting)),
                       dropout=dropout)
    AL_t, cost_t, grads_t = torch_run(p, activations, loss, lambd)

    AL, caches = lw.L_model_forward(p["X"], p["params"], activations,
                                    keep_prob=p["keep_prob"] if dropout else 1.0, masks=p["masks"])
    np.testing.assert_allclose(AL, AL_t, rtol=RTOL, atol=ATOL, err_msg="AL vs torch")
    cost = lw.compute_cost(AL, p["Y"], loss, parameters=p["params"], lambd=lambd)
    np.testing.assert_allclose(cost, cost_t, rtol=RTOL, err_msg="cost vs torch")
    grads = lw.L_model_backward(AL, p["Y"], caches, loss=loss, lambd=lambd)
    for key, ref in grads_t.items():
        np.testing.assert_allclose(grads[key], ref, rtol=RTOL, atol=ATOL, err_msg=f"{key} vs torch")


def test_network_forward_backward_match_torch():
    """The object API's forward/backward is the same arithmetic (default relu/sigmoid net)."""
    net = lw.Network([3, 5, 4, 1], seed=2)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8))
    Y = (rng.random((1, 8)) < 0.5).astype(float)
    problem = {"X": X, "Y": Y, "params": {k: v.copy() for k, v in net.parameters.items()},
               "masks": None, "keep_prob": 1.0}
    AL_t, cost_t, grads_t = torch_run(problem, net.activations, net.loss, 0.1)
    AL, caches = net.forward(X)
    grads = net.backward(AL, Y, caches, lambd=0.1)
    np.testing.assert_allclose(AL, AL_t, rtol=RTOL, err_msg="Network.forward vs torch")
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3", "dA0"):
        np.testing.assert_allclose(grads[key], grads_t[key], rtol=RTOL, atol=ATOL,
                                   err_msg=f"Network.backward {key} vs torch")


# ------------------------------------------------------------------------- optimizers
SHAPES = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}


def _gradient_sequence(steps=50, seed=0):
    rng = np.random.default_rng(seed)
    # a drift plus noise, with magnitudes from 1e-3 to 1e1 so epsilon and both moments matter
    scale = {k: 10.0 ** rng.uniform(-3, 1, size=s) for k, s in SHAPES.items()}
    drift = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    return [{"d" + k: scale[k] * (drift[k] + rng.standard_normal(s)) for k, s in SHAPES.items()}
            for _ in range(steps)]


def _start(seed=1):
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(s) for k, s in SHAPES.items()}


def _torch_trajectory(make_optimizer, params0, grad_seq):
    tparams = {k: _t(v).requires_grad_(True) for k, v in params0.items()}
    opt = make_optimizer(list(tparams.values()))
    out = []
    for grads in grad_seq:
        for k, p in tparams.items():
            p.grad = _t(grads["d" + k])
        opt.step()
        out.append({k: p.detach().numpy().copy() for k, p in tparams.items()})
    return out


def _compare(ours, ref, what):
    for step, (a, b) in enumerate(zip(ours, ref)):
        for k in SHAPES:
            np.testing.assert_allclose(a[k], b[k], rtol=RTOL, atol=1e-14,
                                       err_msg=f"{what}: {k} after step {step + 1}")


@pytest.mark.parametrize("lr,b1,b2,eps", [(0.01, 0.9, 0.999, 1e-8), (0.1, 0.8, 0.99, 1e-3)])
def test_adam_trajectory_matches_torch(lr, b1, b2, eps):
    grad_seq, params0 = _gradient_sequence(), _start()
    ref = _torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps),
                            params0, grad_seq)
    # the course functions
    params, (v, s), course = dict(params0), lw.initialize_adam(params0), []
    for t, grads in enumerate(grad_seq, start=1):
        params, v, s, *_ = lw.update_parameters_with_adam(params, grads, v, s, t, learning_rate=lr,
                                                          beta1=b1, beta2=b2, epsilon=eps)
        course.append(params)
    _compare(course, ref, "update_parameters_with_adam")
    # the optimizer object (in place)
    opt, params = lw.Adam(lr, b1, b2, eps), {k: v.copy() for k, v in params0.items()}
    state, objects = opt.init(params), []
    for grads in grad_seq:
        opt.update(grads, state, params)
        objects.append({k: v.copy() for k, v in params.items()})
    _compare(objects, ref, "Adam object")


@pytest.mark.parametrize("lr,beta,eps", [(0.01, 0.9, 1e-8), (0.05, 0.5, 1e-2)])
def test_rmsprop_trajectory_matches_torch(lr, beta, eps):
    grad_seq, params0 = _gradient_sequence(seed=3), _start(4)
    ref = _torch_trajectory(lambda ps: torch.optim.RMSprop(ps, lr=lr, alpha=beta, eps=eps),
                            params0, grad_seq)
    params, s, course = dict(params0), lw.initialize_rmsprop(params0), []
    for grads in grad_seq:
        params, s = lw.update_parameters_with_rmsprop(params, grads, s, beta=beta, learning_rate=lr,
                                                      epsilon=eps)
        course.append(params)
    _compare(course, ref, "update_parameters_with_rmsprop")
    opt, params = lw.RMSprop(lr, beta, eps), {k: v.copy() for k, v in params0.items()}
    state, objects = opt.init(params), []
    for grads in grad_seq:
        opt.update(grads, state, params)
        objects.append({k: v.copy() for k, v in params.items()})
    _compare(objects, ref, "RMSprop object")


def test_gradient_descent_matches_torch_sgd():
    grad_seq, params0 = _gradient_sequence(seed=5), _start(6)
    ref = _torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.03), params0, grad_seq)
    params, course = dict(params0), []
    for grads in grad_seq:
        params = lw.update_parameters(params, grads, 0.03)
        course.append(params)
    _compare(course, ref, "update_parameters")
