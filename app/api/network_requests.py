"""Request bodies of the networks endpoints (``/networks/train``, ``/networks/inspect``): the data
set, the model, the landscape's plane and the parameters to inspect, with every limit stated in
``Field`` and the cost checked as the request is validated (as ``requests`` does for surfaces).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.api import cost
from app.api.requests import BoundedMap, Encoding, Finite, GradTol, RunIn, Seed, Strict
from app.config import SETTINGS
from app.numerics.landscape import LINE_ALPHAS
from app.numerics.networks import Network, Split, initial_parameters, make_data, network_for
from app.numerics.networks import get_dataset as get_network_dataset
from app.numerics.parameters import ParameterError


class NetworkDataIn(Strict):
    """A generated data set for a network (``moons``, ``circles``, ``spiral``, ``spiral3``,
    ``xor``, ``blobs``, ``sine``), its parameters (n, noise, seed) and the share held out."""

    id: str = Field(max_length=SETTINGS.max_id_chars, examples=["moons"])
    params: BoundedMap[Finite] = Field(default_factory=dict, examples=[{"n": 200, "noise": 0.2}])
    test_fraction: float = Field(
        default=0.25, ge=0.0, le=0.5, description="Share of the examples held out for testing"
    )
    _split: Split = PrivateAttr()

    @model_validator(mode="after")
    def _draw(self) -> NetworkDataIn:
        dataset = get_network_dataset(self.id)
        n = self.params.get("n", 200)
        if n > SETTINGS.max_network_examples:
            detail = InitErrorDetails(
                type=PydanticCustomError(
                    "less_than_equal",
                    "n must be at most {limit_shown} (GRADSCAPE_MAX_NETWORK_EXAMPLES)",
                    {
                        "limit": SETTINGS.max_network_examples,
                        "limit_shown": f"{SETTINGS.max_network_examples:,}",
                    },
                ),
                loc=("params", "n"),
                input=n,
            )
            raise ValidationError.from_exception_data(type(self).__name__, [detail])
        try:
            self._split = make_data(dataset, self.params, self.test_fraction)
        except ParameterError as error:
            details = [
                InitErrorDetails(
                    type=PydanticCustomError("value_error", message),
                    loc=("params", name),
                    input=self.params.get(name),
                )
                for name, message in error.problems.items()
            ]
            raise ValidationError.from_exception_data(type(self).__name__, details) from None
        return self

    @property
    def split(self) -> Split:
        return self._split


class ModelIn(Strict):
    """A multilayer perceptron: hidden layer widths, their activation, the init's seed."""

    hidden: list[Annotated[int, Field(ge=1, le=SETTINGS.max_hidden_width)]] = Field(
        default_factory=lambda: [16, 16],
        max_length=SETTINGS.max_hidden_layers,
        description="Width of each hidden layer, input side first; [] is a linear model",
    )
    activation: Literal["tanh", "relu", "sigmoid"] = "tanh"
    seed: Seed = Field(default=0, description="Seeds the initial parameters")


class LandscapeIn(Strict):
    """A plane through the network's parameter space (``app.numerics.landscape``): the loss on
    a grid over it, the runs' paths projected onto it, their loss along initial -> final."""

    plane: Literal["pca", "random", "interpolation"] = Field(
        default="pca",
        description='"pca": the top two principal directions of every run\'s snapshots;'
        ' "random": two seeded Gaussian directions, filter-normalised (Li et al. 2018);'
        ' "interpolation": through the initial point and runs 0 and 1\'s final points (with'
        " one run, the line from the initial to the final point)",
    )
    resolution: int = Field(
        default=41, ge=5, le=SETTINGS.max_landscape_resolution, description="Points per direction"
    )
    span: float | None = Field(
        default=None,
        gt=0.0,
        le=SETTINGS.max_coord,
        description="The grid covers [-span, span] along each direction; null: the paths'"
        " projections and the centre with a margin (random: at least [-1, 1])",
    )
    centre: Literal["mean", "initial", "final"] | None = Field(
        default=None,
        description='The point the plane passes through: the snapshots\' "mean", the'
        ' "initial" point or run 0\'s "final" point; null: pca mean, random final,'
        " interpolation initial (which takes initial or final only)",
    )
    seed: Seed = Field(default=0, description="Seeds the random directions")

    @model_validator(mode="after")
    def _on_the_plane(self) -> LandscapeIn:
        if self.plane == "interpolation" and self.centre == "mean":
            raise ValueError(
                "the interpolation plane's centre must be 'initial' or 'final' (the snapshots'"
                " mean is not on it)"
            )
        return self


