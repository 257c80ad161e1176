"""The course-number tests hold on every CPU code path, with tolerances from measured spreads.

NumPy's AVX-512 exp/log round differently from the baseline kernels in the last
bit. On the project's AVX-512 machines (measured outside this suite):

- He run of the init protocol, iteration 14000: 0.07357895962677369 against the
  published (baseline) 0.07357895962677363 -- 8.2e-16 relative;
- random x10, iteration 1000: 0.6235064011423503 against 0.6247924745506072 --
  2.1e-3 relative, amplified by the saturated network;
- the lab's built-in regularisation data (README's table; not a published course
  number): no regularisation 0.1003 / 0.9400 / 0.8350 against 0.1050 / 0.9450 /
  0.8400 on the baseline path.

This machine has no AVX-512, so the spread was also measured here by imitation
(benchmarks/ulp_sensitivity.py, results in benchmarks/results/ulp_sensitivity.json):
one-ulp perturbations of a random share of exp/log results and two older
OpenBLAS kernel sets. Largest relative deviation from each published number:

=================================  =======  ======================================
number                             spread   note
=================================  =======  ======================================
init he, iterations 0..7000        1.8e-16  1 ulp at most
init he, iteration 14000           9.4e-16  AVX-512: 8.2e-16
init zeros, any iteration          3.2e-16
init random x10 @1000/7000/14000   3.1e-3 / 4.9e-3 / 6.1e-5   saturated; AVX-512 @1000: 2.1e-3
init accuracies (all three runs)   0        never moved
gradcheck 1-D                      0        no exp/log in it
gradcheck N-D buggy / fixed        1.8e-9 / 5.5e-3  finite differences of rounding noise
regularization data.mat costs      <= 2.9e-15, none @20000: 6.1e-13
regularization data.mat accuracies 0
optimization gd/adam @0, @1000     <= 3.3e-16
lab built-in regularisation        6.5e-2 (none final cost), accuracies +-1 example
=================================  =======  ======================================

``layerwise.lab.agreement.SPREAD`` holds these figures; tests grant 3 x the
spread (at least 4 ulps), and exact equality where no path moved the number
and the arithmetic counts (accuracies) or uses no exp/log (the 1-D check).
This module checks that rule against the AVX-512 figures above, re-measures a
short ulp perturbation to show the recorded spreads are not understated, and
runs every course-number test module again with AVX-512 disabled.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from numpy.random import RandomState
from ulp import perturbed_exp_log

from layerwise.engine import Engine
from layerwise.gradcheck import gradient_check
from layerwise.initializers import initialize_parameters_deep
from layerwise.lab import gradcheck
from layerwise.lab.agreement import SPREAD, agreement, tolerance
from layerwise.optimizers import GradientDescent

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: (measured on AVX-512, published): the figures of the module docstring.
AVX512 = {"init.he.cost@14000": (0.07357895962677369, 0.07357895962677363),
          "init.random.cost@1000": (0.6235064011423503, 0.6247924745506072)}
#: Every test module that compares with published course numbers.
COURSE_NUMBER_TESTS = ["tests/speed/test_course_digits.py", "tests/lab/test_lab_course.py",
                       "tests/core/test_core_course.py", "tests/repro/test_cross_cpu.py"]
NO_AVX512 = "X86_V4 AVX512_ICL"


def test_the_harness_moves_exp_and_log_results_by_exactly_one_ulp():
    x = np.linspace(-5, 5, 4001)
    ref_exp, ref_log = np.exp(x), np.log(np.abs(x) + 0.5)
    with perturbed_exp_log(seed=0, fraction=0.25):
        out = np.empty_like(x)
        np.exp(x, out=out)
        logs = np.log(np.abs(x) + 0.5)
    assert np.exp(1.0) == np.e  # restored
    for got, ref in ((out, ref_exp), (logs, ref_log)):
        moved = got != ref
        assert 0.2 < moved.mean() < 0.3
        ulps = np.abs(got - ref)[moved] / np.spacing(np.abs(ref))[moved]
        assert np.all((ulps > 0.49) & (ulps <= 1.0)), "one ulp (half one below a power of 2)"


@pytest.mark.parametrize("key", sorted(AVX512))
def test_the_tolerance_rule_admits_the_measured_avx512_figures(key):
    avx, published = AVX512[key]
    rel = abs(avx - published) / published
    assert rel <= SPREAD[key][0], "the recorded spread includes the AVX-512 figure"
    assert rel <= tolerance(key)
    assert rel > 1e-12 or key == "init.he.cost@14000"
    found = agreement(key, published, avx)
    assert found["kind"] in ("rounding", "amplified"), found


def _init_cost(method, iteration, **kw):
    from sklearn.datasets import make_circles

    X, y = make_circles(300, noise=0.05, random_state=RandomState(1))
    X, Y = X.T, y.reshape(1, -1).astype(np.float64)
    dims = [2, 10, 5, 1]
    params = initialize_parameters_deep(dims, method, rng=RandomState(3), **kw)
    engine = Engine(dims, ["relu", "relu", "sigmoid"], "binary_cross_entropy",
                    parameters=params, mean_in_delta=True)
    opt = GradientDescent(0.01)
    state = opt.init(engine.flat_params)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for _ in range(iteration):
            engine.forward_backward(X, Y)
            opt.update(engine.flat_grads, state, engine.flat_params)
        return engine.forward_backward(X, Y) / X.shape[1]


@pytest.mark.parametrize("seed", [10, 11])
def test_fresh_ulp_perturbations_stay_within_the_recorded_spreads(seed):
    # Seeds other than the ones behind SPREAD: the recorded figures must not be understated.
    base_random, base_he = _init_cost("random", 1000, scale=10), _init_cost("he", 1000)
    X, Y, params = gradcheck.test_case()

    def fixed_difference():
        return float(gradient_check(params, gradcheck.backward(X, Y, params, buggy=False), X, Y))

    base_fixed = fixed_difference()
    with perturbed_exp_log(seed, fraction=0.5):
        random, he = _init_cost("random", 1000, scale=10), _init_cost("he", 1000)
        fixed = fixed_difference()
    moved = abs(random - base_random) / base_random
    assert 1e-8 < moved <= SPREAD["init.random.cost@1000"][0], moved  # saturated: it does move
    assert abs(he - base_he) / base_he <= tolerance("init.he.cost@1000")
    moved = abs(fixed - base_fixed) / base_fixed
    assert 0 < moved <= SPREAD["gradcheck.nd_fixed"][0], moved


def test_avx512_is_really_disabled_by_the_variable():
    code = ("from numpy._core._multiarray_umath import __cpu_features__ as f; "
            "print(f['AVX512F'], f['AVX512_SKX'])")
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": NO_AVX512}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"], out.stdout + out.stderr


def _has_avx512():
    from numpy._core._multiarray_umath import __cpu_features__

    return bool(__cpu_features__.get("AVX512F"))


def test_course_number_tests_pass_with_avx512_disabled():
    """Every course-number test module again, on the baseline exp/log path.

    On an AVX-512 machine the main run exercises the AVX-512 kernels and this
    one the baseline kernels: all course-number tests run again (about 40 s).
    On a machine without AVX-512 both runs take the same path, so repeating
    the full-budget protocols would prove nothing more; the subprocess then
    runs the fast modules only, showing that the mechanism works.
    """
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": NO_AVX512, "MPLBACKEND": "Agg"}
    selection = "not avx512_disabled and not avx512_is_really"
    if not _has_avx512():
        selection += (" and not full_budget and not he_full_series and not course_data"
                      " and not measured_cross_cpu_spread[he and not fresh_ulp")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-k", selection, *COURSE_NUMBER_TESTS], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
