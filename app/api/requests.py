"""Request bodies of API v1: what comes in, with every limit stated in ``Field``.

Limits are fields of ``app.config.Settings`` read at start-up (``GRADSCAPE_*`` variables), so
an operator's limits show up in the OpenAPI schema at ``/docs``. A request is resolved as it is
validated (its surface, optimizer and hyperparameters looked up, its cost checked against the
budgets), so a handler receives only requests it can run.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.api import cost
from app.config import SETTINGS
from app.numerics.curvature import DEFAULT_MOMENTUM, Curvature, curvature
from app.numerics.datasets import surface_from_dataset
from app.numerics.engine import StopRules
from app.numerics.expression import parse, surface_from_expression
from app.numerics.optimizers import HyperparameterError, Optimizer, get_optimizer
from app.numerics.schedules import Schedule
from app.numerics.surfaces import Surface, get_surface

Finite = Annotated[float, Field(allow_inf_nan=False)]
Coordinate = Annotated[float, Field(ge=-SETTINGS.max_coord, le=SETTINGS.max_coord)]
Point = Annotated[list[Coordinate], Field(min_length=1, max_length=2)]

Name = Annotated[str, Field(max_length=SETTINGS.max_name_chars)]
Seed = Annotated[int, Field(ge=0, le=SETTINGS.max_seed)]
GradTol = Annotated[float, Field(ge=0.0, le=SETTINGS.max_grad_tol)]
V = TypeVar("V")
Encoding = Literal["json", "binary"]
"""How a response carries its arrays of numbers: JSON numbers, or base64 typed arrays."""


def _at_most_map_items(value: Any) -> Any:
    """Refuse a map above ``max_map_items`` on its raw size, before any of its values is validated:
    pydantic checks a dict's ``max_length`` only after validating every entry, so 70,000 bad
    values in a 900 KB body made 70,000 errors (a 10 MB answer after 1.5 to 2.5 s, /healthz
    stalled as long) where this makes one."""
    if isinstance(value, dict) and len(value) > SETTINGS.max_map_items:
        raise PydanticCustomError(
            "too_long",
            "Dictionary should have at most {max_length} items, not {actual_length}",
            {"max_length": SETTINGS.max_map_items, "actual_length": len(value)},
        )
    return value


BoundedMap = Annotated[
    dict[Name, V], Field(max_length=SETTINGS.max_map_items), BeforeValidator(_at_most_map_items)
]
"""``{name: value}`` of at most ``max_map_items`` entries, names of at most ``max_name_chars``. The
``Field`` goes before the validator: it is then the dict's own limit (``maxProperties`` in the
OpenAPI schema, as before); after it, the schema said ``maxLength``."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _at_most_its_fields(cls, data: Any) -> Any:
        """An object with more keys than the model has fields holds unknown keys, each of them an
        error: refuse it on its raw size, or 60,000 unknown keys make 60,000 errors."""
        if isinstance(data, dict) and len(data) > len(cls.model_fields):
            raise PydanticCustomError(
                "too_long",
                "Object should have at most {max_length} fields, not {actual_length}",
                {"max_length": len(cls.model_fields), "actual_length": len(data)},
            )
        return data


class DatasetRef(Strict):
    """A generated data set by id, with its parameters (n, seed, noise, ...)."""

    id: str = Field(max_length=SETTINGS.max_id_chars, examples=["linear_regression"])
    params: BoundedMap[Finite] = Field(default_factory=dict)


class SurfaceRef(Strict):
    """A built-in surface by ``id`` with optional parameter overrides, or a formula.

    ``{"expression": "x**2 + 3*x*y", "window": {...}?}`` is a custom surface (id "custom",
    no parameters; see ``app.numerics.expression``). Give exactly one of the two.
    """

    id: str = Field(default="custom", max_length=SETTINGS.max_id_chars, examples=["rosenbrock"])
    params: BoundedMap[Finite] = Field(default_factory=dict)
    expression: str | None = Field(
        default=None, max_length=SETTINGS.max_formula_chars, examples=["x**2 + 3*x*y"]
    )
    window: WindowIn | None = Field(default=None, description="Plot window of an expression")
    dataset: DatasetRef | None = Field(
        default=None, description="A loss over generated data, over the model's (w, b)"
    )
    _surface: Surface = PrivateAttr()
    _params: dict[str, float] = PrivateAttr()

    @field_validator("expression")
    @classmethod
    def _parse(cls, text: str | None) -> str | None:
        if text is not None:
            parse(text, SETTINGS.formula_limits)  # an ExpressionError (a ValueError) says where
        return text

    @model_validator(mode="after")
    def _resolve(self) -> SurfaceRef:
        given_id = "id" in self.model_fields_set
        if self.dataset is not None:
            if given_id or self.expression is not None or self.window is not None or self.params:
                raise ValueError("a 'dataset' surface takes no id, expression, window or params")
            self._surface = surface_from_dataset(self.dataset.id, self.dataset.params)
            self._params = {}
            return self
        if self.expression is None:
            if not given_id:
                raise ValueError("give a surface 'id' or an 'expression'")
            if self.window is not None:
                raise ValueError("'window' goes with an 'expression'; a built-in has its own")
            self._surface = get_surface(self.id)
        elif given_id:
            raise ValueError("give either a surface 'id' or an 'expression', not both")
        else:
            window = self.window.model_dump() if self.window is not None else None
            self._surface = surface_from_expression(
                self.expression, window, SETTINGS.formula_limits
            )
        self._params = self._surface.resolve_params(self.params)
        return self

    @property
    def surface(self) -> Surface:
        return self._surface

    @property
    def resolved_params(self) -> dict[str, float]:
        return self._params


