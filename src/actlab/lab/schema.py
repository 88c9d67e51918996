"""What the lab's page may ask for: every request and message as a pydantic model.

Unknown fields, non-finite numbers and out-of-range sizes are refused with a message that
names the field; :data:`LIMITS` bounds everything one tab can make the server do (layers,
width, points, upload bytes, steps per request).

>>> Config(layers=[{"activation": "relu"}]).layers[0].activation
'relu'
>>> try:
...     Config(width=65)
... except ValueError as e:
...     print(problem(e))
width: Input should be less than or equal to 64

May import: pydantic and :mod:`actlab.activations`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..activations.base import Activation, available, get

__all__ = ["LIMITS", "LayerSpec", "Config", "InspectRequest", "ValueRequest", "ClientMessage", "message",
           "problem", "lab_activations", "param_specs", "PLAYGROUND_EXCLUDED"]

#: The most one request or one tab may ask for.
LIMITS = {"layers": 8, "width": 64, "points": 2000, "upload_bytes": 1_000_000, "steps": 500,
          "inspect_points": 2001, "x": 1e6, "seed": 2**31 - 1}

#: Elementwise activations the playground leaves out, with the reason shown in the page.
PLAYGROUND_EXCLUDED = {"logit": "defined on (0, 1) only: a hidden pre-activation leaves that domain"}

#: Slider ranges of the numeric activation parameters (min, max, step).
_PARAM_RANGES = {"negative_slope": (0.0, 1.0, 0.01), "alpha": (0.05, 5.0, 0.05), "beta": (0.1, 10.0, 0.1)}
_CHOICES = {"approximate": ("none", "tanh")}


def lab_activations() -> list[str]:
    """Every registered elementwise activation (the inspector offers them all)."""
    return [n for n in available() if isinstance(get(n), Activation)]


def param_specs(name: str) -> list[dict[str, Any]]:
    """The parameters of ``name`` the page shows: sliders (number) and selects (choice)."""
    out = []
    for key, default in get(name).params.items():
        if key in _PARAM_RANGES:
            lo, hi, step = _PARAM_RANGES[key]
            out.append({"name": key, "kind": "number", "default": default, "min": lo, "max": hi, "step": step})
        elif key in _CHOICES:
            out.append({"name": key, "kind": "choice", "default": default, "choices": list(_CHOICES[key])})
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=64)


class _WithActivation(_Strict):
    activation: str = "relu"
    params: dict[str, Union[float, str]] = Field(default_factory=dict)

    @field_validator("activation")
    @classmethod
    def _known(cls, v: str) -> str:
        names = lab_activations()
        key = get(v).name if v in available(include_aliases=True) else v
        if key not in names:
            raise ValueError(f"unknown elementwise activation {v!r}; choose from {', '.join(names)}")
        return key

    @model_validator(mode="after")
    def _params(self) -> "_WithActivation":
        specs = {p["name"]: p for p in param_specs(self.activation)}
        for k, v in self.params.items():
            spec = specs.get(k)
            if spec is None:
                raise ValueError(f"{self.activation} has no parameter {k!r} the lab sets"
                                 + (f" (it has: {', '.join(specs)})" if specs else ""))
            if spec["kind"] == "number" and not (isinstance(v, float) and spec["min"] <= v <= spec["max"]):
                raise ValueError(f"{self.activation} {k} must be a number in [{spec['min']}, {spec['max']}], got {v!r}")
            if spec["kind"] == "choice" and v not in spec["choices"]:
                raise ValueError(f"{self.activation} {k} must be one of {', '.join(spec['choices'])}, got {v!r}")
        return self


class LayerSpec(_WithActivation):
    """One hidden layer's activation (and its parameters)."""

    @field_validator("activation")
    @classmethod
    def _playable(cls, v: str) -> str:
        if v in PLAYGROUND_EXCLUDED:
            raise ValueError(f"{v} cannot be a hidden activation: {PLAYGROUND_EXCLUDED[v]}")
        return v


class Config(_Strict):
    """One playground run: data, network, training.  The same config (with its seed) gives the
    same run, step for step."""

    dataset: Literal["circle", "xor", "gauss", "spiral", "moons", "upload"] = "circle"
    noise: float = Field(0.1, ge=0.0, le=1.0)
    train_share: float = Field(0.7, ge=0.1, le=0.9)
    points: int = Field(400, ge=20, le=LIMITS["points"])
    seed: int = Field(0, ge=0, le=LIMITS["seed"])
    layers: list[LayerSpec] = Field(default_factory=lambda: [LayerSpec(activation="tanh"),
                                                             LayerSpec(activation="tanh")],
                                    min_length=1, max_length=LIMITS["layers"])
    width: int = Field(8, ge=1, le=LIMITS["width"])
    init: Literal["xavier", "he", "normal"] = "xavier"
    init_std: float = Field(1.0, gt=0.0, le=10.0)
    optimizer: Literal["sgd", "momentum", "adam"] = "adam"
    lr: float = Field(0.03, gt=0.0, le=10.0)
    batch_size: int = Field(32, ge=1, le=LIMITS["points"])
    l2: float = Field(0.0, ge=0.0, le=1.0)


class InspectRequest(_WithActivation):
    """f, f', f'' of one activation on a grid, and the tail of f' on a log axis."""

    activation: str = "sigmoid"
    xmin: float = Field(-6.0, ge=-LIMITS["x"], le=LIMITS["x"])
    xmax: float = Field(6.0, ge=-LIMITS["x"], le=LIMITS["x"])
    n: int = Field(401, ge=2, le=LIMITS["inspect_points"])

    @model_validator(mode="after")
    def _order(self) -> "InspectRequest":
        if not self.xmin < self.xmax:
            raise ValueError(f"xmin must be below xmax, got {self.xmin} and {self.xmax}")
        return self


class ValueRequest(_WithActivation):
    """f(x), f'(x), f''(x) at one point, to full float64 precision."""

    activation: str = "sigmoid"
    x: float = Field(ge=-1e308, le=1e308)


class _Msg(_Strict):
    pass


class ConfigMsg(_Msg):
    type: Literal["config"]
    config: Config


class StepMsg(_Msg):
    type: Literal["step"]
    count: int = Field(1, ge=1, le=LIMITS["steps"])


class ControlMsg(_Msg):
    type: Literal["start", "pause", "reset", "sweep", "export"]


class UploadMsg(_Msg):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=LIMITS["upload_bytes"])
    type: Literal["upload"]
    csv: str


ClientMessage = Annotated[Union[ConfigMsg, StepMsg, ControlMsg, UploadMsg], Field(discriminator="type")]


class _Envelope(_Strict):
    msg: ClientMessage


def message(data: Any) -> Union[ConfigMsg, StepMsg, ControlMsg, UploadMsg]:
    """Validate one WebSocket message (a dict); raises ValidationError."""
    return _Envelope(msg=data).msg


def problem(e: Exception) -> str:
    """One line naming the field and what is wrong with it."""
    if isinstance(e, ValidationError):
        parts = []
        for err in e.errors()[:3]:
            tags = ("msg", "config", "step", "start", "pause", "reset", "sweep", "export", "upload")
            loc = ".".join(str(p) for p in err["loc"] if p not in tags)
            text = err["msg"].removeprefix("Value error, ")
            parts.append(f"{loc}: {text}" if loc else text)
        return "; ".join(parts)
    return str(e)
