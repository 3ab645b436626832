"""The engine: runs of any optimizers over one surface, with the stop rules; and the grid.

``walk`` takes every run of a request at once — one run, a handful of mixed optimizers, the
65,536 starts of a basin map — and walks each in turn through the same code, so a run gives the
same bits alone or in a batch. Points convention: point 0 is the start, point k the position
after k updates; the loss and the (full) gradient are those at each point.

The stop rules, checked at every point in this order, are written here once:

- diverged at step k when the loss at point k is not finite (``LOSS_NOT_FINITE``) or above
  ``max_loss`` in magnitude (``LOSS_TOO_LARGE``), the gradient is not finite
  (``GRADIENT_NOT_FINITE``), or a coordinate of point k is beyond ``max_coord``
  (``COORDINATE``): the valid points are 0..k-1;
- converged at step k when the gradient's norm at point k is at most ``grad_tol``;
- max_steps when k reaches ``steps``; but a run that got there with its loss growing is
  diverging (``DIVERGING``): its loss ended well above where it started (it rose by more than
  the start's own magnitude and by more than the run ever went below the start,
  ``GREW_OVERALL``), or it rose at every one of the last ``GROWTH_STREAK`` updates (all of them
  in a shorter run) by more than the run ever went below the start (``GREW_AT_END``). A run
  that shrinks the loss and then wanders near a minimum is neither.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from app.numerics.kernels import data as d
from app.numerics.kernels import evaluate, kernel, rules, stack
from app.numerics.kernels import tape as t

BUILTIN, FORMULA, DATASET = evaluate.BUILTIN, evaluate.FORMULA, evaluate.DATASET
MAX_STEPS, CONVERGED, DIVERGED, DIVERGING = 0, 1, 2, 3
"""Status codes."""
(NO_REASON, COORDINATE, LOSS_NOT_FINITE, LOSS_TOO_LARGE, GRADIENT_NOT_FINITE, GREW_OVERALL,
 GREW_AT_END) = range(7)  # fmt: skip
"""Why a run diverged or is diverging."""
GROWTH_STREAK = 10
"""Updates in a row that raised the loss, at the end of a run, for ``GREW_AT_END``."""
_state = stack.rows_of(rules.STATE_ROWS)
_coefficients = stack.vector_of(rules.COEFFICIENTS)


@kernel
def walk_builtin(
    kind, q, ops, known, data,
    codes, hps, starts, steps, grad_tol, max_loss, max_coord,
    noise, orders, batch_starts, batch_ends, scales,
    points, losses, gradients, used, batch_losses, states,
    status, stopped_at, reasons, final_points, final_losses, best_losses,
):  # fmt: skip
    """``_walk`` on a built-in surface."""
    _walk(
        BUILTIN, kind, q, ops, known, data,
        codes, hps, starts, steps, grad_tol, max_loss, max_coord,
        noise, orders, batch_starts, batch_ends, scales,
        points, losses, gradients, used, batch_losses, states,
        status, stopped_at, reasons, final_points, final_losses, best_losses,
    )  # fmt: skip


@kernel
def walk_formula(
    kind, q, ops, known, data,
    codes, hps, starts, steps, grad_tol, max_loss, max_coord,
    noise, orders, batch_starts, batch_ends, scales,
    points, losses, gradients, used, batch_losses, states,
    status, stopped_at, reasons, final_points, final_losses, best_losses,
):  # fmt: skip
    """``_walk`` on a typed formula."""
    _walk(
        FORMULA, kind, q, ops, known, data,
        codes, hps, starts, steps, grad_tol, max_loss, max_coord,
        noise, orders, batch_starts, batch_ends, scales,
        points, losses, gradients, used, batch_losses, states,
        status, stopped_at, reasons, final_points, final_losses, best_losses,
    )  # fmt: skip


@kernel
def walk_data(
    kind, q, ops, known, data,
    codes, hps, starts, steps, grad_tol, max_loss, max_coord,
    noise, orders, batch_starts, batch_ends, scales,
    points, losses, gradients, used, batch_losses, states,
    status, stopped_at, reasons, final_points, final_losses, best_losses,
):  # fmt: skip
    """``_walk`` on a data set."""
    _walk(
        DATASET, kind, q, ops, known, data,
        codes, hps, starts, steps, grad_tol, max_loss, max_coord,
        noise, orders, batch_starts, batch_ends, scales,
        points, losses, gradients, used, batch_losses, states,
        status, stopped_at, reasons, final_points, final_losses, best_losses,
    )  # fmt: skip


@kernel
def _walk(
    family, kind, q, ops, known, data,
    codes, hps, starts, steps, grad_tol, max_loss, max_coord,
    noise, orders, batch_starts, batch_ends, scales,
    points, losses, gradients, used, batch_losses, states,
    status, stopped_at, reasons, final_points, final_losses, best_losses,
):  # fmt: skip
    """Walk every run; results go into the output arrays (the caller allocates them).

    Runs: ``codes[r]`` the rule (``rules``), ``hps[r]`` its hyperparameters, ``starts[r]`` the
    start. Optional inputs are empty arrays when off: ``noise`` (runs, steps, dim) added to each
    update's gradient; mini-batches, update k+1 seeing examples
    ``orders[r, batch_starts[k]:batch_ends[k]]``; ``scales`` (runs, steps) multiplying each
    step (a learning-rate schedule). Outputs: ``points`` (runs, steps + 1, dim), ``losses``
    (runs, steps + 1) and ``gradients`` (runs, steps + 1, dim) hold every point, or are empty
    (sweeps and basin maps, which need the outcome alone, and skip the writes); ``used``
    the gradient each update used, ``batch_losses`` each mini-batch's loss, ``states`` (runs,
    steps, STATE_ROWS, dim) the state after each update — each recorded only when not empty.
    ``final_points``, ``final_losses`` and ``best_losses``: the last valid point, its loss and
    the lowest loss of each run.
    """
    numba.literally(family)
    runs, dim = starts.shape
    tabled = False
    for r in range(runs):
        tabled = tabled or rules.has_coefficients(codes[r])
    table = np.zeros((steps if tabled else 1, rules.COEFFICIENTS))
    work = np.empty(2 * ops.shape[0])  # the tape's values and adjoints, for every run
    table_code, table_h = -1, np.full(hps.shape[1], np.nan)
    for r in range(runs):
        code, h = codes[r], hps[r]
        # The coefficients depend on the step and every hyperparameter but lr (h[0]): runs in a
        # row that share them (a sweep) share one table.
        if rules.has_coefficients(code) and not _same_coefficients(code, h, table_code, table_h):
            for k in range(steps):
                rules.coefficients(code, h, k + 1, table[k])
            table_code, table_h = code, h
        # The dimension written in as a constant (1-D or 2-D: the loops over coordinates
        # unrolled): a fifth off every step.
        if dim == 1:
            _run(
                family, 1, code, r, table, work, kind, q, ops, known, data, h, starts, steps,
                grad_tol, max_loss, max_coord, noise, orders,
                batch_starts, batch_ends, scales, points, losses, gradients, used, batch_losses,
                states, status, stopped_at, reasons, final_points, final_losses, best_losses,
            )  # fmt: skip
        else:
            _run(
                family, 2, code, r, table, work, kind, q, ops, known, data, h, starts, steps,
                grad_tol, max_loss, max_coord, noise, orders,
                batch_starts, batch_ends, scales, points, losses, gradients, used, batch_losses,
                states, status, stopped_at, reasons, final_points, final_losses, best_losses,
            )  # fmt: skip


@kernel
def _same_coefficients(code, h, table_code, table_h):
    if code != table_code:
        return False
    for j in range(1, h.size):  # noqa: SIM110 (numba compiles no generators)
        if h[j] != table_h[j]:
            return False
    return True


@kernel
def _run(
    family, dim, code, r, table, work, kind, q, ops, known, data, h, starts, steps, grad_tol,
    max_loss, max_coord, noise, orders, batch_starts, batch_ends, scales, points, losses,
    gradients, used, batch_losses, states, status, stopped_at, reasons, final_points,
    final_losses, best_losses,
):  # fmt: skip
    """Run ``r`` of ``_walk``, from its start to its stop. ``family`` and ``dim`` are
    compile-time constants: each family's copy has its own evaluation written in, the loops over
    the coordinates are unrolled, and the rules are inlined (``inline="always"``), which keeps a
    step of SGD on a built-in surface near 10 ns. Empty ``points`` (the outcome alone) skips
    recording the path.

    What the run changes at every step — its point, the point before, the gradient, the gradient
    used, the step, the state and the step's coefficients — lives on the stack (``stack``) and
    is passed to no call that is not inlined (the mini-batch loss writes into a vector of its
    own), so the compiler keeps it in registers: half a basin map's time went to storing and
    reloading it."""
    numba.literally(family)
    numba.literally(dim)
    history = points.shape[0] > 0
    tabled = rules.has_coefficients(code)
    batched = orders.shape[0] > 0
    noisy = noise.shape[0] > 0
    scaled = scales.shape[0] > 0
    keep_used = used.shape[0] > 0
    keep_state = states.shape[0] > 0
    tol2 = grad_tol * grad_tol
    p, previous, g, u, step = (stack.vector(dim), stack.vector(dim), stack.vector(dim),
                               stack.vector(dim), stack.vector(dim))  # fmt: skip
    batch_g = stack.vector(dim)
    state, c = _state(dim), _coefficients()
    for j in range(c.shape[0]):
        c[j] = 0.0
    for i in range(dim):
        p[i] = previous[i] = starts[r, i]
    rules.initialise(code, h, state)
    st, why, at = MAX_STEPS, NO_REASON, steps
    last, best = math.nan, math.inf
    first, base, streak = math.nan, math.nan, 0
    for i in range(dim):
        if not abs(p[i]) <= max_coord:
            st, why, at = DIVERGED, COORDINATE, 0
    k = 0
    while st == MAX_STEPS:
        loss = evaluate.family_value_grad(family, kind, q, ops, known, data, p, g, work)
        why, norm2 = unusable(loss, g, dim, max_loss)
        if why != NO_REASON:
            st, at = DIVERGED, k
            break
        first, base, streak = rising(loss, last, k, first, base, streak)
        if history:
            for i in range(dim):
                points[r, k, i] = p[i]
                gradients[r, k, i] = g[i]
            losses[r, k] = loss
        last, best = loss, min(best, loss)
        if norm2 <= tol2:
            st, at = CONVERGED, k
            break
        if k == steps:
            break
        if batched:
            batch = orders[r, batch_starts[k] : batch_ends[k]]
            batch_losses[r, k] = d.batch_value_grad(
                kind - evaluate.DATA, data, batch, p[0], p[1], batch_g
            )
            for i in range(dim):
                u[i] = batch_g[i]
        else:
            for i in range(dim):
                u[i] = g[i]
        if noisy:
            for i in range(dim):
                u[i] += noise[r, k, i]
        if keep_used:
            for i in range(dim):
                used[r, k, i] = u[i]
        k += 1
        # Step k's coefficients copied out of the table (a view of its row would be a new array,
        # and a reference count, every step); a rule with none reads none.
        if tabled:
            for j in range(c.shape[0]):
                c[j] = table[k - 1, j]
        rules.update(code, h, c, state, u, p, k, step)
        factor = scales[r, k - 1] if scaled else 1.0
        for i in range(dim):
            previous[i] = p[i]
            p[i] += step[i] * factor if scaled else step[i]
            if not abs(p[i]) <= max_coord:
                st, why, at = DIVERGED, COORDINATE, k
        if keep_state:
            states[r, k - 1] = state
    if st == MAX_STEPS and k > 0:
        why = trend(first, best, last, base, streak, k)
        if why != NO_REASON:
            st = DIVERGING
    status[r], stopped_at[r], reasons[r] = st, at, why
    final_points[r] = previous if st == DIVERGED else p
    final_losses[r], best_losses[r] = last, best


@kernel(inline="always")
def unusable(loss, g, dim, max_loss):
    """Why the point (its loss and gradient ``g[:dim]``) ends a walk as diverged, or NO_REASON;
    and the gradient's squared norm."""
    if not abs(loss) <= max_loss:
        return (LOSS_NOT_FINITE if not math.isfinite(loss) else LOSS_TOO_LARGE), math.nan
    norm2 = 0.0
    for i in range(dim):
        norm2 += g[i] * g[i]
    if not norm2 < math.inf:
        return GRADIENT_NOT_FINITE, norm2
    return NO_REASON, norm2