class NetworkRequest(Strict):
    """Train a network with each run's optimizer from the same initial parameters."""

    data: NetworkDataIn
    model: ModelIn = Field(default_factory=ModelIn)
    steps: int = Field(default=500, ge=1, le=SETTINGS.max_steps)
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=SETTINGS.max_batch_size,
        description="Examples per update: the training set's size (or more, or null) is full"
        " batch, 1 is SGD, anything between is mini-batch, reshuffled every epoch",
    )
    shuffle_seed: Seed = Field(default=0, description="Seeds the mini-batches' shuffling")
    runs: list[RunIn] = Field(min_length=1, max_length=SETTINGS.max_network_runs)
    grad_tol: GradTol = Field(default=1e-6, description="Converged: gradient norm at most this")
    snapshots: int = Field(
        default=50, ge=1, le=SETTINGS.max_snapshots, description="Boundaries per run"
    )
    include_parameters: bool = Field(
        default=False,
        description="Also each snapshot's parameters (snapshots x parameters, the flat layout"
        " of torch's order) in each run's snapshots, as float64 typed arrays when binary",
    )
    resolution: int = Field(
        default=60,
        ge=2,
        le=SETTINGS.max_boundary_resolution,
        description="Grid points per axis of the boundaries",
    )
    encoding: Encoding = Field(
        default="json",
        description='"json": the per-step lists as JSON numbers. "binary": each run\'s losses,'
        " test_losses, accuracies, test_accuracies and gradient_norms as float64 typed arrays"
        ' ({"dtype": "f8", "bdata", "shape"}). The boundaries are float32 typed arrays either'
        " way",
    )
    landscape: LandscapeIn | None = Field(
        default=None, description="A plane through the parameters, with the runs' paths on it"
    )
    _network: Network = PrivateAttr()

    @model_validator(mode="after")
    def _affordable(self) -> NetworkRequest:
        split = self.data.split
        self._network = network_for(split.dataset, self.model.hidden, self.model.activation)
        train, test = len(split.x), len(split.x_test)
        total = self.steps * len(self.runs) * (train + test)
        if total > SETTINGS.max_example_steps:
            raise ValueError(
                f"steps x runs x examples must be at most {SETTINGS.max_example_steps:,}"
                f" (GRADSCAPE_MAX_EXAMPLE_STEPS; got {self.steps} x {len(self.runs)}"
                f" x {train + test})"
            )
        batch = self.batch_size if self.batch_size is not None and self.batch_size < train else None
        cells = self.resolution**split.dataset.inputs
        estimate = cost.network_training(
            self._network, train, test, self.steps, len(self.runs), batch,
            min(self.snapshots, self.steps + 1), cells, self.encoding == "binary",
            self.include_parameters,
        )  # fmt: skip
        sizes = "steps, runs, the data set's n, the layers, snapshots or resolution"
        if self.landscape is not None:
            plane = self.landscape
            line = plane.plane == "interpolation" and len(self.runs) == 1
            path = len(self.runs) * (min(self.snapshots, self.steps + 1) + 1)
            points = path + len(self.runs) * len(LINE_ALPHAS)
            plane_cells = plane.resolution ** (1 if line else 2)
            pca = path if plane.plane == "pca" else 0
            estimate = cost.total(
                estimate, cost.network_landscape(self._network, train, plane_cells, points, pca)
            )
            sizes += " (or the landscape's resolution)"
        cost.refuse_above_budget(estimate, sizes)
        return self

    @property
    def network(self) -> Network:
        return self._network


