"""`actlab tour` on the quick setting writes a complete, self-contained report."""

from __future__ import annotations

import html
import re

import pytest

from actlab.analysis import tour
from actlab.cli import main


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rc = main(["tour", "-o", str(out), "--quick"])
    assert rc == 0
    return out, (out / "index.html").read_text(encoding="utf-8")


def test_every_section_is_there(report):
    _, page = report
    text = html.unescape(page)
    for step in tour.STEPS:
        assert f'id="{step.id}"' in page
        assert f"<h2>{step.title}</h2>" in text
    for phrase in ("σ'(0) = 0.25", "σ'(5) = 0.006648", "0.25^10", "BCEWithLogits", "LSTM", "GRU"):
        assert phrase in text
    # the three heads chosen from the targets, and both recurrent models trained
    for head in ("sigmoid", "softmax", "multilabel"):
        assert f"<td>{head}</td>" in page
    assert text.count("test MSE") == 2


def test_images_exist_and_are_captioned(report):
    out, page = report
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert len(srcs) >= 7  # gallery + the study notes' six figures at least
    for s in srcs:
        p = out / s
        assert p.is_file() and p.read_bytes()[:4] == b"\x89PNG"
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert len(captions) == len(srcs)
    assert all(re.search(r"\d", c) for c in captions)  # every caption carries measured numbers


def test_self_contained(report):
    _, page = report
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_run_returns_what_it_measured(tmp_path):
    calls = []
    result = tour.run(tmp_path, quick=True, only=("derivatives", "bce", "dead-relu"),
                      progress=lambda step, done: calls.append((step, done)))
    assert calls == [("derivatives", False), ("derivatives", True), ("dead-relu", False), ("dead-relu", True),
                     ("bce", False), ("bce", True)]
    assert result.index == tmp_path / "index.html" and result.index.is_file()
    assert result.gallery is None and result.vanishing is None and result.gates is None
    d = result.derivatives
    assert d.grad_at_0 == 0.25 and d.grad_at_5 == pytest.approx(0.006648056670790033, rel=1e-15)
    assert d.textbook_grad_at_40 == 0.0 < d.grad_at_40 == pytest.approx(4.248354255291589e-18, rel=1e-12)
    assert [row.x for row in d.rows] == [-10, -5, -2, -1, 0, 1, 2, 5, 10]
    assert d.chart.bars[d.chart.xs.index(0.0)] == 20 and max(d.chart.bars) == 40
    worst = result.bce.most_wrong
    assert worst.z == 40.0 and worst.grad_with_logits == pytest.approx(1.0) and worst.grad_through_sigmoid < 1e-5
    dead = result.dead_relu
    assert dead.biases == (0.0, -2.0, -4.0) and len(dead.runs) == 6
    assert dead.dead_at_init[0] < dead.dead_at_init[-1]
    assert dead.run(-4.0, "relu").dead_at_init == dead.run(-4.0, "leaky_relu").dead_at_init  # same weights
    assert len(dead.run(0.0, "relu").losses) == dead.steps + 1
