"""Trajectories: run optimizers over a surface and return every step."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.encoding import FiniteJSONResponse
from app.api.schemas import RunIn, TrajectoryRequest, TrajectoryResponse
from app.config import SETTINGS
from app.numerics import engine
from app.numerics.schedules import lr_sequence

router = APIRouter(prefix="/api/v1", tags=["trajectories"])


def path_record(trajectory: engine.Trajectory) -> dict:
    """Where a run went: what every run and every repeat of it reports."""
    record = {
        "points": trajectory.points,
        "losses": trajectory.losses,
        "status": trajectory.status,
        "stopped_at": trajectory.stopped_at,
    }
    if trajectory.batch_losses is not None:
        record["batch_losses"] = trajectory.batch_losses
    return record


def run_record(label: str, spec: engine.RunSpec, trajectory: engine.Trajectory, minima) -> dict:
    summary = engine.summarize(trajectory, minima)
    record = {
        "label": label,
        "optimizer": spec.optimizer.id,
        "hyperparameters": dict(spec.hyperparameters),
        **path_record(trajectory),
        "gradients": trajectory.gradients,
        "reason": trajectory.reason,
        "message": trajectory.message,
        "summary": {
            "final_loss": summary.final_loss,
            "best_loss": summary.best_loss,
            "best_step": summary.best_step,
            "steps_run": summary.steps_run,
            "nearest_minimum": summary.nearest_minimum and list(summary.nearest_minimum),
            "distance_to_minimum": summary.distance_to_minimum,
        },
    }
    if spec.lr_scale is not None:
        lr = spec.hyperparameters["lr"]
        updates = max(len(trajectory.points) - 1, 0)
        record["lrs"] = [lr * scale for scale in spec.lr_scale[:updates]]
    if trajectory.epoch_starts is not None:
        record["epoch_starts"] = trajectory.epoch_starts
    if trajectory.noisy_gradients is not None:
        record["noisy_gradients"] = trajectory.noisy_gradients
    if trajectory.state is not None:
        record["state"] = {name: v for name, v in trajectory.state.items()}
    return record


def lr_scale(run: RunIn, steps: int) -> list[float] | None:
    """The schedule as factors on the run's lr, or None for a constant lr."""
    if run.schedule is None:
        return None
    schedule = run.schedule.to_schedule()
    if schedule.is_constant:
        return None
    lr = run.resolved_hyperparameters["lr"]
    return [value / lr for value in lr_sequence(lr, schedule, steps)]


@router.post("/trajectories", response_model=TrajectoryResponse)
def trajectories(request: TrajectoryRequest) -> FiniteJSONResponse:
    """Run every requested optimizer from the start point; stop rules per run."""
    surface, params = request.surface.surface, request.surface.resolved_params
    start = tuple(request.start) if request.start is not None else surface.default_start
    noise = request.noise
    repeats = range(request.repeats)
    specs = []
    for index, run in enumerate(request.runs):
        scale = lr_scale(run, request.steps)  # once per run, shared by its repeats
        specs += [
            engine.RunSpec(
                optimizer=run.resolved_optimizer,
                hyperparameters=run.resolved_hyperparameters,
                start=start,
                key=(index, repeat),
                lr_scale=scale,
            )
            for repeat in repeats
        ]
    batching = None
    if request.batch_size is not None:
        batching = engine.Batching(request.batch_size, request.seed)
    results = engine.simulate(
        surface,
        params,
        specs,
        request.steps,
        noise=engine.Noise(noise.std, noise.seed) if noise else None,
        stop=engine.StopRules(request.grad_tol, SETTINGS.max_loss, SETTINGS.max_coord),
        include_state=request.include_state,
        batching=batching,
    )
    minima = surface.minima(params)
    runs = []
    for index, run in enumerate(request.runs):
        group = results[index * len(repeats) : (index + 1) * len(repeats)]
        label = run.label or run.resolved_optimizer.name
        record = run_record(label, specs[index * len(repeats)], group[0], minima)
        if len(group) > 1:
            record["repeats"] = [path_record(trajectory) for trajectory in group]
            median, p10, p90 = engine.loss_spread(group)
            record["spread"] = {"median": median.tolist(), "p10": p10.tolist(), "p90": p90.tolist()}
        runs.append(record)
    return FiniteJSONResponse(
        {
            "surface": {"id": surface.id, "params": params},
            "start": list(start),
            "steps": request.steps,
            "runs": runs,
        }
    )