class WindowIn(Strict):
    x: Annotated[list[Coordinate], Field(min_length=2, max_length=2)]
    y: Annotated[list[Coordinate], Field(min_length=2, max_length=2)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> WindowIn:
        for axis in ("x", "y"):
            bounds = getattr(self, axis)
            if bounds is not None and not bounds[0] < bounds[1]:
                raise ValueError(f"window.{axis} must be [low, high] with low < high")
        return self


def check_dimension(ref: SurfaceRef, point: list[float] | None, name: str) -> None:
    """A point given for a surface has one coordinate per dimension of that surface."""
    dim = ref.surface.dim
    if point is not None and len(point) != dim:
        raise ValueError(f"{name} must have {dim} coordinate(s) for surface '{ref.id}'")


def window_bounds(window: WindowIn | None, surface: Surface):
    """The requested window, falling back to the surface's own for what is not given."""
    x = tuple(window.x) if window is not None else surface.window.x
    y = tuple(window.y) if window is not None and window.y is not None else surface.window.y
    return x, y


class OptimizerChoice(Strict):
    """An optimizer and hyperparameter overrides (the rest take their defaults)."""

    optimizer: str = Field(max_length=SETTINGS.max_name_chars, examples=["adam"])
    hyperparameters: BoundedMap[Finite | bool] = Field(
        default_factory=dict, examples=[{"lr": 0.01}]
    )
    _optimizer: Optimizer = PrivateAttr()
    _hyperparameters: dict[str, Any] = PrivateAttr()

    @model_validator(mode="after")
    def _resolve(self) -> OptimizerChoice:
        self._optimizer = get_optimizer(self.optimizer)
        try:
            self._hyperparameters = self._optimizer.resolve(self.hyperparameters)
        except HyperparameterError as error:
            raise self._located(error) from None
        return self

    def _located(
        self, error: HyperparameterError, elsewhere: dict[str, tuple[tuple, Any]] | None = None
    ) -> ValidationError:
        """One error per bad hyperparameter, at ``hyperparameters.<name>``, or where
        ``elsewhere`` puts that name: ``{name: (loc, input)}``.

        pydantic-core prefixes these locations with this model's own (``runs.0``), as it does
        for a ValidationError re-raised by a wrap validator.
        """
        details = []
        for name, message in error.problems.items():
            default = (("hyperparameters", name), self.hyperparameters.get(name))
            loc, value = (elsewhere or {}).get(name, default)
            details.append(
                InitErrorDetails(
                    type=PydanticCustomError("value_error", message), loc=loc, input=value
                )
            )
        return ValidationError.from_exception_data(type(self).__name__, details)

    @property
    def resolved_optimizer(self) -> Optimizer:
        return self._optimizer

    @property
    def resolved_hyperparameters(self) -> dict[str, Any]:
        return self._hyperparameters


class ScheduleIn(Strict):
    """A learning-rate schedule with torch.optim.lr_scheduler's sequence."""

    # gamma and start_factor are factors on the lr in (0, 1]: their bounds say what they are
    # (a decay, a warm-up from below), not how much work a request may ask for.

    type: Literal["constant", "step", "exponential", "cosine"] = "constant"
    step_size: int = Field(default=100, ge=1, le=SETTINGS.max_steps, description="StepLR")
    gamma: float = Field(default=0.5, gt=0.0, le=1.0, description="StepLR, ExponentialLR")
    t_max: int = Field(default=500, ge=1, le=SETTINGS.max_steps, description="Cosine")
    eta_min: float = Field(default=0.0, ge=0.0, le=SETTINGS.max_eta_min, description="Cosine")
    warmup_steps: int = Field(default=0, ge=0, le=SETTINGS.max_steps, description="LinearLR")
    start_factor: float = Field(default=1.0 / 3.0, gt=0.0, le=1.0, description="LinearLR")

    def to_schedule(self) -> Schedule:
        return Schedule(
            kind=self.type,
            step_size=self.step_size,
            gamma=self.gamma,
            t_max=self.t_max,
            eta_min=self.eta_min,
            warmup_steps=self.warmup_steps,
            start_factor=self.start_factor,
        )


class RunIn(OptimizerChoice):
    label: str | None = Field(default=None, max_length=SETTINGS.max_label_chars)
    schedule: ScheduleIn | None = None


class NoiseIn(Strict):
    std: float = Field(
        default=0.0, ge=0.0, le=SETTINGS.max_noise_std, description="Std of N(0, std^2) added to g"
    )
    seed: Seed = 0


class TrajectoryRequest(Strict):
    surface: SurfaceRef
    start: Point | None = Field(default=None, description="Default: the surface's start")
    steps: int = Field(default=500, ge=1, le=SETTINGS.max_steps)
    runs: list[RunIn] = Field(min_length=1, max_length=SETTINGS.max_runs)
    noise: NoiseIn | None = None
    grad_tol: GradTol = 1e-6
    include_state: bool = False
    include_curvature: bool = Field(
        default=False,
        description="Each run's curvature at every point of its path (the first repeat's):"
        " the Hessian's eigenvalues (ascending), its unit eigenvectors (columns), the condition"
        " number and gradient descent's stable lr 2 / lambda max (null where not defined), as"
        ' the run\'s "curvature"',
    )
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=SETTINGS.max_batch_size,
        description="Examples per update on a data set surface: n is batch GD, 1 is SGD, "
        "anything between is mini-batch; default: all of them",
    )
    seed: Seed = Field(default=0, description="Seeds mini-batch shuffling")
    repeats: int = Field(
        default=1, ge=1, le=SETTINGS.max_repeats, description="Each run again with other seeds"
    )
    encoding: Encoding = Field(
        default="json",
        description='"json": every number a JSON number. "binary": every list of numbers that'
        " grows with the steps (each run's and each repeat's points, losses, gradients,"
        " noisy_gradients, batch_losses, lrs, epoch_starts, state and spread) is a typed array"
        ' {"dtype": "f8", "bdata": base64 of its little-endian float64 bytes, "shape": [...]}'
        " (points [n, dim], losses [n]): the same numbers to the bit, half the JSON's size"
        " (gzipped, a little smaller than the JSON gzipped, for less CPU); a non-finite number,"
        " which the engine never returns, would be NaN where JSON has null",
    )

    @model_validator(mode="after")
    def _consistent(self) -> TrajectoryRequest:
        check_dimension(self.surface, self.start, "start")
        total = self.steps * len(self.runs) * self.repeats
        if total > SETTINGS.max_points:
            raise ValueError(
                f"steps x runs x repeats must be at most {SETTINGS.max_points:,}"
                f" (got {self.steps} x {len(self.runs)} x {self.repeats})"
            )
        surface = self.surface.surface
        if self.batch_size is not None and surface.data is None:
            raise ValueError("batch_size needs a data set surface ({'dataset': {...}})")
        noisy = self.noise is not None and self.noise.std > 0
        estimate = cost.trajectories(
            surface,
            self.steps,
            len(self.runs),
            self.repeats,
            self.batch_size,
            self.include_state,
            noisy,
            scheduled=sum(
                run.schedule is not None and not run.schedule.to_schedule().is_constant
                for run in self.runs
            ),
            binary=self.encoding == "binary",
            include_curvature=self.include_curvature,
        )
        cost.refuse_above_budget(estimate, "steps, runs, repeats or the data set's n")
        return self


