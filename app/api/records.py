"""The numerical core's results as response bodies: one function per record, each building the
body its model in ``app.api.responses`` documents (``minimum_records`` -> ``MinimumOut``, ...).

Bodies are plain dicts of lists and numpy arrays (or their typed arrays, ``binary_array``,
when a request asks for ``"encoding": "binary"``), sent by the handlers as
``FiniteJSONResponse``: validating them again through the response models would cost more than
computing them (a trajectory of 100,000 points), and the encoder writes NaN and Infinity as
null, as the models allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.api import cost
from app.api.encoding import binary_array
from app.numerics import engine
from app.numerics.autodiff import Trace
from app.numerics.curvature import Curvature
from app.numerics.datasets import DatasetSpec
from app.numerics.engine import STATUS_NAMES
from app.numerics.expression import Expression
from app.numerics.gradcheck import GradientCheck
from app.numerics.grid import Grid
from app.numerics.networks import (
    ExamplePasses,
    Network,
    NetworkCheck,
    NetworkRun,
    NetworkRunSpec,
    layer_norms,
    parameter_name,
)
from app.numerics.optimizers import Optimizer
from app.numerics.surfaces import Minimum, Surface
from app.numerics.sweeps import DIVERGED, NO_MINIMUM, BasinMap, LrSweep

# ---------------------------------------------------------------- surfaces


def minimum_records(minima: Sequence[Minimum]) -> list[dict]:
    """``MinimumOut``: each known minimum's point and value."""
    return [{"point": list(m.point), "value": m.value} for m in minima]


def surface_record(surface: Surface, params: dict[str, float]) -> dict:
    """``SurfaceOut``: a surface with its minima and saddle points at ``params``; a data set
    surface carries its examples."""
    record = {
        "id": surface.id,
        "name": surface.name,
        "dim": surface.dim,
        "formula": surface.formula,
        "description": surface.description,
        "params": [p._asdict() for p in surface.params],
        "window": {"x": list(surface.window.x), "y": surface.window.y and list(surface.window.y)},
        "default_start": list(surface.default_start),
        "minima": minimum_records(surface.minima(params)),
        "saddle_points": [list(s) for s in surface.saddle_points(params)],
        "suggested_lr": dict(surface.suggested_lr),
        "cost": cost.surface_costs(surface),
    }
    if surface.data is not None:
        record["data"] = {"x": surface.data.x.tolist(), "y": surface.data.y.tolist()}
    return record


def dataset_record(dataset: DatasetSpec) -> dict:
    """``DatasetOut``: a data set a loss can be built from, with its parameters."""
    return {
        "id": dataset.id,
        "name": dataset.name,
        "description": dataset.description,
        "params": [p._asdict() for p in dataset.params],
    }


def grid_record(grid: Grid, binary: bool) -> dict:
    """``GridResponse``: the axes and the loss per cell (a typed array when ``binary``)."""
    record = {
        "x": grid.x.tolist(),
        "z": binary_array(grid.z) if binary else grid.z,
        "z_min": grid.z_min,
        "z_max": grid.z_max,
    }
    if grid.y is not None:
        record["y"] = grid.y.tolist()
    return record


def gradcheck_record(check: GradientCheck) -> dict:
    """``GradcheckResponse``."""
    return {
        "analytic": check.analytic,
        "numeric": check.numeric,
        "max_abs_error": check.max_abs_error,
        "relative_error": check.relative_error,
        "ok": check.ok,
    }


def backprop_record(expression: Expression, trace: Trace) -> dict:
    """``BackpropResponse``: the graph's nodes with their values and gradients at a point."""
    graph = expression.graph
    nodes = [
        {
            "id": i,
            "op": node.op,
            "label": node.label,
            "inputs": list(graph.inputs[i]),
            "value": trace.values[i],
            "grad": trace.grads[i],
        }
        for i, node in enumerate(graph.nodes)
    ]
    by_variable = {node.label: i for i, node in enumerate(graph.nodes) if node.op == "var"}
    gradient = [
        trace.grads[by_variable[name]] if name in by_variable else 0.0 for name in graph.variables
    ]
    return {
        "expression": expression.text,
        "formula": expression.latex,
        "nodes": nodes,
        "output": len(nodes) - 1,
        "value": trace.values[-1],
        "gradient": gradient,
    }


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def curvature_record(point, value: float, result: Curvature, momentum: float) -> dict:
    """``CurvatureResponse``: the curvature at one point (row 0 of ``result``)."""
    return {
        "point": [float(c) for c in point],
        "value": float(value),
        "hessian": result.hessian[0].tolist(),
        "eigenvalues": result.eigenvalues[0].tolist(),
        "eigenvectors": result.eigenvectors[0].tolist(),
        "condition_number": _finite(result.condition_number[0]),
        "momentum": momentum,
        "stable_lr": {
            "sgd": _finite(result.stable_lr[0]),
            "momentum": _finite(result.momentum_stable_lr(momentum)[0]),
        },
    }