@kernel(inline="always")
def rising(loss, last, k, first, base, streak):
    """The loss's first value, the value its current rise started from and the rise's length
    in updates, after point ``k`` (``trend`` reads them at the end)."""
    if k == 0:
        return loss, loss, 0
    if loss > last:
        return first, base, streak + 1
    return first, loss, 0


@kernel(inline="always")
def trend(first, best, last, base, streak, k):
    """Why a run that made all its ``k`` updates is diverging (``GREW_OVERALL``,
    ``GREW_AT_END``), or ``NO_REASON``: ``first``, ``best`` and ``last`` are its first, lowest
    and last losses, ``streak`` the updates in a row that raised it, ``base`` the loss before
    that streak."""
    drop = first - best
    if last - first > max(abs(first), drop):
        return GREW_OVERALL
    if streak >= min(GROWTH_STREAK, k) and last - base > drop:
        return GREW_AT_END
    return NO_REASON


@kernel
def grid(kind, q, ops, known, data, xs, ys, out):
    """The loss at every (xs[i], ys[j]) into out[j, i]; for a 1-D surface (ys empty) at xs[i]
    into out[0, i]."""
    work = np.empty(2 * ops.shape[0])
    p = np.empty(2 if ys.size else 1)
    for j in range(max(ys.size, 1)):
        if ys.size:
            p[1] = ys[j]
        for i in range(xs.size):
            p[0] = xs[i]
            out[j, i] = evaluate.value(kind, q, ops, known, data, p, work)


