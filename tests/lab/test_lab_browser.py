"""The lab page in a real headless Chromium against a real ``actlab lab`` server."""

from __future__ import annotations

import re

import pytest

import browser

HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Page:
    """One tab with its console errors and every request / WebSocket it opened."""

    def __init__(self, chromium, url, width=1400, context=None):
        self.ctx = context or chromium.new_context(viewport={"width": width, "height": 1000})
        self.page = self.ctx.new_page()
        self.errors, self.outside = [], []
        origin = url.rstrip("/")
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith((origin, "data:", "blob:"))
                     else self.outside.append(r.url))
        self.page.on("websocket", lambda ws: None if ws.url.startswith(origin.replace("http", "ws", 1))
                     else self.outside.append(ws.url))
        self.page.goto(url)
        self.wait("document.querySelector('[data-testid=inspect-grad]').textContent.length > 0")
        self.wait("document.querySelector('[data-testid=lab-train-loss]').textContent.length > 0")

    def wait(self, js, timeout=20000):
        self.page.wait_for_function(js, timeout=timeout)

    def num(self, testid):
        return float(self.page.get_by_test_id(testid).inner_text())

    def text(self, testid):
        return self.page.get_by_test_id(testid).inner_text()

    def steps(self):
        return int(self.text("lab-steps"))

    def set_depth(self, depth):
        box = self.page.get_by_test_id("lab-depth")
        box.fill(str(depth))
        box.dispatch_event("change")
        self.wait(f"document.querySelectorAll('[data-testid^=layer-activation-]').length === {depth}")

    def choose_all(self, activation, depth):
        for i in range(depth):
            sel = self.page.get_by_test_id(f"layer-activation-{i}")
            sel.select_option(activation)
            self.wait(f"document.querySelector('[data-testid=layer-activation-{i}]').value === '{activation}'")
        # the server's frame for this network: the per-layer table names the activations
        self.wait("Array.from(document.querySelectorAll('#layer-table tr td:nth-child(2)')).slice(0, "
                  f"{depth}).every(td => td.textContent === '{activation}')")

    def close(self):
        self.ctx.close()


def test_page_loads_from_the_server_alone_and_fits_a_phone(chromium, lab_url):
    for width in (1400, 390):
        p = Page(chromium, lab_url, width)
        try:
            scroll, inner = p.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert scroll <= inner
            assert p.errors == [] and p.outside == []
            assert p.text("lab-error") == ""
            shots = browser.screenshot_dir()
            if shots is not None:
                p.page.screenshot(path=str(shots / f"lab-{width}.png"), full_page=True)
        finally:
            p.close()


def test_inspector_shows_the_tail_derivative_exactly(chromium, lab_url):
    p = Page(chromium, lab_url)
    try:
        assert p.page.get_by_test_id("inspect-activation").input_value() == "sigmoid"
        assert p.text("inspect-grad") == "4.248354255291589e-18"  # sigmoid'(40), where torch and JAX say 0
        assert float(p.text("inspect-value")) == 1.0
        box = p.page.get_by_test_id("inspect-x")
        box.fill("-3")
        box.dispatch_event("change")
        p.wait("document.querySelector('[data-testid=inspect-grad]').textContent === '0.04517665973091213'")
        p.page.get_by_test_id("inspect-activation").select_option("tanh")
        p.wait("document.querySelector('[data-testid=inspect-value]').textContent === '-0.9950547536867305'")
        assert p.errors == []
    finally:
        p.close()


def test_training_lowers_the_loss_and_moves_the_gradient_bars(chromium, lab_url):
    p = Page(chromium, lab_url)
    try:
        loss0, grad0 = p.num("lab-train-loss"), p.num("lab-grad-norm-0")
        p.page.get_by_test_id("lab-train").click()
        p.wait("+document.querySelector('[data-testid=lab-steps]').textContent >= 200")
        p.page.get_by_test_id("lab-train").click()
        p.page.wait_for_timeout(300)
        assert p.num("lab-train-loss") < 0.5 * loss0 and p.num("lab-test-loss") > 0
        assert p.num("lab-grad-norm-0") != grad0
        for i in (0, 1):
            assert 0.0 <= p.num(f"lab-dead-{i}") <= 1.0 and 0.0 <= p.num(f"lab-saturated-{i}") <= 1.0
        n = p.steps()
        p.page.get_by_test_id("lab-step").click()
        p.wait(f"+document.querySelector('[data-testid=lab-steps]').textContent === {n + 1}")
        p.page.get_by_test_id("lab-reset").click()
        p.wait("document.querySelector('[data-testid=lab-steps]').textContent === '0'")
        assert p.num("lab-train-loss") == loss0  # the same config: the same start
        assert p.errors == [] and p.outside == []
    finally:
        p.close()