class GridRequest(Strict):
    surface: SurfaceRef
    resolution: int = Field(default=200, ge=2, le=SETTINGS.max_resolution)
    window: WindowIn | None = None
    encoding: Encoding = Field(
        default="json",
        description='"json": z as JSON numbers, null where not finite. "binary": z as a'
        ' plotly.js typed array {"dtype": "f4", "bdata": base64 of its little-endian float32'
        ' bytes, "shape": [...]}, NaN where not finite',
    )

    @model_validator(mode="after")
    def _affordable(self) -> GridRequest:
        estimate = cost.grid(self.surface.surface, self.resolution, self.encoding == "binary")
        cost.refuse_above_budget(estimate, "the resolution or the data set's n")
        return self


class GradcheckRequest(Strict):
    surface: SurfaceRef
    point: Point
    eps: float = Field(default=1e-6, gt=0.0, le=SETTINGS.max_gradcheck_eps)

    @model_validator(mode="after")
    def _dimension(self) -> GradcheckRequest:
        check_dimension(self.surface, self.point, "point")
        return self


class CurvatureRequest(Strict):
    """The Hessian at a point of any surface, its eigen-decomposition and the stable lrs."""

    surface: SurfaceRef
    point: Point
    momentum: float = Field(
        default=DEFAULT_MOMENTUM,
        ge=0.0,
        le=0.999,
        description="The heavy-ball momentum mu of stable_lr.momentum = 2 (1 + mu) / lambda max",
    )
    _curvature: Curvature = PrivateAttr()

    @model_validator(mode="after")
    def _defined(self) -> CurvatureRequest:
        check_dimension(self.surface, self.point, "point")
        surface, params = self.surface.surface, self.surface.resolved_params
        cost.refuse_above_budget(cost.curvature(surface), "the formula or the data set's n")
        result = curvature(surface, params, [self.point])
        problem = None
        if not np.isfinite(surface.value(params, *self.point)):
            problem = "the loss is not defined at this point (outside the formula's domain)"
        elif not np.isfinite(result.hessian).all() or not np.isfinite(result.eigenvalues).all():
            problem = (
                "the curvature is not defined at this point: the Hessian is not finite"
                " (a point where the surface has no second derivative, such as a sharp tip"
                " or the edge of a formula's domain)"
            )
        if problem is not None:
            detail = InitErrorDetails(
                type=PydanticCustomError("value_error", problem), loc=("point",), input=self.point
            )
            raise ValidationError.from_exception_data(type(self).__name__, [detail])
        self._curvature = result
        return self

    @property
    def result(self) -> Curvature:
        return self._curvature