def curvature_along(result: Curvature, binary: bool) -> dict:
    """``CurvatureAlong``: a run's curvature at every point, nan as null (NaN when binary)."""
    return {
        "eigenvalues": numbers(result.eigenvalues, binary),
        "eigenvectors": numbers(result.eigenvectors, binary),
        "condition_number": numbers(result.condition_number, binary),
        "stable_lr": numbers(result.stable_lr, binary),
    }


# ---------------------------------------------------------------- optimizers


def optimizer_record(optimizer: Optimizer) -> dict:
    """``OptimizerOut``: an optimizer's update rule and hyperparameters."""
    return {
        "id": optimizer.id,
        "name": optimizer.name,
        "description": optimizer.description,
        "update_rule": optimizer.update_rule,
        "reference": optimizer.reference,
        "hyperparameters": [h._asdict() for h in optimizer.hyperparameters],
    }


# ---------------------------------------------------------------- trajectories


def numbers(values: Any, binary: bool) -> Any:
    """A list of numbers that grows with the steps, as the body carries it: as it is (JSON
    numbers), or with ``binary`` a float64 typed array (``TypedArrayOut``) of its shape."""
    return binary_array(values, "f8") if binary else values


def path_record(trajectory: engine.Trajectory, binary: bool = False) -> dict:
    """``RepeatOut``: where a run went, which every run and every repeat of it reports."""
    record = {
        "points": numbers(trajectory.points, binary),
        "losses": numbers(trajectory.losses, binary),
        "status": trajectory.status,
        "stopped_at": trajectory.stopped_at,
    }
    if trajectory.batch_losses is not None:
        record["batch_losses"] = numbers(trajectory.batch_losses, binary)
    return record


def summary_record(summary: engine.Summary) -> dict:
    """``SummaryOut``."""
    return {
        "final_loss": summary.final_loss,
        "best_loss": summary.best_loss,
        "best_step": summary.best_step,
        "steps_run": summary.steps_run,
        "nearest_minimum": summary.nearest_minimum and list(summary.nearest_minimum),
        "distance_to_minimum": summary.distance_to_minimum,
    }


def run_record(
    label: str,
    spec: engine.RunSpec,
    group: Sequence[engine.Trajectory],
    minima: Sequence[Minimum],
    binary: bool = False,
    curvature: Curvature | None = None,
) -> dict:
    """``RunOut``: the first repeat of a run in full, and with more repeats each one's path and
    the spread of their losses; with ``binary`` every list of numbers that grows with the
    steps is a float64 typed array (the epoch starts too, whole numbers exactly)."""
    trajectory = group[0]
    record: dict[str, Any] = {
        "label": label,
        "optimizer": spec.optimizer.id,
        "hyperparameters": dict(spec.hyperparameters),
        **path_record(trajectory, binary),
        "gradients": numbers(trajectory.gradients, binary),
        "reason": trajectory.reason,
        "message": trajectory.message,
        "summary": summary_record(engine.summarize(trajectory, minima)),
    }
    if spec.lr_scale is not None:
        lr = spec.hyperparameters["lr"]
        updates = max(len(trajectory.points) - 1, 0)
        record["lrs"] = numbers([lr * scale for scale in spec.lr_scale[:updates]], binary)
    if trajectory.epoch_starts is not None:
        record["epoch_starts"] = numbers(trajectory.epoch_starts, binary)
    if trajectory.noisy_gradients is not None:
        record["noisy_gradients"] = numbers(trajectory.noisy_gradients, binary)
    if trajectory.state is not None:
        record["state"] = {name: numbers(v, binary) for name, v in trajectory.state.items()}
    if curvature is not None:
        record["curvature"] = curvature_along(curvature, binary)
    if len(group) > 1:
        record["repeats"] = [path_record(repeat, binary) for repeat in group]
        median, p10, p90 = engine.loss_spread(group)
        spread = {"median": median, "p10": p10, "p90": p90}
        record["spread"] = {name: numbers(values, binary) for name, values in spread.items()}
    return record


def trajectories_record(
    surface: Surface,
    params: dict[str, float],
    start: Sequence[float],
    steps: int,
    runs: list[dict],
) -> dict:
    """``TrajectoryResponse``: the surface used, the start, and the runs' records."""
    return {
        "surface": {"id": surface.id, "params": params},
        "start": list(start),
        "steps": steps,
        "runs": runs,
    }


# ---------------------------------------------------------------- sweeps


