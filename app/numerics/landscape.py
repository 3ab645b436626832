"""A network's loss on a plane through its parameter space, and its training paths on it.

Li et al. (2018, "Visualizing the Loss Landscape of Neural Nets") slice the loss along two
directions through a point of parameter space; Goodfellow et al. (2015) along the line from
the initial to the final parameters. A plane is an ``origin`` and ``directions`` (rows); a
point theta of parameter space has plane coordinates ``(u, v)``, the least-squares solution of
``origin + u d1 + v d2 = theta`` (the plane's point nearest theta; for orthonormal directions
simply ``d . (theta - origin)``), and ``distance_from_plane`` the norm of what is left over.

- ``pca``: the top two principal directions of every run's path points (its snapshots and
  its final point) centred on their mean, orthonormal: the centred matrix's top right singular
  vectors, from the smaller Gram matrix's eigenvectors (``pca_directions``; the tests hold them
  to numpy's SVD); ``explained_variance`` is each one's fraction of the total variance
  (s_i^2 / sum s^2).
- ``random``: two seeded standard Gaussian directions, filter-normalised as Li et al. do: each
  neuron's incoming weight row scaled to the norm of the same neuron's row at the origin; the
  biases' entries zeroed (the plane moves the weights only). Not orthonormal: coordinates are
  in units of those directions (u = 1 moves each neuron's weights by about their own norm).
- ``interpolation``: the plane through the initial point and the final points of runs 0 and 1,
  orthonormalised by Gram-Schmidt (u along initial -> run 0's final); with one run, the line
  from the initial to the final point (one direction, no ``v``).

A direction that comes out zero (a run that did not move, snapshots that all coincide) is
replaced by a seeded Gaussian one orthogonal to the others, so every plane has its full rank.

The plane passes through ``origin``, chosen by ``centre``: ``mean`` (the path points' mean),
``initial`` or ``final`` (run 0's final point). Defaults: pca ``mean``, random ``final`` (a
random plane around a minimum), interpolation ``initial`` (``mean`` is not on that plane, so
it takes ``initial`` or ``final`` only).

The grid: ``resolution`` points per direction over ``[-span, span]`` when ``span`` is given,
else over the box holding the origin and every path's projection, widened by a tenth of its
size each side (and for ``random`` at least ``[-1, 1]``, Li et al.'s window). Its losses are
forward passes only (``networks.losses_at``), all cells in one batched call per chunk of at
most ``CHUNK_BYTES`` of parameter vectors, the chunks over the cores.

Paths: for each run, at its snapshot steps (and its last step when that is not one): the
projection ``u, v``, ``distance_from_plane``, ``true_loss`` (the run's own training loss at
that step, ``run.losses[step]``) and ``plane_loss``, the loss computed at the projected point:
what the contour claims there. Lines: each run's loss along ``theta0 + alpha (final - theta0)``
at ``LINE_ALPHAS`` (``alpha = 0`` the initial point, 1 the final one).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.numerics import engine, networks
from app.numerics.networks import Network, NetworkRun

PLANES = ("pca", "random", "interpolation")
CENTRES = ("mean", "initial", "final")
DEFAULT_CENTRE = {"pca": "mean", "random": "final", "interpolation": "initial"}
LINE_ALPHAS = np.linspace(-0.25, 1.25, 31)
"""Steps of 0.05 from -0.25 to 1.25: 0 (initial) and 1 (final) are points of the line."""
MARGIN = 0.1
CHUNK_BYTES = 8 << 20
"""Parameter vectors built at once for the batched forward passes (8 MiB)."""
PARALLEL_EXAMPLE_PASSES = 200_000
"""Networks x examples above which the chunks are spread over the cores."""


@dataclass(frozen=True)
class PlanePath:
    """One run's points projected onto the plane (``v`` None on a line)."""

    steps: np.ndarray
    u: np.ndarray
    v: np.ndarray | None
    distance_from_plane: np.ndarray
    true_loss: np.ndarray
    plane_loss: np.ndarray
    """The loss at the projected point; non-finite values are nan."""


@dataclass(frozen=True)
class Landscape:
    plane: str
    centre: str
    origin: np.ndarray
    directions: np.ndarray
    """(2, parameters), or (1, parameters) for one run's interpolation line."""
    explained_variance: np.ndarray | None
    """pca only: the fraction of the path points' variance along each direction."""
    u: np.ndarray
    v: np.ndarray | None
    loss: np.ndarray
    """(len(v), len(u)), row j at v[j]; (len(u),) on a line; non-finite cells nan."""
    loss_min: float | None
    loss_max: float | None
    paths: list[PlanePath]
    line_alpha: np.ndarray
    lines: np.ndarray
    """(runs, len(line_alpha)): each run's loss along initial -> final; non-finite nan."""


