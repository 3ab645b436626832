"""Targeted mutants: small deliberate bugs, each run against the tests that should catch it.

Each mutant replaces one snippet of one file (it must occur exactly once) in a fresh copy of the
repository, then runs only the tests named for it there; the mutant is caught when they fail.
The list covers the bugs a mutation run once let through (a cap no longer checked, a looser cap,
a tolerance ignored, the gzip floor, the restart pause, settings read but ignored, the spread's
percentiles, a limit's default), one bug in each update rule, each stop rule and each limit,
and the compiled core's own machinery: the formula tape's backward pass, the data-set losses,
the family dispatch, the coefficient tables a walk shares, the split of runs over threads. Not
part of `make test`; run it after big changes, and re-aim a mutant whose snippet has moved (it
is reported as "not found", never as caught):

    python -m bench.mutants            # every mutant, about an hour on 2 cores
    python -m bench.mutants adam loss  # the mutants whose name contains any of these words

Compilation: the copy is always made at one path (``TREE``) with its files' times kept, and
numba's cache is one directory (``CACHE``), so a mutant outside ``app/numerics/kernels`` loads
the compiled kernels (compiled once, by the first run) and takes seconds; a mutant inside the
kernels compiles them afresh (``app.numerics.warm``, a minute or two) before its tests run. A
mutant that numba refuses to compile is reported as a "compile error", not as caught: no test
caught it. Run one instance at a time (the path is fixed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


KERNELS = "app/numerics/kernels/"
RULES = KERNELS + "rules.py"
WALK = KERNELS + "walk.py"
FUNCTIONS = KERNELS + "functions.py"
TAPE = KERNELS + "tape.py"
DATA = KERNELS + "data.py"
EVALUATE = KERNELS + "evaluate.py"
OPT = "app/numerics/optimizers.py"
ENGINE = "app/numerics/engine.py"
CONFIG = "app/config.py"
COST = "app/api/cost.py"
T_OPT = ("tests/numerics/test_optimizers.py",)
T_STOP = ("tests/numerics/test_stop_rules.py",)
T_TAPE = ("tests/numerics/test_autodiff.py", "tests/numerics/test_expression.py")
T_DATA = ("tests/numerics/test_datasets.py",)
T_FAMILY = ("tests/numerics/test_stop_rules.py", "tests/numerics/test_expression.py")
T_LIMITS = ("tests/test_readme_limits.py", "tests/test_settings_env.py")


def default(name: str, value: str, mutated: str) -> Mutant:
    """A limit's default changed: the README's table and the tests of that limit disagree."""
    return Mutant(
        f"limit {name} default", CONFIG, f"{name}: {value}", f"{name}: {mutated}", T_LIMITS
    )


REQ = "app/api/requests.py"


def enforced(name: str, snippet: str) -> Mutant:
    """A limit enforced one past its value: the test built with a small value sees it."""
    return Mutant(
        f"limit {name} enforced one past it",
        REQ,
        snippet,
        snippet.replace(f"SETTINGS.{name}", f"SETTINGS.{name} + 1"),
        T_LIMITS,
    )


MUTANTS = [
    # -- the update rules (kernels/rules.py): one bug in each optimizer -----------------------
    Mutant("sgd: plain step sign", RULES, "            step[i] = -lr * gi\n", "            step[i] = lr * gi\n",
           T_OPT),
    Mutant("momentum: dampening ignored", RULES, "state[0, i] * momentum + keep * gi",
           "state[0, i] * momentum + gi", T_OPT),
    Mutant("nesterov: look-ahead dropped", RULES, "(gi + momentum * buf if nesterov else buf)",
           "(buf if nesterov else buf)", T_OPT),
    Mutant("adagrad: lr decay off by one", RULES, "c[0] = 1 + (t - 1) * h[1]", "c[0] = 1 + t * h[1]", T_OPT),
    Mutant("rmsprop: eps inside the root", RULES, "avg = math.sqrt(square_avg) + eps",
           "avg = math.sqrt(square_avg + eps)", T_OPT),
    Mutant("adadelta: old delta average", RULES, "state[1, i] * rho + keep * delta * delta",
           "state[1, i] * rho + delta * delta", T_OPT),
    Mutant("adam: second bias correction without its square root", RULES,
           "c[1] = (1 - beta2 ** float(t)) ** 0.5", "c[1] = (1 - beta2 ** float(t))", T_OPT),
    Mutant("adamw: decay coupled", RULES, "    _adam(h, c, state, g, p, t, step, True)",
           "    _adam(h, c, state, g, p, t, step, False)", T_OPT),
    Mutant("nadam: momentum warm-up base", RULES, "0.96 ** (t * momentum_decay)",
           "0.9 ** (t * momentum_decay)", T_OPT),
    Mutant("radam: rectification threshold", RULES, "if rho_t > 5.0:", "if rho_t > 4.0:", T_OPT),
    Mutant("adamax: eps outside the max", RULES, "maximum(state[1, i] * beta2, abs(gi) + eps)",
           "maximum(state[1, i] * beta2, abs(gi)) + eps", T_OPT),
    Mutant("lion: momentum update from beta1", RULES, "state[0, i] = beta2 * state[0, i] + keep2 * g[i]",
           "state[0, i] = beta1 * state[0, i] + keep1 * g[i]", T_OPT),
    # -- the catalogue (optimizers.py): which rule runs an entry --------------------------------
    Mutant("catalogue: AdamW runs Adam's rule", OPT, "rule=Rule(rules.ADAMW,", "rule=Rule(rules.ADAM,",
           T_OPT),
    # -- surfaces -----------------------------------------------------------------------------
    Mutant("six-hump camel: a sign in df/dx", FUNCTIONS,
           "x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y,", "x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) - y,",
           ("tests/numerics/test_surfaces.py",)),
    Mutant("parabola: default c", "app/numerics/surfaces.py", 'Param("c", 3.0,', 'Param("c", 2.0,',
           ("tests/numerics/test_surfaces.py", "tests/numerics/test_engine.py")),
    # -- the formula tape (kernels/tape.py): its backward pass ---------------------------------
    Mutant("tape: tanh's local derivative", TAPE, "    if op == TANH:\n        return 1.0 - out * out\n",
           "    if op == TANH:\n        return 1.0 - out\n", T_TAPE),
    Mutant("tape: a node used twice keeps one path's gradient", TAPE,
           "            work[n + a] += g * local(op, out, x, y, 0)",
           "            work[n + a] = g * local(op, out, x, y, 0)", T_TAPE),
    # -- data-set losses (kernels/data.py) -------------------------------------------------------
    Mutant("data: the cross-entropy's slope from sigmoid(-z)", DATA,
           "0.5 * (1.0 + math.tanh(0.5 * z)) - y", "0.5 * (1.0 - math.tanh(0.5 * z)) - y", T_DATA),
    Mutant("data: a mini-batch's mean over every example", DATA, "    n = indices.size\n",
           "    n = data.shape[1]\n", T_DATA),
    # -- the family dispatch: which evaluation a walk has written in ------------------------------
    Mutant("family: a formula walks as a built-in", ENGINE, "    if kind < evaluate.TAPE:\n",
           "    if kind <= evaluate.TAPE:\n", T_FAMILY),
    Mutant("family: the formula family evaluates a data set", EVALUATE,
           "    if family.literal_value == FORMULA:\n", "    if family.literal_value == -1:\n", T_FAMILY),
    # -- the stop rules, written once in walk._run ------------------------------------------------
    Mutant("stop: coordinate cap not checked at the start", WALK,
           """    for i in range(dim):
        if not abs(p[i]) <= max_coord:
            st, why, at = DIVERGED, COORDINATE, 0