class LrSweepRequest(OptimizerChoice):
    """One optimizer, many learning rates: log-spaced over ``lr_range``, one compiled walk."""

    surface: SurfaceRef
    start: Point | None = Field(default=None, description="Default: the surface's start")
    steps: int = Field(default=500, ge=1, le=SETTINGS.max_steps)
    lr_range: Annotated[
        list[Annotated[float, Field(gt=0.0, le=SETTINGS.max_sweep_lr)]],
        Field(min_length=2, max_length=2),
    ] = Field(examples=[[1e-4, 1.0]])
    count: int = Field(default=64, ge=2, le=SETTINGS.max_sweep_count)
    grad_tol: GradTol = 1e-6

    @model_validator(mode="after")
    def _consistent(self) -> LrSweepRequest:
        check_dimension(self.surface, self.start, "start")
        low, high = self.lr_range
        if not low < high:
            raise ValueError("lr_range must be [low, high] with low < high")
        for index, lr in enumerate((low, high)):
            try:
                self.resolved_optimizer.resolve({**self.hyperparameters, "lr": lr})
            except HyperparameterError as error:
                raise self._located(error, {"lr": (("lr_range", index), lr)}) from None
        estimate = cost.batched(self.surface.surface, self.count, self.steps, cost.SWEEP_LANE_BYTES)
        cost.refuse_above_budget(estimate, "steps, count or the data set's n")
        return self


class BasinRequest(OptimizerChoice):
    """One optimizer from every start point of a grid: which minimum does each reach?"""

    surface: SurfaceRef
    steps: int = Field(default=500, ge=1, le=SETTINGS.max_steps)
    resolution: int = Field(default=64, ge=2, le=SETTINGS.max_basin_resolution)
    window: WindowIn | None = None
    tolerance: float = Field(
        default=1e-2,
        gt=0.0,
        le=SETTINGS.max_basin_tolerance,
        description="Distance to a minimum",
    )
    grad_tol: GradTol = 1e-6

    @model_validator(mode="after")
    def _consistent(self) -> BasinRequest:
        if self.surface.surface.dim != 2:
            raise ValueError("a basin map needs a 2-D surface")
        lanes = self.resolution * self.resolution
        estimate = cost.batched(self.surface.surface, lanes, self.steps, cost.BASIN_LANE_BYTES)
        cost.refuse_above_budget(estimate, "steps, resolution or the data set's n")
        return self


class BackpropRequest(Strict):
    surface: SurfaceRef
    point: Point

    @model_validator(mode="after")
    def _dimension(self) -> BackpropRequest:
        check_dimension(self.surface, self.point, "point")
        if self.surface.surface.data is not None:
            raise ValueError("backprop draws a formula's graph; a data set loss has no formula")
        return self


def stop_rules(grad_tol: float) -> StopRules:
    """When a run stops: converged below ``grad_tol``, diverged past the settings' caps."""
    return StopRules(grad_tol, SETTINGS.max_loss, SETTINGS.max_coord)