def path_points(run: NetworkRun) -> tuple[np.ndarray, np.ndarray]:
    """The steps and parameters of a run's path: its snapshots, then its last valid point
    (``final_parameters``, step ``len(losses) - 1``) when the snapshots do not end there."""
    steps = np.asarray(run.snapshot_steps, dtype=np.int64)
    points = run.snapshots
    last = len(run.losses) - 1
    if last >= 0 and (steps.size == 0 or steps[-1] != last):
        steps = np.append(steps, last)
        points = np.vstack([points, run.final_parameters[None, :]])
    return steps, points


def pca_directions(points: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The top two principal directions of ``points`` centred on their mean (their centred
    matrix's top right singular vectors), and the fraction of the variance each explains (0 for
    a direction filled in by ``_complete``). From the eigenvectors of the smaller Gram matrix,
    C C^T or C^T C: only two are wanted, and a full SVD of a (points, parameters) matrix costs
    seconds at the largest sizes (``cost.network_landscape`` counts this way's work)."""
    centred = points - points.mean(axis=0)
    wide = centred.shape[0] <= centred.shape[1]
    values, vectors = np.linalg.eigh(centred @ centred.T if wide else centred.T @ centred)
    values, vectors = values[::-1][:2], vectors[:, ::-1][:, :2]
    total = float(np.sum(centred**2))
    keep = int(np.sum(values > 1e-20 * total)) if total > 0 else 0
    directions = (centred.T @ vectors[:, :keep]).T if wide else vectors[:, :keep].T
    explained = np.zeros(2)
    explained[:keep] = values[:keep] / total
    return _complete(directions, 2, points.shape[1], seed), explained


def random_directions(network: Network, centre: np.ndarray, seed: int) -> np.ndarray:
    """Two seeded Gaussian directions, filter-normalised at ``centre``: in each layer, row i of
    the direction's weight scaled to the norm of row i of the centre's weight (a zero row stays
    zero); the biases' entries zero."""
    rng = np.random.default_rng([seed, 18])
    directions = rng.standard_normal((2, centre.size))
    for d in directions:
        for (w, b), (cw, _) in zip(network.unflatten(d), network.unflatten(centre), strict=True):
            norms = np.linalg.norm(w, axis=1)
            w *= (np.linalg.norm(cw, axis=1) / np.where(norms > 0, norms, 1.0))[:, None]
            b[:] = 0.0
    return directions


def interpolation_directions(
    theta0: np.ndarray, finals: Sequence[np.ndarray], seed: int = 0
) -> np.ndarray:
    """Gram-Schmidt on ``final_i - theta0`` for the first two runs' finals (one with one run)."""
    return _complete(np.array([f - theta0 for f in finals[:2]]), len(finals[:2]), theta0.size, seed)


def _complete(vectors: np.ndarray, count: int, size: int, seed: int) -> np.ndarray:
    """``count`` orthonormal rows by Gram-Schmidt on ``vectors``; a row that vanishes (or is
    missing) is replaced by a seeded Gaussian one, orthogonalised the same way."""
    rng = np.random.default_rng([seed, 19])
    out = np.zeros((count, size))
    for k in range(count):
        candidate = vectors[k].astype(float) if k < len(vectors) else np.zeros(size)
        scale = max(1.0, float(np.linalg.norm(candidate)))
        for _ in range(2):  # the vector, else a random one
            d = candidate.copy()
            for _ in range(2):  # twice: classical Gram-Schmidt's loss of orthogonality undone
                d -= out[:k].T @ (out[:k] @ d)
            norm = float(np.linalg.norm(d))
            if norm > 1e-10 * scale:
                break
            candidate, scale = rng.standard_normal(size), 1.0
        out[k] = d / norm
    return out


def project(
    origin: np.ndarray, directions: np.ndarray, thetas: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(m, k) plane coordinates of each row of ``thetas`` (least squares, by the normal
    equations of the k x k Gram matrix: the identity for orthonormal directions) and the
    distance from each to its projection."""
    offsets = thetas - origin
    coords = (np.linalg.pinv(directions @ directions.T) @ (directions @ offsets.T)).T
    residual = offsets - coords @ directions
    return coords, np.linalg.norm(residual, axis=1)


def losses_on(
    network: Network,
    x: np.ndarray,
    y: np.ndarray,
    origin: np.ndarray,
    directions: np.ndarray,
    coords: np.ndarray,
) -> np.ndarray:
    """The mean loss at ``origin + coords @ directions`` for each row of ``coords``: batched
    forward passes, chunked, the chunks over the cores when large; non-finite values nan."""
    m, size = len(coords), origin.size
    rows = max(1, CHUNK_BYTES // (8 * size))
    blocks = [slice(a, min(a + rows, m)) for a in range(0, m, rows)]
    out = np.empty(m)

    def part(block: slice) -> None:
        thetas = coords[block] @ directions
        thetas += origin
        out[block] = networks.losses_at(network, thetas, x, y)

    if m * len(x) >= PARALLEL_EXAMPLE_PASSES and engine._cores() > 1:
        if len(blocks) < engine._cores():
            edges = np.linspace(0, m, engine._cores() + 1).round().astype(int)
            blocks = [slice(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]
        list(engine._pool().map(part, blocks))
    else:
        for block in blocks:
            part(block)
    out[~np.isfinite(out)] = np.nan
    return out


def landscape(
    network: Network,
    x: np.ndarray,
    y: np.ndarray,
    theta0: np.ndarray,
    runs: Sequence[NetworkRun],
    plane: str,
    resolution: int,
    *,
    span: float | None = None,
    centre: str | None = None,
    seed: int = 0,
) -> Landscape:
    """The loss on ``plane`` (``PLANES``) through ``centre`` (``CENTRES``) on a ``resolution``
    grid, every run's path projected onto it, and every run's initial -> final line; ``x, y``
    the training examples the runs' losses are computed on."""
    if plane not in PLANES:
        raise ValueError(f"unknown plane; valid: {', '.join(PLANES)}")
    centre = centre or DEFAULT_CENTRE[plane]
    if centre not in CENTRES or (plane == "interpolation" and centre == "mean"):
        raise ValueError("the interpolation plane's centre is 'initial' or 'final'")
    theta0 = np.ascontiguousarray(theta0, dtype=float)
    walked = [path_points(run) for run in runs]
    every = np.vstack([theta0[None, :], *(points for _, points in walked)])
    finals = [run.final_parameters if len(run.losses) else theta0 for run in runs]
    origin = {"mean": every[1:].mean(axis=0) if len(every) > 1 else theta0,
              "initial": theta0, "final": finals[0]}[centre]  # fmt: skip
    explained = None
    if plane == "pca":
        directions, explained = pca_directions(every[1:] if len(every) > 1 else every, seed)
    elif plane == "random":
        directions = random_directions(network, origin, seed)
    else:
        directions = interpolation_directions(theta0, finals, seed)

    paths, projected = [], []
    for run, (steps, points) in zip(runs, walked, strict=True):
        coords, distance = project(origin, directions, points)
        plane_loss = losses_on(network, x, y, origin, directions, coords)
        projected.append(coords)
        v = coords[:, 1] if directions.shape[0] == 2 else None
        paths.append(PlanePath(steps, coords[:, 0], v, distance, run.losses[steps], plane_loss))

    u, v = _axes(projected, directions.shape[0], resolution, span, plane == "random")
    if v is None:
        cells = u[:, None]
    else:
        gu, gv = np.meshgrid(u, v)
        cells = np.stack([gu.ravel(), gv.ravel()], 1)
    loss = losses_on(network, x, y, origin, directions, cells)
    loss = loss if v is None else loss.reshape(len(v), len(u))
    finite = loss[np.isfinite(loss)]

    lines = np.empty((len(runs), LINE_ALPHAS.size))
    for i, final in enumerate(finals):
        step = (final - theta0)[None, :]
        lines[i] = losses_on(network, x, y, theta0, step, LINE_ALPHAS[:, None])
    return Landscape(
        plane=plane,
        centre=centre,
        origin=origin,
        directions=directions,
        explained_variance=explained,
        u=u,
        v=v,
        loss=loss,
        loss_min=float(finite.min()) if finite.size else None,
        loss_max=float(finite.max()) if finite.size else None,
        paths=paths,
        line_alpha=LINE_ALPHAS.copy(),
        lines=lines,
    )


def _axes(
    projected: Sequence[np.ndarray], k: int, resolution: int, span: float | None, unit: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """The grid's coordinates along each direction (see the module's docstring)."""
    if span is not None:
        bounds = [(-span, span)] * k
    else:
        coords = np.vstack([np.zeros((1, k)), *projected])
        low, high = coords.min(axis=0), coords.max(axis=0)
        if unit:
            low, high = np.minimum(low, -1.0), np.maximum(high, 1.0)
        width = np.maximum(high - low, 1e-6 * np.maximum(1.0, np.abs(high)))
        bounds = list(zip(low - MARGIN * width, high + MARGIN * width, strict=True))
    axes = [np.linspace(float(a), float(b), resolution) for a, b in bounds]
    return axes[0], axes[1] if k == 2 else None