def test_sigmoid_at_depth_6_starves_its_first_layer_relu_does_not(chromium, lab_url):
    p = Page(chromium, lab_url)
    try:
        p.set_depth(6)
        ratios = {}
        for act in ("sigmoid", "relu"):
            p.choose_all(act, 6)
            ratios[act] = p.num("lab-grad-norm-0") / p.num("lab-grad-norm-5")
        assert ratios["sigmoid"] < 0.01 and ratios["relu"] > 10 * ratios["sigmoid"], ratios
        assert p.errors == []
    finally:
        p.close()


def test_korean_is_one_click_and_remembered(chromium, lab_url):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
    p = Page(chromium, lab_url, context=ctx)
    try:
        p.page.get_by_test_id("lab-lang").click()
        assert p.page.evaluate("document.documentElement.lang") == "ko"
        body = p.page.inner_text("body")
        assert len(HANGUL.findall(body)) > 150 and "학습 시작" in body
        p.page.reload()
        p.wait("document.querySelector('[data-testid=lab-train-loss]').textContent.length > 0")
        assert p.page.evaluate("document.documentElement.lang") == "ko"
        p.page.get_by_test_id("lab-lang").click()
        assert p.page.evaluate("document.documentElement.lang") == "en" and "Train" in p.text("lab-train")
        assert p.errors == []
    finally:
        p.close()


def test_a_share_url_opens_the_same_run(chromium, lab_url):
    a = Page(chromium, lab_url)
    b = None
    try:
        a.set_depth(3)
        a.page.get_by_test_id("layer-activation-1").select_option("gelu")
        a.wait("document.querySelector('[data-testid=lab-share]').value.includes('gelu')")
        url = a.page.get_by_test_id("lab-share").input_value()
        b = Page(chromium, url)
        b.wait("document.querySelectorAll('[data-testid^=layer-activation-]').length === 3")
        assert b.page.get_by_test_id("layer-activation-1").input_value() == "gelu"
        assert b.page.get_by_test_id("lab-depth").input_value() == "3"
        for page in (a, b):
            for _ in range(5):
                n = page.steps()
                page.page.get_by_test_id("lab-step").click()
                page.wait(f"+document.querySelector('[data-testid=lab-steps]').textContent === {n + 1}")
        assert a.steps() == b.steps() == 5
        assert a.text("lab-train-loss") == b.text("lab-train-loss")
        assert a.text("lab-grad-norm-0") == b.text("lab-grad-norm-0")
        assert a.errors == [] and b.errors == []
    finally:
        a.close()
        if b is not None:
            b.close()


def test_a_bad_csv_shows_an_error_and_the_page_keeps_working(chromium, lab_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n1,2,a\n3,hello,b\n5,6,a\n7,8,b\n")
    p = Page(chromium, lab_url)
    try:
        p.page.get_by_test_id("lab-upload").set_input_files(str(bad))
        p.wait("document.querySelector('[data-testid=lab-error]').textContent.length > 0")
        assert "row 2, column 2: 'hello' is not a number" in p.text("lab-error")
        p.page.get_by_test_id("lab-step").click()
        p.wait("document.querySelector('[data-testid=lab-steps]').textContent === '1'")
        good = tmp_path / "good.csv"
        good.write_text("".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}\n" for i in range(40)))
        p.page.get_by_test_id("lab-upload").set_input_files(str(good))
        p.wait("document.querySelector('[data-testid=lab-dataset]').value === 'upload'")
        p.wait("document.querySelector('[data-testid=lab-steps]').textContent === '0'")  # the new data's frame
        assert p.text("lab-error") == ""
        assert p.page.get_by_test_id("lab-export-torch").input_value() == ""
        p.page.locator("#export-box summary").click()
        p.page.locator("#export").click()
        p.wait("document.querySelector('[data-testid=lab-export-torch]').value.includes('nn.Sequential')")
        assert p.errors == []
    finally:
        p.close()
