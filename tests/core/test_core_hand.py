"""A 2-2-1 network worked by hand: every intermediate number written down.

Oracle: arithmetic done on paper (shown in the comments). The numbers are
chosen so that every value is an exact binary fraction -- apart from the cost,
which is ln 2 -- so the comparisons are exact up to the last bit or two.

Network: hidden layer of 2 ReLU units, output 1 sigmoid unit, binary
cross-entropy, m = 2 examples (columns), one gradient-descent step with
learning rate 0.5.
"""

import numpy as np

import layerwise as lw

X = np.array([[1.0, 2.0],
              [-1.0, 1.0]])      # example 1 = (1, -1), example 2 = (2, 1)
Y = np.array([[1.0, 0.0]])
PARAMS = {
    "W1": np.array([[0.5, -0.5],
                    [1.0, 1.0]]),
    "b1": np.array([[0.0],
                    [-1.0]]),
    "W2": np.array([[1.0, 0.25]]),
    "b2": np.array([[-1.0]]),
}

# ---- forward, by hand
# Z1 = W1 X + b1
#   row 1: 0.5*1 + (-0.5)*(-1) + 0 = 1.0       0.5*2 + (-0.5)*1 + 0 = 0.5
#   row 2: 1*1 + 1*(-1) - 1        = -1.0      1*2 + 1*1 - 1         = 2.0
Z1 = [[1.0, 0.5], [-1.0, 2.0]]
# A1 = relu(Z1)
A1 = [[1.0, 0.5], [0.0, 2.0]]
# Z2 = W2 A1 + b2:  1*1 + 0.25*0 - 1 = 0      1*0.5 + 0.25*2 - 1 = 0
Z2 = [[0.0, 0.0]]
# A2 = sigmoid(0) = 1 / (1 + 1) = 0.5 for both examples
A2 = [[0.5, 0.5]]
# cost = -(1/2) [1*ln 0.5 + (1-0)*ln(1 - 0.5)] = -(1/2)(2 ln 0.5) = ln 2
COST = 0.6931471805599453

# ---- backward, by hand
# dZ2 = A2 - Y = (0.5 - 1, 0.5 - 0)
dZ2 = [[-0.5, 0.5]]
# dW2 = (1/m) dZ2 A1^T = (1/2) [(-0.5*1 + 0.5*0.5), (-0.5*0 + 0.5*2)] = (1/2)[-0.25, 1.0]
dW2 = [[-0.125, 0.5]]
# db2 = (1/2)(-0.5 + 0.5) = 0
db2 = [[0.0]]
# dA1 = W2^T dZ2 = [[1], [0.25]] [[-0.5, 0.5]]
dA1 = [[-0.5, 0.5], [-0.125, 0.125]]
# dZ1 = dA1 * (Z1 > 0); Z1 > 0 is [[1, 1], [0, 1]]
dZ1 = [[-0.5, 0.5], [0.0, 0.125]]
# dW1 = (1/2) dZ1 X^T, X^T = [[1, -1], [2, 1]]
#   row 1: (1/2)[-0.5*1 + 0.5*2, -0.5*(-1) + 0.5*1] = (1/2)[0.5, 1.0]   = [0.25, 0.5]
#   row 2: (1/2)[0*1 + 0.125*2,  0*(-1) + 0.125*1]  = (1/2)[0.25, 0.125] = [0.125, 0.0625]
dW1 = [[0.25, 0.5], [0.125, 0.0625]]
# db1 = (1/2) row sums of dZ1 = (1/2)[0, 0.125]
db1 = [[0.0], [0.0625]]
# dA0 = W1^T dZ1, W1^T = [[0.5, 1], [-0.5, 1]]
#   column 1, dZ1 = (-0.5, 0):    (0.5*-0.5 + 0,  -0.5*-0.5 + 0)        = (-0.25, 0.25)
#   column 2, dZ1 = (0.5, 0.125): (0.25 + 0.125,  -0.25 + 0.125)        = (0.375, -0.125)
dA0 = [[-0.25, 0.375], [0.25, -0.125]]

# ---- one gradient-descent step, learning rate 0.5: P - 0.5 dP
# W1: [[0.5 - 0.125, -0.5 - 0.25], [1 - 0.0625, 1 - 0.03125]]
NEW = {
    "W1": [[0.375, -0.75], [0.9375, 0.96875]],
    "b1": [[0.0], [-1.03125]],        # -1 - 0.5*0.0625
    "W2": [[1.0625, 0.0]],            # 1 + 0.5*0.125, 0.25 - 0.5*0.5
    "b2": [[-1.0]],                   # -1 - 0.5*0
}


def _close(ours, hand, name):
    np.testing.assert_allclose(ours, np.array(hand, dtype=float), rtol=1e-15, atol=1e-16,
                               err_msg=f"{name}: layerwise vs hand-worked")


def test_forward_by_hand():
    Z, cache = lw.linear_forward(X, PARAMS["W1"], PARAMS["b1"])
    _close(Z, Z1, "Z1")
    A, _ = lw.linear_activation_forward(X, PARAMS["W1"], PARAMS["b1"], "relu")
    _close(A, A1, "A1")
    AL, caches = lw.L_model_forward(X, PARAMS)  # default: relu hidden, sigmoid output
    _close(caches[0][1], Z1, "cached Z1")
    _close(caches[1][1], Z2, "cached Z2")
    _close(AL, A2, "A2")
    np.testing.assert_allclose(lw.compute_cost(AL, Y), COST, rtol=1e-15, err_msg="cost = ln 2")


def test_backward_by_hand():
    AL, caches = lw.L_model_forward(X, PARAMS)
    grads = lw.L_model_backward(AL, Y, caches)
    for name, hand in [("dW2", dW2), ("db2", db2), ("dA1", dA1), ("dW1", dW1), ("db1", db1),
                       ("dA0", dA0)]:
        _close(grads[name], hand, name)
    # the layer-level course functions give the same pieces
    dA_prev, dW, db = lw.linear_backward(np.array(dZ2), caches[1][0])
    _close(dA_prev, dA1, "linear_backward dA1")
    _close(dW, dW2, "linear_backward dW2")
    _close(lw.relu_backward(np.array(dA1), np.array(Z1)), dZ1, "relu_backward dZ1")
    _, dW, db = lw.linear_activation_backward(np.array(dA1), caches[0], "relu")
    _close(dW, dW1, "linear_activation_backward dW1")
    _close(db, db1, "linear_activation_backward db1")


def test_one_gradient_descent_step_by_hand():
    AL, caches = lw.L_model_forward(X, PARAMS)
    grads = lw.L_model_backward(AL, Y, caches)
    new = lw.update_parameters(PARAMS, grads, 0.5)
    for key, hand in NEW.items():
        _close(new[key], hand, f"updated {key}")
    _close(PARAMS["W1"], [[0.5, -0.5], [1.0, 1.0]], "update_parameters must not modify its input")


def test_network_object_by_hand():
    net = lw.Network([2, 2, 1], seed=0)
    net.parameters = PARAMS
    _close(net.predict_proba(X), A2, "Network.predict_proba")
    grads = net.backpropagation(X, Y)
    _close(grads["dW1"], dW1, "Network dW1")
    _close(grads["db2"], db2, "Network db2")
    net.fit(X, Y, optimizer="gd", learning_rate=0.5, epochs=1, verbose=0)
    for key, hand in NEW.items():
        _close(net.parameters[key], hand, f"Network.fit one GD epoch: {key}")
    np.testing.assert_allclose(net.history_.cost, [COST], rtol=1e-15,
                               err_msg="History.cost[0] is the cost before the step")
