"""Tools to *understand* activations: vanishing gradients, plots, the output-layer
recommender and the ``actlab tour`` report.

Submodules (imported on demand, so ``import actlab`` stays light):

* :mod:`actlab.analysis.vanishing` -- per-layer gradient norms, saturation, dead units;
* :mod:`actlab.analysis.plots` -- matplotlib figures (Agg canvas, PNG/SVG);
* :mod:`actlab.analysis.text` -- the text bar chart of f(x) (report and terminal);
* :mod:`actlab.analysis.recommend` -- task -> output activation + loss; anti-pattern checks;
* :mod:`actlab.analysis.training` -- ``actlab train``: small models on bundled data;
* :mod:`actlab.analysis.experiments`, :mod:`actlab.analysis.training_experiments` -- the
  tour's experiments;
* :mod:`actlab.analysis.report` and :mod:`actlab.analysis.tour` -- render them and write
  ``index.html``.

Every experiment returns a dataclass of what it measured; the report, the CLI and the lab
render those fields.

>>> from actlab.analysis.recommend import recommend
>>> recommend("binary").loss
'BCEWithLogits'

May import: its own submodules (the recommender's public names only); nothing imports
:mod:`actlab.cli`.
"""

from __future__ import annotations

from .recommend import Finding, Recommendation, check_model

__all__ = ["Finding", "Recommendation", "check_model"]