def sweep_record(sweep: LrSweep) -> dict:
    """``LrSweepResponse``: each lr's outcome, the best lr and the smallest that diverged."""
    outcomes = sweep.outcomes
    return {
        "lrs": sweep.lrs.tolist(),
        "final_loss": outcomes.final_losses,
        "best_loss": outcomes.best_losses,
        "status": [STATUS_NAMES[code] for code in outcomes.status],
        "stopped_at": outcomes.stopped_at.tolist(),
        "best_lr": sweep.best_lr,
        "smallest_diverged_lr": sweep.smallest_diverged_lr,
        "largest_stable_lr": sweep.largest_stable_lr,
    }


def basin_record(basins: BasinMap, minima: Sequence[Minimum]) -> dict:
    """``BasinResponse``: which minimum each start reached, and how many reached each."""
    outcome = basins.outcome
    return {
        "x": basins.x.tolist(),
        "y": basins.y.tolist(),
        "minima": minimum_records(minima),
        "outcome": outcome.tolist(),
        "steps": basins.steps.tolist(),
        "reached": [int((outcome == i).sum()) for i in range(len(minima))],
        "none": int((outcome == NO_MINIMUM).sum()),
        "diverged": int((outcome == DIVERGED).sum()),
    }


def layers_record(network: Network, theta) -> list[dict]:
    """``LayerOut`` for every layer: torch.nn.Linear's weight and bias."""
    return [{"weight": w.tolist(), "bias": b.tolist()} for w, b in network.unflatten(theta)]


def network_run_record(
    label: str, spec: NetworkRunSpec, network: Network, run: NetworkRun, boundary, binary: bool,
    tested: bool, include_parameters: bool = False,
) -> dict:  # fmt: skip
    """``NetworkRunOut``: one run's curves, outcome, parameters and boundaries (and with
    ``include_parameters`` the parameters at each snapshot)."""
    classify = not network.regression
    record = {
        "label": label,
        "optimizer": spec.optimizer.id,
        "hyperparameters": dict(spec.hyperparameters),
        "losses": numbers(run.losses, binary),
        "test_losses": numbers(run.test_losses, binary) if tested else None,
        "accuracies": numbers(run.accuracies, binary) if classify else None,
        "test_accuracies": numbers(run.test_accuracies, binary) if classify and tested else None,
        "gradient_norms": numbers(run.gradient_norms, binary),
        "status": run.status,
        "stopped_at": run.stopped_at,
        "reason": run.reason,
        "message": run.message,
        "final_parameters": layers_record(network, run.final_parameters),
        "snapshots": {"steps": run.snapshot_steps, "boundary": binary_array(boundary, "f4")},
    }
    if include_parameters:
        record["snapshots"]["parameters"] = numbers(run.snapshots, binary)
    return record


def network_inspection_record(
    network: Network, check: NetworkCheck, passes: ExamplePasses, index: int, x, y: float,
    eps: float,
) -> dict:  # fmt: skip
    """``NetworkInspectResponse``: the gradient norms, one example's passes, the check."""
    size, checked = network.parameter_count, check.indices.size
    macs = [o * i for o, i in network.layers]
    rows = [
        {
            "layer": network.layer_of(int(i)),
            "name": parameter_name(network, int(i)),
            "index": int(i),
            "backprop": float(a),
            "numeric": float(n),
            "abs_error": float(abs(a - n)),
        }
        for i, a, n in zip(check.indices, check.analytic, check.numeric, strict=True)
    ]
    layers = [
        {"pre_activation": z, "activation": a, "activation_gradient": da,
         "pre_activation_gradient": dz}
        for z, a, da, dz in zip(passes.pre_activations, passes.activations,
                                passes.activation_gradients, passes.pre_activation_gradients,
                                strict=True)
    ]  # fmt: skip
    return {
        "sizes": list(network.sizes),
        "parameter_count": size,
        "loss": check.loss,
        "gradient_norms": layer_norms(network, check.gradient),
        "example": {
            "index": index,
            "x": list(map(float, x)),
            "y": float(y),
            "loss": passes.loss,
            "input_gradient": passes.input_gradient,
            "layers": layers,
        },
        "check": {
            "rows": rows,
            "eps": eps,
            "max_abs_error": check.max_abs_error,
            "forward_passes": check.forward_passes,
            "forward_passes_all": 2 * size,
            "backprop_seconds": check.backprop_seconds,
            "check_seconds": check.check_seconds,
            "check_seconds_all": check.check_seconds * size / max(checked, 1),
            # Backward: every layer's weights' gradient, and the deltas below all but the first.
            "multiply_adds": {"forward": sum(macs), "backward": sum(macs) + sum(macs[1:])},
        },
    }
