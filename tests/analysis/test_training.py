"""``actlab train`` and the tour's gates experiment learn what they claim, on every kernel ISA."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.analysis import training, training_experiments
from actlab.analysis.experiments import Settings


def test_train_sequence_defaults_learn_the_adding_problem_on_every_isa(isa):
    r = training.run_task("sequence")
    assert r.data == f"adding problem (T={training.SEQUENCE_SETUP['steps']})"
    assert r.train_rows + r.test_rows == training.SEQUENCE_SETUP["sequences"]
    assert [s.model for s in r.scores] == ["LSTM", "GRU"]
    # well within the bound of 10% of predicting the mean (measured: 0.1-0.5%)
    for s in r.scores:
        assert s.value <= 0.02 * r.baseline_mse, (isa, s)


def test_tour_gates_experiment_learns_on_every_isa(isa):
    r = training_experiments.gates(Settings())
    for m in r.models:
        assert m.test_mse <= 0.01 * r.baseline_mse, (isa, m.model, m.test_mse / r.baseline_mse)
        # the gates are measured on the held-out sequences: every value inside its open range
        for g, v in m.values.items():
            lo = -1.0 if g in ("g", "n") else 0.0
            assert v.shape[-1] == 32 and np.all((v > lo) & (v < 1.0)), g
    assert r.test_sequences == 500


def test_sequence_task_refuses_an_activation_and_bad_epochs():
    with pytest.raises(ValueError, match="does not apply to the sequence task"):
        training.run_task("sequence", activation="tanh", small=True)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        training.run_task("binary", epochs=0)
    with pytest.raises(ValueError, match="unknown task 'regression'"):
        training.run_task("regression")


def test_a_used_up_epoch_budget_is_a_note_not_a_warning(recwarn):
    r = training.run_task("binary", epochs=3)
    assert not [w for w in recwarn if "Convergence" in w.category.__name__]
    assert len(r.notes) == 1 and "whole budget of 3 epochs" in r.notes[0]
    assert r.scores[0].value > 0.9  # logistic regression is unaffected by the MLP's budget
