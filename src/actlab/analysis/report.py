"""A small, self-contained HTML report: sections, captioned figures and tables.

Figures are written as PNG files into ``DIR/img/`` beside ``DIR/index.html`` and referenced by
relative paths; the page uses inline CSS only (no script, no font, no network).  All text is
HTML-escaped.

>>> import tempfile, pathlib
>>> r = Report("demo")
>>> s = r.section("intro", "Introduction", "Hello <world>.")
>>> s.table(["x", "y"], [[1, 0.5]], caption="a table")
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> index = r.write(d)
>>> "Hello &lt;world&gt;." in index.read_text(encoding="utf-8")
True

May import: NumPy, the standard library and :mod:`.plots` (to save the figures).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["Report", "Section"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR",sans-serif;max-width:1080px;
margin:2em auto;padding:0 1.2em;color:#1b1f24;line-height:1.55;background:#fff}
h1{font-size:1.9em;margin-bottom:.2em}h2{border-bottom:2px solid #e6e8eb;padding-bottom:.2em;margin-top:2.2em}
.lead{color:#57606a}.toc{background:#f6f8fa;border-radius:8px;padding:.6em 1.2em}
.toc li{margin:.15em 0}figure{margin:1.2em 0;padding:.6em;border:1px solid #e6e8eb;border-radius:8px}
figure img{max-width:100%;height:auto;display:block;margin:auto}
figcaption{font-size:.93em;color:#30363d;margin-top:.5em}figcaption b{color:#0b5394}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}caption{caption-side:bottom;font-size:.88em;color:#57606a;
text-align:left;padding-top:.3em}pre{background:#f6f8fa;padding:.7em;border-radius:6px;overflow-x:auto;
font-size:.85em;line-height:1.25}.key{background:#fff8c5;border-left:4px solid #d4a72c;padding:.5em .9em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.6em}
.grid figure{margin:0}code{background:#f6f8fa;padding:0 .25em;border-radius:4px}
footer{margin-top:3em;color:#57606a;font-size:.85em}
"""


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "nan" if v != v else f"{v:.4g}"
    return str(v)


@dataclass
class Section:
    """One section of the report; add blocks with the methods below (in order)."""

    id: str
    title: str
    report: "Report"
    blocks: list[str] = field(default_factory=list)

    def text(self, text: str) -> None:
        """A paragraph of plain text (escaped)."""
        self.blocks.append(f"<p>{_esc(text)}</p>")

    def key(self, text: str) -> None:
        """A highlighted key-result paragraph (plain text)."""
        self.blocks.append(f'<p class="key">{_esc(text)}</p>')

    def pre(self, text: str) -> None:
        """Preformatted text (e.g. a terminal bar chart)."""
        self.blocks.append(f"<pre>{_esc(text)}</pre>")

    def figure(self, fig: Any, name: str, caption: str, *, grid: bool = False) -> Path:
        """Save ``fig`` as ``img/<name>.png`` and add it with its caption; returns the file path."""
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
            raise ValueError(f"figure name {name!r} must be letters, digits, '-' or '_'")
        rel = Path("img") / f"{name}.png"
        self.report.files.append((rel, fig))
        block = (f'<figure><img src="{rel.as_posix()}" alt="{_esc(caption)}" loading="lazy">'
                 f"<figcaption>{_esc(caption)}</figcaption></figure>")
        if grid and self.blocks and self.blocks[-1].startswith('<div class="grid">'):
            self.blocks[-1] = self.blocks[-1][: -len("</div>")] + block + "</div>"
        elif grid:
            self.blocks.append(f'<div class="grid">{block}</div>')
        else:
            self.blocks.append(block)
        return rel

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> None:
        """A table (floats shown with 4 significant digits)."""
        head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
        def td(v: Any) -> str:  # numbers right-aligned, words left-aligned
            cls = ' class="num"' if isinstance(v, (int, float, np.integer, np.floating)) else ""
            return f"<td{cls}>{_esc(_cell(v))}</td>"

        body = "".join("<tr>" + "".join(td(v) for v in r) + "</tr>" for r in rows)
        cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
        self.blocks.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


class Report:
    """An HTML report: ``section(...)`` blocks, then :meth:`write` to a directory."""

    def __init__(self, title: str, lead: str = "") -> None:
        self.title = title
        self.lead = lead
        self.sections: list[Section] = []
        self.files: list[tuple[Path, Any]] = []
        self.footer = ""

    def section(self, id: str, title: str, intro: str = "") -> Section:
        """Start a new section (``id`` is its HTML anchor)."""
        s = Section(id, title, self)
        if intro:
            s.text(intro)
        self.sections.append(s)
        return s

    def html(self) -> str:
        """The page as a string (figures referenced, not embedded)."""
        toc = "".join(f'<li><a href="#{_esc(s.id)}">{_esc(s.title)}</a></li>' for s in self.sections)
        body = "".join(f'<section id="{_esc(s.id)}"><h2>{_esc(s.title)}</h2>{"".join(s.blocks)}</section>'
                       for s in self.sections)
        lead = f'<p class="lead">{_esc(self.lead)}</p>' if self.lead else ""
        foot = f"<footer>{_esc(self.footer)}</footer>" if self.footer else ""
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width,initial-scale=1">'
                f"<title>{_esc(self.title)}</title><style>{_CSS}</style></head><body>"
                f"<h1>{_esc(self.title)}</h1>{lead}<nav class=\"toc\"><b>Contents</b><ol>{toc}</ol></nav>"
                f"{body}{foot}</body></html>\n")

    def write(self, directory: str | Path) -> Path:
        """Write ``index.html`` and every figure under ``directory``; returns the index path."""
        from .plots import save

        d = Path(directory)
        (d / "img").mkdir(parents=True, exist_ok=True)
        for rel, fig in self.files:
            save(fig, d / rel)
        index = d / "index.html"
        index.write_text(self.html(), encoding="utf-8")
        return index
