"""The --quick lab: every experiment writes its results and figures, and the seeds' claims hold."""

import math
import os
from html.parser import HTMLParser

import pytest

from layerwise.lab import EXPERIMENTS

RUN_NAMES = {
    "init": ["zeros", "random", "he"],
    "regularization": ["none", "l2", "dropout"],
    "optimization": ["gd", "momentum", "adam", "gd_update_lr", "gd_schedule",
                     "momentum_schedule", "adam_schedule"],
    "gradcheck": ["1d", "nd_buggy", "nd_fixed"],
}


def test_every_experiment_is_in_results_json_with_the_issue_shape(quick_report):
    _, results = quick_report
    assert list(results["experiments"]) == list(EXPERIMENTS)
    for name, exp in results["experiments"].items():
        assert isinstance(exp["seconds"], float) and exp["seconds"] > 0, name
        assert isinstance(exp["setup"], dict) and exp["setup"], name
        assert exp["runs"], name
        for run, rec in exp["runs"].items():
            for key in ("train_accuracy", "test_accuracy", "final_cost"):
                assert rec[key] is None or isinstance(rec[key], float), (name, run, key)
            assert isinstance(rec["cost_every"], int), (name, run)
            assert all(c is None or isinstance(c, float) for c in rec["costs"]), (name, run)


@pytest.mark.parametrize("experiment", list(RUN_NAMES))
def test_course_run_names(quick_report, experiment):
    _, results = quick_report
    assert list(results["experiments"][experiment]["runs"]) == RUN_NAMES[experiment]


def test_costs_are_recorded_every_100_iterations(quick_report):
    _, results = quick_report
    init = results["experiments"]["init"]
    iterations = init["setup"]["iterations"]
    for rec in init["runs"].values():
        assert rec["cost_every"] == 100
        assert len(rec["costs"]) == math.ceil(iterations / 100)
    opt = results["experiments"]["optimization"]
    assert len(opt["runs"]["adam"]["costs"]) == math.ceil(opt["setup"]["epochs"] / 100)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.sections = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "h2":
            self.sections.append(attrs.get("id"))


def test_index_html_parses_and_every_image_exists(quick_report):
    out, results = quick_report
    parser = _Images()
    with open(os.path.join(out, "index.html"), encoding="utf-8") as handle:
        parser.feed(handle.read())
    parser.close()
    assert parser.sections == list(EXPERIMENTS)
    assert len(parser.images) >= len(EXPERIMENTS)
    for src in parser.images:
        path = os.path.join(out, src)
        assert os.path.isfile(path) and os.path.getsize(path) > 1000, src
    # every figure results.json names is in the page, and every PNG written is used
    named = {f for exp in results["experiments"].values() for f in exp["figures"]}
    assert named == set(parser.images)
    written = {f"figures/{f}" for f in os.listdir(os.path.join(out, "figures"))}
    assert written == named


def test_no_temporary_directory_is_left_next_to_the_report(quick_report):
    out, _ = quick_report
    assert os.listdir(out.parent) == [out.name]


# ------------------------------------------------------------------ the seeds' claims
def test_zeros_stay_at_half(quick_report):
    runs = quick_report[1]["experiments"]["init"]["runs"]
    assert runs["zeros"]["train_accuracy"] == 0.5
    assert runs["zeros"]["test_accuracy"] == 0.5
    assert max(runs["zeros"]["costs"]) - min(runs["zeros"]["costs"]) < 1e-12


def test_he_beats_random_x10(quick_report):
    runs = quick_report[1]["experiments"]["init"]["runs"]
    assert runs["he"]["train_accuracy"] > runs["random"]["train_accuracy"]
    assert runs["he"]["test_accuracy"] > runs["random"]["test_accuracy"]
    assert runs["he"]["final_cost"] < runs["random"]["final_cost"]


def test_regularisation_narrows_the_gap_and_raises_test_accuracy(quick_report):
    runs = quick_report[1]["experiments"]["regularization"]["runs"]
    gap = {n: r["train_accuracy"] - r["test_accuracy"] for n, r in runs.items()}
    assert gap["none"] >= 0.05, "the built-in data should make the plain net overfit"
    for name in ("l2", "dropout"):
        assert gap[name] < gap["none"], name
        assert runs[name]["test_accuracy"] > runs["none"]["test_accuracy"], name


def test_gradcheck_separates_correct_from_buggy_and_blames_W2_and_b1(quick_report):
    runs = quick_report[1]["experiments"]["gradcheck"]["runs"]
    assert runs["nd_buggy"]["difference"] > 2e-7 >= runs["nd_fixed"]["difference"]
    assert runs["1d"]["difference"] < 1e-7
    assert runs["nd_buggy"]["blamed"] == ["b1", "W2"]
    assert runs["nd_fixed"]["blamed"] == []


def test_adam_beats_gd_at_lr_0_0007(quick_report):
    runs = quick_report[1]["experiments"]["optimization"]["runs"]
    assert runs["adam"]["final_cost"] < runs["gd"]["final_cost"] - 0.1
    assert runs["adam"]["costs"][-1] < runs["gd"]["costs"][-1]
    assert runs["adam"]["train_accuracy"] > runs["gd"]["train_accuracy"]


def test_decay_runs_use_the_course_schedules(quick_report):
    runs = quick_report[1]["experiments"]["optimization"]["runs"]
    # rate in use at epochs 0, 100, 200, ...: lr0 at epoch 0, then schedule(lr0, epoch - 1)
    assert runs["gd_update_lr"]["learning_rates"][:3] == [0.1, 0.1 / 100, 0.1 / 200]
    assert runs["gd_schedule"]["learning_rates"][:2] == [0.1, 0.1]
    assert runs["gd"]["learning_rates"][-1] == 0.0007


def test_designed_experiments_show_their_point(quick_report):
    exps = quick_report[1]["experiments"]
    norms = exps["gradients"]["runs"]
    small = norms["sigmoid_small"]["gradient_norms"]
    assert small[0] < 1e-10 * small[-1]  # vanishing toward the input
    he = norms["relu_he"]["gradient_norms"]
    assert max(he) / min(he) < 100
    soft = exps["softmax"]["runs"]
    assert soft["deep"]["test_accuracy"] > 0.9 > soft["linear"]["test_accuracy"]
    norm = exps["normalization"]
    assert norm["best_run"]["standardized"].startswith("standardized")
    ewa = exps["ewa"]["runs"]
    assert abs(ewa["beta_0.98_corrected"]["mean_error_first_days"]) < abs(
        ewa["beta_0.98"]["mean_error_first_days"])


def test_every_experiment_has_a_reading_and_a_table(quick_report):
    for name, exp in quick_report[1]["experiments"].items():
        assert exp["reading"] and all(isinstance(s, str) and s for s in exp["reading"]), name
        assert exp["table"]["rows"], name
