"""A self-contained HTML page: sections with questions, captioned figures, tables, takeaways.

One :class:`Report` is one page in one language (``lang``: ``"en"`` or ``"ko"``).  Figures are
embedded as PNG data URIs, so the single ``.html`` file is the whole report: copy it anywhere
and open it offline (no other file, font, script source or network request).  The page carries
its CSS and one small inline script (click a figure to zoom it, Escape or a second click to
close).  All text is HTML-escaped; in text blocks `` `code` `` and ``**bold**`` are the only
markup.  Pages in two languages link to each other (``alternate``).

A figure given as a callable is drawn only once per :class:`FigureStore`, so the English and
Korean pages of one run share the rendering.

>>> import tempfile, pathlib
>>> r = Report("demo", lang="en")
>>> s = r.section("intro", "Introduction")
>>> s.question("Does it escape <tags>?")
>>> s.table(["x", "y"], [[1, 0.5]], caption="a table")
>>> page = r.write(pathlib.Path(tempfile.mkdtemp()) / "index.html").read_text(encoding="utf-8")
>>> "Does it escape &lt;tags&gt;?" in page and 'lang="en"' in page
True

May import: NumPy, the standard library and matplotlib (to render the figures).
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Report", "Section", "FigureStore", "LABELS"]

#: The page's own words, per language.
LABELS = {
    "en": {"contents": "Contents", "top": "↑ Contents", "question": "The question",
           "notice": "What to notice", "reproduce": "Reproduce it", "python": "Python", "cli": "Terminal",
           "zoom": "Click a figure to enlarge it.", "other": "한국어", "other_lang": "ko"},
    "ko": {"contents": "목차", "top": "↑ 목차", "question": "이 절의 질문", "notice": "눈여겨볼 점",
           "reproduce": "직접 해 보기", "python": "파이썬", "cli": "터미널",
           "zoom": "그림을 누르면 크게 볼 수 있습니다.", "other": "English", "other_lang": "en"},
}

_CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#0b5394}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR","Noto Sans CJK KR",
"Apple SD Gothic Neo","Malgun Gothic",sans-serif;max-width:1040px;margin:0 auto;padding:1em 1.1em 4em;
color:var(--fg);line-height:1.6;background:#fff;overflow-wrap:break-word}
:lang(ko){word-break:keep-all}
h1{font-size:1.9em;margin:.3em 0 .2em;line-height:1.25}
h2{border-bottom:2px solid #e6e8eb;padding-bottom:.2em;margin-top:2.4em;line-height:1.3}
header .langs{float:right;font-size:.95em}
.lead{color:var(--muted)}
nav.toc{background:var(--soft);border-radius:8px;padding:.6em 1.2em}
nav.toc ol{margin:.3em 0;padding-left:1.4em}nav.toc li{margin:.15em 0}
.question{background:#eef4fb;border-left:4px solid var(--accent);padding:.6em .9em;border-radius:0 6px 6px 0}
.question b{display:block;color:var(--accent);font-size:.85em;letter-spacing:.02em}
.key{background:#fff8c5;border-left:4px solid #d4a72c;padding:.5em .9em;border-radius:0 6px 6px 0}
.notice{background:#effaf1;border-left:4px solid #2da44e;padding:.5em .9em;border-radius:0 6px 6px 0;margin:1.2em 0}
.notice ul{margin:.3em 0;padding-left:1.3em}
.repro{border:1px solid var(--line);border-radius:8px;padding:.4em .9em;margin:1em 0}
.repro h3{font-size:.95em;margin:.3em 0}.repro .lbl{font-size:.8em;color:var(--muted);margin:.4em 0 0}
figure{margin:1.2em 0;padding:.6em;border:1px solid #e6e8eb;border-radius:8px;background:#fff}
figure img{max-width:100%;height:auto;display:block;margin:auto;cursor:zoom-in}
figcaption{font-size:.93em;color:#30363d;margin-top:.5em}
figure.zoomed{position:fixed;inset:0;z-index:20;margin:0;border-radius:0;overflow:auto;
background:rgba(255,255,255,.98);display:flex;flex-direction:column;justify-content:center}
figure.zoomed img{max-height:88vh;width:auto;max-width:100%;cursor:zoom-out}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(300px,100%),1fr));gap:.6em}
.grid figure{margin:0}
.scroll{overflow-x:auto;max-width:100%;margin:.8em 0}
table{border-collapse:collapse;font-size:.92em}
th,td{border:1px solid var(--line);padding:.25em .6em;text-align:left;vertical-align:top}
th{background:var(--soft)}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{caption-side:bottom;font-size:.88em;color:var(--muted);text-align:left;padding-top:.3em}
pre{background:var(--soft);padding:.7em;border-radius:6px;overflow-x:auto;font-size:.85em;line-height:1.35;
margin:.3em 0}
code{background:var(--soft);padding:0 .25em;border-radius:4px;font-size:.92em}pre code{padding:0;background:none}
a.totop{position:fixed;right:.9em;bottom:.9em;background:var(--accent);color:#fff;text-decoration:none;
padding:.45em .8em;border-radius:20px;font-size:.9em;box-shadow:0 1px 4px rgba(0,0,0,.25);z-index:10}
footer{margin-top:3em;color:var(--muted);font-size:.85em}
@media (max-width:600px){body{padding:.6em .7em 4em}h1{font-size:1.5em}header .langs{float:none;display:block}}
"""

