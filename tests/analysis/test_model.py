"""Reading a model's layers through nn's protocol: Sequential, Module children, lists; clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import actlab as al
from actlab import nn
from actlab.analysis._model import activation_name, activation_of, layers
from actlab.analysis.recommend import check_model


def test_layers_of_sequential_module_and_list():
    rng = np.random.default_rng(0)
    lin, act = nn.Linear(3, 2, rng=rng), nn.Tanh()
    assert layers(nn.Sequential(lin, act)) == [lin, act]
    assert layers([lin, act]) == [lin, act] and layers((lin,)) == [lin]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = lin
            self.out = act

    assert layers(Net()) == [lin, act]


def test_layers_rejects_what_is_not_a_model():
    with pytest.raises(TypeError, match="cannot list the layers of a dict"):
        layers({"fc": nn.Linear(2, 2)})
    with pytest.raises(TypeError, match="layer 1 is a str, not an nn.Module"):
        layers([nn.Tanh(), "relu"])


def test_activation_of_reads_the_layer_and_its_parameters():
    act, kw = activation_of(nn.LeakyReLU(negative_slope=0.2))
    assert act is al.get("leaky_relu") and kw == {"negative_slope": 0.2}
    assert activation_of(nn.Activation("gelu", approximate="tanh"))[1] == {"approximate": "tanh"}
    assert activation_name(nn.Softmax()) == "softmax"
    assert activation_of(nn.Linear(2, 2)) is None and activation_name(nn.Dropout(0.5)) is None


def test_check_model_takes_a_plain_list():
    rng = np.random.default_rng(1)
    rules = [f.rule for f in check_model([nn.Linear(4, 1, rng=rng), nn.Sigmoid()], "BCEWithLogitsLoss")]
    assert rules == ["sigmoid-before-bce-with-logits"]