Parameter = Annotated[float, Field(ge=-SETTINGS.max_coord, le=SETTINGS.max_coord)]
Row = Annotated[list[Parameter], Field(max_length=SETTINGS.max_hidden_width)]


class LayerIn(Strict):
    """One torch.nn.Linear layer's parameters, as ``initial_parameters`` gives them."""

    weight: list[Row] = Field(max_length=SETTINGS.max_hidden_width, description="[out][in]")
    bias: list[Parameter] = Field(max_length=SETTINGS.max_hidden_width, description="[out]")


class NetworkInspectRequest(Strict):
    """Backprop on a network at some parameters: each layer's gradient norm, one example's
    forward and backward values, and a gradient check of a sample of the parameters."""

    data: NetworkDataIn
    model: ModelIn = Field(default_factory=ModelIn)
    parameters: list[LayerIn] | None = Field(
        default=None,
        max_length=SETTINGS.max_hidden_layers + 1,
        description="Each layer's weight and bias (as the train answer's initial_parameters and"
        " final_parameters); null: the model's seeded initial parameters",
    )
    example: int = Field(default=0, ge=0, description="Index into the training set")
    check: int = Field(
        default=12,
        ge=1,
        le=SETTINGS.max_checked_parameters,
        description="Parameters the gradient check compares, a seeded sample",
    )
    check_seed: Seed = Field(default=0, description="Seeds which parameters are checked")
    eps: float = Field(default=1e-6, gt=0.0, le=SETTINGS.max_gradcheck_eps)
    _network: Network = PrivateAttr()
    _theta: np.ndarray = PrivateAttr()

    @model_validator(mode="after")
    def _consistent(self) -> NetworkInspectRequest:
        split = self.data.split
        network = network_for(split.dataset, self.model.hidden, self.model.activation)
        self._network = network
        if self.example >= len(split.x):
            raise _field_error(
                ("example",), self.example,
                f"example must be less than {len(split.x)}, the training set's size",
            )  # fmt: skip
        if self.parameters is None:
            self._theta = initial_parameters(network, self.model.seed)
        else:
            self._theta = _flat_parameters(network, self.parameters)
        estimate = cost.network_inspection(
            network, len(split.x), len(split.x_test), min(self.check, network.parameter_count)
        )
        cost.refuse_above_budget(estimate, "the data set's n, the layers or check")
        return self

    @property
    def network(self) -> Network:
        return self._network

    @property
    def theta(self) -> np.ndarray:
        """The parameters as one flat vector in torch's order."""
        return self._theta


def _field_error(loc: tuple, value: Any, message: str) -> ValidationError:
    detail = InitErrorDetails(
        type=PydanticCustomError("value_error", message), loc=loc, input=value
    )
    return ValidationError.from_exception_data("NetworkInspectRequest", [detail])


def _flat_parameters(network: Network, layers: list[LayerIn]) -> np.ndarray:
    """The layers' weights and biases as one vector, each shape checked against the model."""
    if len(layers) != len(network.layers):
        raise _field_error(
            ("parameters",), len(layers),
            f"parameters must have {len(network.layers)} layers, the model's (got {len(layers)})",
        )  # fmt: skip
    parts = []
    for depth, ((o, i), layer) in enumerate(zip(network.layers, layers, strict=True)):
        if len(layer.weight) != o or any(len(row) != i for row in layer.weight):
            raise _field_error(
                ("parameters", depth, "weight"), None,
                f"layer {depth + 1}'s weight must be {o} x {i} ([out][in]), the model's",
            )  # fmt: skip
        if len(layer.bias) != o:
            message = f"layer {depth + 1}'s bias must have {o} values, the model's"
            raise _field_error(("parameters", depth, "bias"), None, message)
        parts += [np.array(layer.weight, dtype=float).reshape(-1), np.array(layer.bias)]
    return np.concatenate(parts).astype(float)