_SCRIPT = """
document.addEventListener('click',function(e){var f=e.target.closest('figure');
if(f&&(e.target.tagName==='IMG'||f.classList.contains('zoomed'))){f.classList.toggle('zoomed');}});
document.addEventListener('keydown',function(e){if(e.key==='Escape'){
document.querySelectorAll('figure.zoomed').forEach(function(f){f.classList.remove('zoomed');});}});
"""


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def inline(text: str) -> str:
    """Escape ``text``; then `` `code` `` becomes ``<code>`` and ``**bold**`` ``<b>``."""
    out = _esc(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


def _cell(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return "nan" if v != v else f"{v:.4g}"
    return str(v)


def png_data_uri(fig: Any, dpi: int = 110) -> str:
    """A matplotlib figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "actlab"})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


class FigureStore(dict):
    """name -> data URI of the figures drawn so far (shared by the pages of one run)."""

    def get_or_draw(self, name: str, fig: Any) -> str:
        if name not in self:
            self[name] = png_data_uri(fig() if callable(fig) else fig)
        return self[name]


@dataclass
class Section:
    """One section of the page; add blocks with the methods below, in reading order."""

    id: str
    title: str
    report: "Report"
    blocks: list[str] = field(default_factory=list)

    def _label(self, key: str) -> str:
        return LABELS[self.report.lang][key]

    def question(self, text: str) -> None:
        """The plain-words question the section answers (opens the section)."""
        self.blocks.append(f'<p class="question"><b>{self._label("question")}</b>{inline(text)}</p>')

    def text(self, text: str) -> None:
        """A paragraph (`` `code` `` and ``**bold**`` allowed)."""
        self.blocks.append(f"<p>{inline(text)}</p>")

    def key(self, text: str) -> None:
        """A highlighted key-result paragraph."""
        self.blocks.append(f'<p class="key">{inline(text)}</p>')

    def notice(self, points: Sequence[str]) -> None:
        """The "what to notice" box: one bullet per point."""
        items = "".join(f"<li>{inline(p)}</li>" for p in points)
        self.blocks.append(f'<div class="notice"><b>{self._label("notice")}</b><ul>{items}</ul></div>')

    def reproduce(self, python: str, cli: str | None = None) -> None:
        """The snippet that makes this section's result: Python (and the CLI command)."""
        parts = [f'<h3>{self._label("reproduce")}</h3><p class="lbl">{self._label("python")}</p>'
                 f'<pre><code class="language-python">{_esc(python.strip())}</code></pre>']
        if cli:
            parts.append(f'<p class="lbl">{self._label("cli")}</p><pre><code>$ {_esc(cli.strip())}</code></pre>')
        self.blocks.append(f'<div class="repro">{"".join(parts)}</div>')

    def pre(self, text: str) -> None:
        """Preformatted text."""
        self.blocks.append(f"<pre>{_esc(text)}</pre>")

    def figure(self, fig: Any, name: str, caption: str, *, alt: str | None = None, grid: bool = False) -> str:
        """Embed a figure (a matplotlib Figure, or a callable returning one, drawn once per
        :class:`FigureStore` under ``name``) with its caption; returns the element id."""
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
            raise ValueError(f"figure name {name!r} must be letters, digits, '-' or '_'")
        uri = self.report.figures.get_or_draw(name, fig)
        block = (f'<figure id="fig-{name}"><img src="{uri}" alt="{_esc(alt or caption)}">'
                 f"<figcaption>{inline(caption)}</figcaption></figure>")
        if grid and self.blocks and self.blocks[-1].startswith('<div class="grid">'):
            self.blocks[-1] = self.blocks[-1][: -len("</div>")] + block + "</div>"
        elif grid:
            self.blocks.append(f'<div class="grid">{block}</div>')
        else:
            self.blocks.append(block)
        return f"fig-{name}"

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> None:
        """A table in its own horizontally scrolling box (floats with 4 significant digits)."""
        head = "".join(f"<th>{_esc(c)}</th>" for c in columns)

        def td(v: Any) -> str:  # numbers right-aligned, words left-aligned
            cls = ' class="num"' if isinstance(v, (int, float, np.integer, np.floating)) else ""
            return f"<td{cls}>{inline(_cell(v))}</td>"

        body = "".join("<tr>" + "".join(td(v) for v in r) + "</tr>" for r in rows)
        cap = f"<caption>{inline(caption)}</caption>" if caption else ""
        self.blocks.append(f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
                           f"<tbody>{body}</tbody></table></div>")


class Report:
    """One self-contained page: :meth:`section` blocks, then :meth:`write` (or :meth:`html`).

    ``other`` is the file name of the same report in the other language (linked in the
    header); ``figures`` a :class:`FigureStore` shared with that page.
    """

    def __init__(self, title: str, lead: str = "", *, lang: str = "en", other: str | None = None,
                 figures: FigureStore | None = None) -> None:
        if lang not in LABELS:
            raise ValueError(f"Report: lang must be one of {', '.join(LABELS)}, got {lang!r}")
        self.title, self.lead, self.lang, self.other = title, lead, lang, other
        self.figures = FigureStore() if figures is None else figures
        self.sections: list[Section] = []
        self.footer = ""

    def section(self, id: str, title: str, intro: str = "") -> Section:
        """Start a new section (``id`` is its HTML anchor)."""
        s = Section(id, title, self)
        if intro:
            s.text(intro)
        self.sections.append(s)
        return s

    def html(self) -> str:
        """The whole page as a string (figures embedded)."""
        lab = LABELS[self.lang]
        toc = "".join(f'<li><a href="#{_esc(s.id)}">{_esc(s.title)}</a></li>' for s in self.sections)
        body = "".join(f'<section id="{_esc(s.id)}"><h2>{_esc(s.title)}</h2>{"".join(s.blocks)}</section>'
                       for s in self.sections)
        lead = f'<p class="lead">{inline(self.lead)} {_esc(lab["zoom"])}</p>'
        langs, alt = "", ""
        if self.other:
            o = _esc(self.other)
            langs = (f'<span class="langs"><a href="{o}" hreflang="{lab["other_lang"]}" '
                     f'lang="{lab["other_lang"]}">{_esc(lab["other"])}</a></span>')
            alt = f'<link rel="alternate" hreflang="{lab["other_lang"]}" href="{o}">'
        foot = f"<footer>{inline(self.footer)}</footer>" if self.footer else ""
        return (f'<!DOCTYPE html><html lang="{self.lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width,initial-scale=1">{alt}'
                f"<title>{_esc(self.title)}</title><style>{_CSS}</style></head><body>"
                f'<header id="top">{langs}<h1>{_esc(self.title)}</h1>{lead}</header>'
                f'<nav class="toc" id="contents"><b>{_esc(lab["contents"])}</b><ol>{toc}</ol></nav>'
                f'{body}{foot}<a class="totop" href="#contents">{_esc(lab["top"])}</a>'
                f"<script>{_SCRIPT}</script></body></html>\n")

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (a file name; its directory is created); returns it."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.html(), encoding="utf-8")
        return p
