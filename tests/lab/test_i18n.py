"""The lab's two languages: the same keys, natural Korean with the shared glossary."""

from __future__ import annotations

import re

from actlab.lab.server import STATIC

BANNED = ("바이어스", "머리", "씨앗", "번들된", "칸")  # ../shared/KOREAN.md: words to keep out
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _strings():
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"\n  (en|ko): \{(.*?)\n  \},", text, re.S))
    return {lang: dict(re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', body)) for lang, body in blocks.items()}


def test_both_languages_have_every_key():
    s = _strings()
    assert set(s) == {"en", "ko"} and len(s["en"]) > 60
    assert set(s["en"]) == set(s["ko"])
    for key, en in s["en"].items():  # the same placeholders in both
        assert set(re.findall(r"\{\w+\}", en)) == set(re.findall(r"\{\w+\}", s["ko"][key])), key


def test_korean_reads_as_korean_and_follows_the_glossary():
    ko = _strings()["ko"]
    names = {"value", "grad", "grad2", "x", "actlab_line", "init_xavier", "init_he", "opt_sgd", "opt_adam",
             "col_grad", "lang", "ds_xor", "title"}
    for key, text in ko.items():
        assert not any(w in text for w in BANNED), (key, text)
        if key not in names:
            assert HANGUL.search(text), (key, text)
    assert "출력층 구성(헤드)" in ko["head"] and "포화" in ko["layers_help"] and "죽은 유닛" in ko["layers_help"]
    assert all(not re.search(r"(해요|해라|이에요|예요)[.!]", t) for t in ko.values())  # 합니다체 throughout