""", "", T_STOP),
    Mutant("stop: coordinate cap not checked after step 0", WALK,
           """            p[i] += step[i] * factor if scaled else step[i]
            if not abs(p[i]) <= max_coord:
                st, why, at = DIVERGED, COORDINATE, k
""", """            p[i] += step[i] * factor if scaled else step[i]
""", T_STOP),
    Mutant("stop: loss cap 1000x looser", WALK, "if not abs(loss) <= max_loss:",
           "if not abs(loss) <= max_loss * 1000:", T_STOP),
    Mutant("stop: a loss that is not finite reported as too large", WALK,
           "why = LOSS_NOT_FINITE if not math.isfinite(loss) else LOSS_TOO_LARGE", "why = LOSS_TOO_LARGE",
           T_STOP),
    Mutant("stop: gradient not checked", WALK, "        if not norm2 < math.inf:", "        if False:", T_STOP),
    Mutant("stop: converged strictly below the tolerance", WALK, "        if norm2 <= tol2:\n",
           "        if norm2 < tol2:\n", T_STOP),
    Mutant("stop: converged on a looser tolerance", WALK, "tol2 = grad_tol * grad_tol",
           "tol2 = 2 * grad_tol * grad_tol", T_STOP),
    Mutant("stop: one step too many", WALK, "        if k == steps:\n", "        if k == steps + 1:\n", T_STOP),
    Mutant("stop: a diverged run ends on the point that broke a rule", WALK,
           "final_points[r] = previous if st == DIVERGED else p", "final_points[r] = p",
           ("tests/numerics/test_sweeps.py",)),
    Mutant("stop: reason names another cap", ENGINE, 'f"|loss| exceeded {stop.max_loss:g}"',
           'f"|loss| exceeded {stop.max_loss:.3g}"', T_STOP),
    # -- the walk (kernels/walk.py, engine.py): shared coefficients, schedules, threads ----------
    Mutant("walk: coefficient tables shared across a different beta1", WALK,
           "    for j in range(1, h.size):", "    for j in range(2, h.size):",
           ("tests/numerics/test_engine.py", "tests/numerics/test_optimizers.py", "tests/numerics/test_sweeps.py")),
    Mutant("walk: the schedule's factor one update late", WALK, "factor = scales[r, k - 1] if scaled",
           "factor = scales[r, k - 2] if scaled", ("tests/numerics/test_schedules.py",)),
    Mutant("walk: the threads' blocks miss a run each", ENGINE,
           "[slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]",
           "[slice(int(a), int(b) - 1) for a, b in itertools.pairwise(edges)]",
           ("tests/numerics/test_engine.py",)),
    # -- sweeps and repeats -------------------------------------------------------------------
    Mutant("basin map: tolerance ignored", "app/numerics/sweeps.py",
           "reached = distance[np.arange(len(starts)), nearest] <= tolerance",
           "reached = distance[np.arange(len(starts)), nearest] <= np.inf",
           ("tests/numerics/test_sweeps.py",)),
    Mutant("loss spread: 25/75 instead of 10/90", ENGINE, "np.nanpercentile(table, [10, 50, 90], axis=0)",
           "np.nanpercentile(table, [25, 50, 75], axis=0)", ("tests/numerics/test_engine.py",)),
    # -- serving --------------------------------------------------------------------------------
    Mutant("gzip floor 1 KB -> 64 KB", "app/api/encoding.py", "GZIP_MIN_BYTES = 1024",
           "GZIP_MIN_BYTES = 65536", ("tests/api/test_gzip_floor.py",)),
    Mutant("worker restart pause 0.5 s -> 8 s", "app/serve.py", "RESTART_PAUSE_S = 0.5",
           "RESTART_PAUSE_S = 8.0", ("tests/test_serve.py::test_two_workers_listen_apart_and_a_dead_one_is_replaced",)),
    Mutant("settings read from the environment, then ignored", CONFIG, "        return cls(**values)",
           "        return cls()", ("tests/test_settings_env.py",)),
    # -- the cost model -----------------------------------------------------------------------
    Mutant("cost: a data set's examples not counted", "app/numerics/datasets.py",
           "cost=EvaluationCost(1, sample.size * sample.per_example, sample.per_example),",
           "cost=EvaluationCost(1, 1, sample.per_example),",
           ("tests/api/test_cost.py::test_surface_records_carry_what_one_unit_of_each_request_costs",)),
    Mutant("cost: a surface's evaluation not counted in a batched pass", COST,
           "return LANE_STEP + evaluation_work(surface)", "return LANE_STEP", ("tests/api/test_cost.py",)),
    Mutant("cost: a formula's nodes not counted in a run-step", COST,
           "return cost.operations * OPERATION + cost.elements * ELEMENT",
           "return OPERATION + cost.elements * ELEMENT", ("tests/api/test_cost.py",)),
    Mutant("cost: a grid cell's evaluation counted as its loss and gradient", COST,
           "cost.operations * VALUE_OPERATION", "cost.operations * OPERATION", ("tests/api/test_cost.py",)),
    Mutant("cost: the state's memory not counted", COST, "(RUN_STEP_BYTES + (STATE_BYTES if include_state else 0))",
           "RUN_STEP_BYTES", ("tests/api/test_cost.py",)),
    Mutant("cost: memory budget not checked", COST, '    ("memory", "max_memory_bytes", "working memory"),\n',
           "", ("tests/api/test_cost.py", "tests/test_settings_env.py")),
    Mutant("cost: grids not costed", "app/api/requests.py",
           '        cost.refuse_above_budget(estimate, "the resolution or the data set\'s n")\n', "",
           ("tests/api/test_cost.py::test_grid_resolution_just_within_the_budget_answers_and_one_more_is_refused",)),
    # -- every limit's default (the README's table) and its enforcement ------------------------
    default("max_body_bytes", "int = 1 << 20", "int = 1 << 24"),
    default("max_steps", "int = 100_000", "int = 1_000_000"),
    default("max_runs", "int = 32", "int = 64"),
    default("max_points", "int = 400_000", "int = 4_000_000"),
    default("max_resolution", "int = 1000", "int = 2000"),
    default("max_label_chars", "int = 64", "int = 640"),
    default("max_batch_size", "int = 5000", "int = 50_000"),
    default("max_repeats", "int = 16", "int = 1600"),
    default("max_sweep_count", "int = 1024", "int = 4096"),
    default("max_basin_resolution", "int = 256", "int = 1024"),
    default("max_work", "int = 2_000_000_000", "int = 2_000_000_000_000"),
    default("max_memory_bytes", "int = 256 << 20", "int = 256 << 30"),
    default("max_response_bytes", "int = 32 << 20", "int = 32 << 30"),
    default("max_id_chars", "int = 64", "int = 6400"),
    default("max_name_chars", "int = 32", "int = 3200"),
    default("max_map_items", "int = 16", "int = 1600"),
    default("max_seed", "int = 2**32 - 1", "int = 2**64 - 1"),
    default("max_noise_std", "float = 1e3", "float = 1e6"),
    default("max_grad_tol", "float = 1e6", "float = 1e9"),
    default("max_eta_min", "float = 100.0", "float = 1e4"),
    default("max_sweep_lr", "float = 1e4", "float = 1e6"),
    default("max_basin_tolerance", "float = 1e3", "float = 1e6"),
    default("max_gradcheck_eps", "float = 1.0", "float = 100.0"),
    Mutant("limit max_formula_chars default", "app/numerics/expression.py", "chars: int = 200",
           "chars: int = 2000", T_LIMITS),
    Mutant("limit max_formula_exponent default", "app/numerics/expression.py",
           "exponent: float = 100.0", "exponent: float = 1e6", T_LIMITS),
    default("max_coord", "float = 1e6", "float = 1e9"),
    enforced("max_seed", "le=SETTINGS.max_seed)"),
    enforced("max_grad_tol", "le=SETTINGS.max_grad_tol)"),
    enforced("max_runs", "max_length=SETTINGS.max_runs)"),
    enforced("max_label_chars", "max_length=SETTINGS.max_label_chars)"),
    enforced("max_batch_size", "le=SETTINGS.max_batch_size,"),
    enforced("max_repeats", "le=SETTINGS.max_repeats,"),
    enforced("max_noise_std", "le=SETTINGS.max_noise_std,"),
    enforced("max_sweep_lr", "le=SETTINGS.max_sweep_lr)"),
    enforced("max_sweep_count", "le=SETTINGS.max_sweep_count)"),
    enforced("max_basin_tolerance", "le=SETTINGS.max_basin_tolerance,"),
    enforced("max_basin_resolution", "le=SETTINGS.max_basin_resolution)"),
    enforced("max_gradcheck_eps", "le=SETTINGS.max_gradcheck_eps)"),
    enforced("max_eta_min", "le=SETTINGS.max_eta_min,"),
    enforced("max_map_items", "len(value) > SETTINGS.max_map_items"),
    enforced("max_points", "total > SETTINGS.max_points"),
    default("max_loss", "float = 1e12", "float = 1e15"),
    default("max_url_bytes", "int = 16_384", "int = 1_638_400"),
    default("max_header_bytes", "int = 65_536", "int = 6_553_600"),
    default("header_timeout_s", "float = 10.0", "float = 1000.0"),
    default("body_timeout_s", "float = 30.0", "float = 3000.0"),
]  # fmt: skip


TREE = Path(tempfile.gettempdir()) / "gradscape-mutant"
"""Where every mutant runs: one fixed path, so numba's cache (keyed by each source file's full
path and contents) serves every mutant that leaves the kernels alone."""
CACHE = Path(tempfile.gettempdir()) / "gradscape-mutant-numba"
"""The mutants' NUMBA_CACHE_DIR. The kernels cache under a folder named by a hash of
``app/numerics/kernels/*.py``, so a mutant there compiles afresh into a folder of its own
(removed after it) and leaves the pristine one alone."""
COMPILE_TIMEOUT_S = 1800
TEST_TIMEOUT_S = 900


def fresh_tree() -> None:
    """``TREE`` removed and rebuilt from the tracked files (and the work tree's changes to
    them), modification times kept."""
    shutil.rmtree(TREE, ignore_errors=True)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            destination = TREE / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(TREE),
        "PYTHONDONTWRITEBYTECODE": "1",
        "NUMBA_CACHE_DIR": str(CACHE),
    }


@dataclass(frozen=True)
class Compiled:
    seconds: float
    folder: Path | None
    """The cache folder the kernels compiled into (or loaded from)."""
    error: str | None = None
    """numba's error when a kernel does not compile."""


def compile_kernels() -> Compiled:
    """Every kernel of ``TREE`` compiled into the cache, or loaded from it (``app.numerics.warm``,
    as ``make install`` runs it)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "app.numerics.warm"],
        cwd=TREE,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=COMPILE_TIMEOUT_S,
    )
    seconds = time.monotonic() - started
    found = re.search(r"\(cache: (.*)\)$", done.stdout.strip())
    if done.returncode == 0 and found:
        return Compiled(seconds, Path(found.group(1)))
    errors = [line for line in done.stderr.splitlines() if "numba.core.errors." in line]
    if errors:
        return Compiled(seconds, None, errors[-1].strip())
    # Any other failure (the mutant breaks Python code the warm-up runs): the tests judge it.
    return Compiled(seconds, None)


def run_tests(mutant: Mutant) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
        cwd=TREE,
        env=environment(),
        capture_output=True,
        timeout=TEST_TIMEOUT_S,
    )
    if done.returncode in (4, 5):  # usage error or no tests collected: the list is wrong
        return "no tests"
    if done.returncode < 0:  # killed by a signal (a kernel writing out of bounds)
        return "crashed"
    return "survived" if done.returncode == 0 else "caught"


def run(mutant: Mutant) -> tuple[str, str]:
    """The verdict on one mutant, in a fresh ``TREE``, and what it took."""
    fresh_tree()
    path = TREE / mutant.path
    pristine = path.read_text()
    if pristine.count(mutant.old) != 1:
        return "not found", ""
    path.write_text(pristine.replace(mutant.old, mutant.new))
    kept = set(CACHE.iterdir())
    note, started = "", time.monotonic()
    try:
        if mutant.path.startswith(KERNELS):
            compiled = compile_kernels()
            note = f"compiled in {compiled.seconds:.0f} s, "
            if compiled.error is not None:
                return "compile error", compiled.error
        try:
            verdict = run_tests(mutant)
        except subprocess.TimeoutExpired:
            verdict = "timeout"
    except subprocess.TimeoutExpired:
        return "timeout", "compiling"
    finally:
        for folder in set(CACHE.iterdir()) - kept:  # the mutant's own compiled kernels
            shutil.rmtree(folder, ignore_errors=True)
    return verdict, f"{note}{time.monotonic() - started:.0f} s"


def main(words: list[str]) -> int:
    chosen = [m for m in MUTANTS if not words or any(w in m.name for w in words)]
    CACHE.mkdir(parents=True, exist_ok=True)
    fresh_tree()
    pristine = compile_kernels()
    if pristine.folder is None:
        print(f"the pristine kernels do not compile: {pristine.error}", file=sys.stderr)
        return 2
    for folder in CACHE.iterdir():  # kernels of older sources, or of an interrupted mutant
        if folder != pristine.folder:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"pristine kernels ready in {pristine.seconds:.1f} s ({pristine.folder})", flush=True)
    counts: dict[str, int] = {}
    for mutant in chosen:
        verdict, detail = run(mutant)
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"{verdict:<13} {mutant.name}" + (f"  ({detail})" if detail else ""), flush=True)
    shutil.rmtree(TREE, ignore_errors=True)
    summary = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    print(f"mutants: {len(chosen)}; {summary}")
    return 0 if counts.get("caught", 0) == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
