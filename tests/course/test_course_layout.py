"""The names each notebook module must provide, as ../shared/COURSE_API.md lists them.

Oracle: the course's notebooks and utils (names and signatures read from the
course's files, COURSE_API.md section 0 and the per-notebook tables).
"""

import importlib
import inspect

import pytest

NAMES = {
    "step_by_step": "sigmoid relu relu_backward sigmoid_backward initialize_parameters "
                    "initialize_parameters_deep linear_forward linear_activation_forward "
                    "L_model_forward compute_cost linear_backward linear_activation_backward "
                    "L_model_backward update_parameters",
    "application": "sigmoid relu sigmoid_backward relu_backward load_data initialize_parameters "
                   "initialize_parameters_deep linear_forward linear_activation_forward "
                   "L_model_forward compute_cost linear_backward linear_activation_backward "
                   "L_model_backward update_parameters predict two_layer_model L_layer_model",
    "initialization": "sigmoid relu forward_propagation backward_propagation update_parameters "
                      "compute_loss load_cat_dataset predict predict_dec load_dataset model "
                      "initialize_parameters_zeros initialize_parameters_random "
                      "initialize_parameters_he",
    "regularization": "sigmoid relu load_planar_dataset initialize_parameters "
                      "forward_propagation backward_propagation update_parameters predict "
                      "predict_dec compute_cost load_dataset load_2D_dataset model "
                      "compute_cost_with_regularization backward_propagation_with_regularization "
                      "forward_propagation_with_dropout backward_propagation_with_dropout",
    "gradient_checking": "sigmoid relu dictionary_to_vector vector_to_dictionary "
                         "gradients_to_vector forward_propagation backward_propagation "
                         "gradient_check forward_propagation_n backward_propagation_n "
                         "gradient_check_n",
    "optimization": "sigmoid relu load_params_and_grads initialize_parameters compute_cost "
                    "forward_propagation backward_propagation predict predict_dec "
                    "load_2D_dataset load_dataset update_parameters_with_gd random_mini_batches "
                    "initialize_velocity update_parameters_with_momentum initialize_adam "
                    "update_parameters_with_adam update_lr schedule_lr_decay model",
}
ALIASES = {"c1w4a1": "step_by_step", "c1w4a2": "application", "c2w1a1": "initialization",
           "c2w1a2": "regularization", "c2w1a3": "gradient_checking", "c2w2a1": "optimization"}
COUNTS = {"step_by_step": 14, "application": 18, "initialization": 14, "regularization": 17,
          "gradient_checking": 11, "optimization": 20}


@pytest.mark.parametrize("module", list(NAMES))
def test_each_notebook_module_has_its_names(module):
    names = NAMES[module].split()
    assert len(names) == COUNTS[module]
    mod = importlib.import_module(f"layerwise.course.{module}")
    star = {}
    exec(f"from layerwise.course.{module} import *", star)
    assert set(names) <= set(star), sorted(set(names) - set(star))
    alias = importlib.import_module(
        "layerwise.course." + {v: k for k, v in ALIASES.items()}[module])
    assert all(getattr(alias, n) is getattr(mod, n) for n in names)


def test_the_top_level_holds_the_46_shared_names():
    import layerwise.course as course

    assert len(course.__all__) == 46
    assert course.initialize_parameters_deep([2, 1])["W1"].std() < 0.1  # A1's x0.01
    assert course.update_parameters is importlib.import_module(
        "layerwise.course.step_by_step").update_parameters


@pytest.mark.parametrize("module, name, signature", [
    ("optimization", "random_mini_batches", "(X, Y, mini_batch_size=64, seed=0)"),
    ("optimization", "update_parameters_with_adam",
     "(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-08)"),
    ("optimization", "schedule_lr_decay",
     "(learning_rate0, epoch_num, decay_rate, time_interval=1000)"),
    ("optimization", "model", "(X, Y, layers_dims, optimizer, learning_rate=0.0007, "
                              "mini_batch_size=64, beta=0.9, beta1=0.9, beta2=0.999, "
                              "epsilon=1e-08, num_epochs=5000, print_cost=True, decay=None, "
                              "decay_rate=1)"),
    ("initialization", "model", "(X, Y, learning_rate=0.01, num_iterations=15000, "
                                "print_cost=True, initialization='he')"),
    ("regularization", "model", "(X, Y, learning_rate=0.3, num_iterations=30000, "
                                "print_cost=True, lambd=0, keep_prob=1)"),
    ("regularization", "forward_propagation_with_dropout", "(X, parameters, keep_prob=0.5)"),
    ("gradient_checking", "gradient_check_n",
     "(parameters, gradients, X, Y, epsilon=1e-07, print_msg=False)"),
    ("gradient_checking", "gradient_check", "(x, theta, epsilon=1e-07, print_msg=False)"),
    ("application", "predict", "(X, y, parameters)"),
    ("application", "two_layer_model", "(X, Y, layers_dims, learning_rate=0.0075, "
                                       "num_iterations=3000, print_cost=False)"),
    ("step_by_step", "linear_activation_forward", "(A_prev, W, b, activation)"),
])
def test_signatures_are_the_notebooks(module, name, signature):
    fn = getattr(importlib.import_module(f"layerwise.course.{module}"), name)
    assert str(inspect.signature(fn)) == signature
