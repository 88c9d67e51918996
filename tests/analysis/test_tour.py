"""`actlab tour` writes two complete, self-contained pages (English and Korean) that teach."""

from __future__ import annotations

import html
import re

import pytest

from actlab.analysis import tour
from actlab.analysis.tour_sections import share_of_baseline
from actlab.cli import main

HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: KOREAN.md: words that must not appear in Korean text
BANNED_KO = ("바이어스", "머리", "씨앗", "번들된", "칸", "seed 004")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rc = main(["tour", "-o", str(out), "--quick"])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "index.ko.html"]  # nothing else needed
    return {lang: (out / name).read_text(encoding="utf-8") for lang, name in tour.PAGES.items()}


def _sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', page, flags=re.S))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_section_opens_with_a_question_and_ends_with_notice_and_snippet(pages, lang):
    page = pages[lang]
    secs = _sections(page)
    assert list(secs) == [st.id for st in tour.STEPS]
    for st in tour.STEPS:
        body = secs[st.id]
        assert body.startswith(f"<h2>{html.escape(st.title_in(lang))}</h2><p class=\"question\">"), st.id
        assert '<div class="notice">' in body and body.rstrip().endswith("</div>"), st.id
        assert '<div class="repro">' in body and "<pre><code" in body, st.id
    text = html.unescape(page)
    for phrase in ("σ′(0) = 0.25", "σ′(5) = 0.006648", "0.25^10", "BCEWithLogits", "LSTM", "GRU"):
        assert phrase in text
    for head in ("sigmoid", "softmax", "multilabel"):
        assert f"<td>{head}</td>" in page


def test_pages_are_self_contained_and_link_each_other(pages):
    for lang, page in pages.items():
        assert f'<html lang="{lang}">' in page
        srcs = re.findall(r'src="([^"]+)"', page)
        assert len(srcs) >= 12 and all(s.startswith("data:image/png;base64,") for s in srcs)
        assert not re.search(r'(href|src)="(https?:)?//', page)
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)
        assert len(captions) == len(srcs) and all(re.search(r"\d", c) for c in captions)
    assert 'href="index.ko.html" hreflang="ko"' in pages["en"]
    assert 'href="index.html" hreflang="en"' in pages["ko"]
    # the same figures on both pages (drawn once per run)
    assert re.findall(r'src="([^"]+)"', pages["en"]) == re.findall(r'src="([^"]+)"', pages["ko"])


def test_korean_page_is_korean(pages):
    ko, en = pages["ko"], pages["en"]
    text = re.sub(r"<(pre|code|script|style)\b.*?</\1>", " ", ko, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    assert len(HANGUL.findall(text)) > 3000
    assert not HANGUL.search(re.sub(r'<span class="langs">.*?</span>', "", en))  # English page: no Hangul
    for word in BANNED_KO:
        assert word not in text, word
    for term in ("활성화 함수", "기울기 소실", "로짓", "교차 엔트로피", "포화", "죽은 유닛"):
        assert term in text, term
    # every heading, table header and caption is Korean (numbers and code aside)
    for tag in ("h2", "th", "figcaption", "caption"):
        for item in re.findall(rf"<{tag}>(.*?)</{tag}>", ko, flags=re.S):
            plain = html.unescape(re.sub(r"<code>.*?</code>|<[^>]+>", "", item))
            if re.search(r"[A-Za-z]{4,}", plain) and len(plain) > 40:
                assert HANGUL.search(plain), (tag, plain)


def test_only_one_language_and_bad_language(tmp_path):
    result = tour.run(tmp_path, quick=True, only=("derivatives",), lang="ko")
    assert result.pages == {"ko": tmp_path / "index.ko.html"} and result.index == tmp_path / "index.ko.html"
    page = result.index.read_text(encoding="utf-8")
    assert 'hreflang="en"' not in page  # no link to a page that was not written
    with pytest.raises(ValueError, match="lang must be one of en, ko, both"):
        tour.run(tmp_path, quick=True, lang="de")
    with pytest.raises(ValueError, match="unknown steps"):
        tour.run(tmp_path, quick=True, only=("nope",))


def test_run_returns_what_it_measured(tmp_path):
    calls = []
    result = tour.run(tmp_path, quick=True, only=("derivatives", "bce", "dead-relu"), lang="en",
                      progress=lambda step, done: calls.append((step, done)))
    assert calls == [("derivatives", False), ("derivatives", True), ("dead-relu", False), ("dead-relu", True),
                     ("bce", False), ("bce", True)]
    assert result.index == tmp_path / "index.html" and result.index.is_file()
    assert result.gallery is None and result.vanishing is None and result.gates is None
    d = result.derivatives
    assert d.grad_at_0 == 0.25 and d.grad_at_5 == pytest.approx(0.006648056670790033, rel=1e-15)
    assert d.textbook_grad_at_40 == 0.0 < d.grad_at_40 == pytest.approx(4.248354255291589e-18, rel=1e-12)
    assert [row.x for row in d.rows] == [-10, -5, -2, -1, 0, 1, 2, 5, 10]
    worst = result.bce.most_wrong
    assert worst.z == 40.0 and worst.grad_with_logits == pytest.approx(1.0) and worst.grad_through_sigmoid < 1e-5
    dead = result.dead_relu
    assert dead.biases == (0.0, -2.0, -4.0) and len(dead.runs) == 6
    assert dead.run(-4.0, "relu").dead_at_init == dead.run(-4.0, "leaky_relu").dead_at_init  # same weights


@pytest.mark.parametrize(("ratio", "en", "ko"), [
    (0.004, "below 1% of the baseline (0.4%): the model learned", "1% 미만(0.4%)"),
    (0.05, "5% of the baseline: the model learned", "기준값의 5%로, 과제를 학습했습니다"),
    (0.3, "30% of the baseline: it learned only part", "일부만"),
    (0.9, "barely better than predicting the mean", "조금 나을 뿐"),
    (1.007, "no better than predicting the mean -- it did not learn", "학습하지 못했습니다"),
])
def test_claims_follow_the_measured_value(ratio, en, ko):
    assert en in share_of_baseline(ratio, lambda e, k: e)
    assert ko in share_of_baseline(ratio, lambda e, k: k)


def test_trust_section_states_measured_accuracy(pages):
    secs = _sections(pages["en"])
    body = html.unescape(secs["trust"])
    row = re.search(r"<tr><td>σ′\(x\)</td>(.*?)</tr>", body).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[-1] != "" and float(cells[-1]) <= 1.0  # actlab's column is last
    assert "inf (wrong)" in body or any(float(c) > 1e6 for c in cells[:-1] if c[0].isdigit())


def test_every_reproduce_snippet_runs(pages, tmp_path, monkeypatch):
    """The Python snippets on the page are real: each runs as printed (full settings)."""
    monkeypatch.chdir(tmp_path)  # the gallery snippet saves a file
    for sid, body in _sections(pages["en"]).items():
        code = re.search(r'<code class="language-python">(.*?)</code>', body, flags=re.S).group(1)
        exec(compile(html.unescape(code), f"<snippet {sid}>", "exec"), {})
    assert (tmp_path / "gallery.png").read_bytes()[:4] == b"\x89PNG"