@kernel
def value_grads(kind, q, ops, known, data, points, values, grads):
    """The loss and gradient at each row of ``points`` (n, dim)."""
    work = np.empty(2 * ops.shape[0])
    for r in range(points.shape[0]):
        values[r] = evaluate.value_grad(kind, q, ops, known, data, points[r], grads[r], work)


@kernel
def hessians(kind, q, ops, known, data, points, hess):
    """The Hessian at each row of ``points`` (n, dim) into ``hess`` (n, dim, dim)."""
    work = np.empty(4 * ops.shape[0])
    for r in range(points.shape[0]):
        evaluate.hessian(kind, q, ops, known, data, points[r], hess[r], work)


@kernel
def rule_step(code, h, state, g, p, t, step):
    """One update of rule ``code`` from Python (``Optimizer.make``): ``rules.update``."""
    c = np.zeros(rules.COEFFICIENTS)
    rules.coefficients(code, h, t, c)
    rules.update(code, h, c, state, g, p, t, step)


@kernel
def values_at(kind, q, ops, known, data, points, values):
    """The loss at each row of ``points`` (n, dim)."""
    work = np.empty(2 * ops.shape[0])
    for r in range(points.shape[0]):
        values[r] = evaluate.value(kind, q, ops, known, data, points[r], work)


@kernel
def batch_losses_at(kind, data, indices, points, values, grads):
    """A mini-batch's loss and gradient at each row of ``points`` (n, 2), examples ``indices``
    (n, k): row r sees ``indices[r]``."""
    for r in range(points.shape[0]):
        values[r] = d.batch_value_grad(
            kind - evaluate.DATA, data, indices[r], points[r, 0], points[r, 1], grads[r]
        )


@kernel
def trace(ops, known, point, values, grads):
    """Every node's value and d output / d node, constants included (the backprop panel)."""
    n = ops.shape[0]
    work = np.empty(2 * n)
    t.forward(ops, known, point, work)
    t.backward(ops, work, True)
    values[:] = work[:n]
    grads[:] = work[n:]


@kernel
def operation(op, a, b):
    """One operation on numbers (``tape.apply``): folds a formula's constant parts."""
    return t.apply(op, a, b)
