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
    for sid, title, _, _ in tour.STEPS:
        assert f'id="{sid}"' in page
        assert f"<h2>{title}</h2>" in text
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
