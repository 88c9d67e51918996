"""Tools to *understand* activations: vanishing gradients, plots, the output-layer
recommender and the ``actlab tour`` report.

Submodules (imported on demand, so ``import actlab`` stays light):

* :mod:`actlab.analysis.vanishing` -- per-layer gradient norms, saturation, dead units;
* :mod:`actlab.analysis.plots` -- matplotlib figures (Agg canvas, PNG/SVG);
* :mod:`actlab.analysis.recommend` -- task -> output activation + loss; anti-pattern checks;
* :mod:`actlab.analysis.tour` -- runs everything and writes ``index.html``.

>>> from actlab.analysis.recommend import recommend
>>> recommend("binary").loss
'BCEWithLogits'
"""

from __future__ import annotations

from .recommend import Finding, Recommendation, check_model

__all__ = ["Finding", "Recommendation", "check_model"]
