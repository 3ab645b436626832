// Lessons: presets that replay the gradient-descent chapter, each with a short explanation.

import { $ } from "../dom.js";

export const LESSONS = [
  {
    id: "simplest-descent",
    title: "The simplest descent",
    experiment: {
      surface: "parabola", start: [0], steps: 40,
      runs: [{ optimizer: "sgd", label: "SGD, lr 0.1", hyperparameters: { lr: 0.1 } }],
    },
    text: [
      "Minimise f(x) = (x − 3)², starting at x = 0 with learning rate 0.1. Each step moves against the slope f′(x) = 2(x − 3), so the ball slides down to x ≈ 3, taking smaller steps as the slope flattens.",
      "Compare this run with the values the chapter prints:",
    ],
    checkpoints: { digits: 4, rows: [[0, 0.6], [5, 2.2136], [20, 2.9723], [39, 2.9996]] },
  },
  {
    id: "lr-too-large",
    title: "A learning rate too large",
    experiment: {
      surface: "parabola", start: [0], steps: 6,
      runs: [{ optimizer: "sgd", label: "SGD, lr 1.1", hyperparameters: { lr: 1.1 } }],
    },
    text: [
      "The same parabola with learning rate 1.1. Every step overshoots the valley by more than the last, so x bounces from side to side and the loss grows: 12.96, 18.66, 26.87 and on.",
      "A loss that grows is the classic sign of a learning rate that is too high: lower it first.",
    ],
    checkpoints: { digits: 3, rows: [[0, 6.6], [1, -1.32], [2, 8.184], [3, -3.221], [4, 10.465], [5, -5.958]] },
  },
  {
    id: "edge-curvature",
    title: "The edge is 2 / curvature",
    experiment: {
      surface: "parabola", start: [0], steps: 60, sweep: { run: 0, from: 0.5, to: 1.5, count: 101 },
      runs: [
        { optimizer: "sgd", label: "SGD, lr 0.99", hyperparameters: { lr: 0.99 } },
        { optimizer: "sgd", label: "SGD, lr 1.0", hyperparameters: { lr: 1.0 } },
        { optimizer: "sgd", label: "SGD, lr 1.01", hyperparameters: { lr: 1.01 } },
        { optimizer: "momentum", label: "Momentum 0.9, lr 1.5", hyperparameters: { lr: 1.5, momentum: 0.9 } },
      ],
    },
    text: [
      "Why does a large learning rate diverge, and where exactly? Near a minimum each step multiplies the distance to it by |1 − lr·λ| along each direction, where λ is the curvature there (an eigenvalue of the Hessian), so gradient descent is stable only while lr < 2 / λmax. The parabola (x − 3)² has f″ = 2, so its edge is lr = 1: at 0.99 the distance shrinks by 0.98 a step, zig-zagging in; at 1.0 it bounces between 0 and 6 for ever; at 1.01 it grows by 1.02 a step and the run is diverging. The sweep below marks 2 / λmax exactly where the losses start to grow.",
      "Heavy-ball momentum μ widens the edge to 2 (1 + μ) / λmax: with μ = 0.9 the last run still settles at lr 1.5, far past plain SGD's edge. The next lesson finds the edge on a surface with two curvatures.",
    ],
  },
  {
    id: "edge-bowl",
    title: "The edge on the elongated bowl",
    experiment: {
      surface: "quadratic", steps: 150, sweep: { run: 0, from: 0.05, to: 0.5, count: 101 },
      runs: [
        { optimizer: "sgd", label: "SGD, lr 0.19", hyperparameters: { lr: 0.19 } },
        { optimizer: "sgd", label: "SGD, lr 0.2", hyperparameters: { lr: 0.2 } },
        { optimizer: "sgd", label: "SGD, lr 0.21", hyperparameters: { lr: 0.21 } },
        { optimizer: "momentum", label: "Momentum 0.9, lr 0.3", hyperparameters: { lr: 0.3, momentum: 0.9 } },
      ],
    },
    text: [
      "The bowl (x² + 10 y²) / 2 curves 1 along x and 10 along y: its Hessian's eigenvalues. The steep direction sets the edge, 2 / 10 = 0.2. At lr 0.19 SGD zig-zags across the valley and settles; at 0.2 it bounces from wall to wall for ever while x creeps in; at 0.21 every bounce is 10 % higher and the run blows up.",
      "The shallow direction alone would allow lr 2: the ratio of the curvatures, the condition number 10, is how much slower than it could be the safe learning rate crawls along x. Momentum 0.9 moves the edge to 2 (1 + 0.9) / 10 = 0.38, so lr 0.3 is stable.",
    ],
  },
  {
    id: "loss-explodes",
    title: "When the loss explodes",
    experiment: {
      surface: "rosenbrock", steps: 300,
      runs: [
        { optimizer: "sgd", label: "SGD, lr 0.002", hyperparameters: { lr: 0.002 } },
        { optimizer: "sgd", label: "SGD, lr 0.0025", hyperparameters: { lr: 0.0025 } },
      ],
    },
    text: [
      "Two runs of plain SGD on Rosenbrock's steep walls. At lr 0.002 it drops into the valley and walks to the minimum; at lr 0.0025, a mere 25% more, each step lands higher up the opposite wall than the last, and within five steps the loss passes 10¹².",
      "Gradscape stops a run at the first non-finite loss or runaway coordinate and marks it diverged. The cure is the chapter's: a smaller learning rate.",
    ],
  },
  {
    id: "momentum-vs-sgd",
    title: "Momentum against plain SGD",
    experiment: {
      surface: "quadratic", steps: 150,
      runs: [
        { optimizer: "sgd", label: "SGD, lr 0.19", hyperparameters: { lr: 0.19 } },
        { optimizer: "sgd", label: "SGD, lr 0.02", hyperparameters: { lr: 0.02 } },
        { optimizer: "momentum", label: "Momentum, lr 0.02", hyperparameters: { lr: 0.02, momentum: 0.8 } },
      ],
    },
    text: [
      "On a long, narrow bowl the gradient points mostly across the valley. With a large learning rate plain SGD zig-zags from wall to wall; with a small one it stops zig-zagging but crawls along the shallow floor.",
      "Momentum (0.8) keeps a running average of past gradients: the pushes across the valley cancel while those along it add up, like a ball gaining speed downhill, so the small learning rate gets there anyway.",
    ],
  },
  {
    id: "adam-vs-sgd",
    title: "Adam against SGD on Rosenbrock",
    experiment: {
      surface: "rosenbrock", steps: 2000,
      runs: [{ optimizer: "sgd", label: "SGD" }, { optimizer: "adam", label: "Adam" }],
    },
    text: [
      "Rosenbrock's minimum at (1, 1) lies at the end of a long, curved valley that is almost flat along its floor. SGD drops into the valley fast, then creeps, because the gradient there is tiny.",
      "Adam divides each step by a running estimate of the gradient's size, so it keeps moving along the flat floor: one reason it is the default optimizer for deep learning.",
    ],
  },
  {
    id: "batch-flavours",
    title: "Batch, stochastic and mini-batch",
    experiment: {
      surface: "linear_regression", steps: 150, layout: "side", batch: { repeats: 8 },
      runs: [
        { optimizer: "sgd", label: "Batch GD: all 200", hyperparameters: { lr: 0.05 } },
        { optimizer: "sgd", label: "SGD: batch 1", batchSize: 1, hyperparameters: { lr: 0.05 } },
        { optimizer: "sgd", label: "Mini-batch: 32", batchSize: 32, hyperparameters: { lr: 0.05 } },
      ],
    },
    text: [
      "The three flavours of the chapter's table fit a line to 200 noisy points: batch GD uses every example for each update, SGD one, mini-batch 32.",
      "Batch GD walks smoothly to the least-squares fit while SGD jitters after every single example; the loss chart's bands, over 8 shuffling seeds, show how much that luck matters. Mini-batch keeps most of batch GD's steadiness at a sixth of its cost per step: the practical default.",
    ],
  },
  {
    id: "gradient-check",
    title: "Trust but verify: the gradient check",
    experiment: {
      surface: "custom", custom: { expression: "x**2 + 3*x*y" }, start: [2, 1], steps: 30,
      runs: [{ optimizer: "sgd", label: "SGD, lr 0.05", hyperparameters: { lr: 0.05 } }],
    },
    text: [
      "The chapter checks a hand-derived gradient: for f = x² + 3xy at (2, 1), ∂f/∂x = 2x + 3y = 7 and ∂f/∂y = 3x = 6. The Gradient check card compares them with the central difference (f(v + ε) − f(v − ε)) / 2ε at ε = 10⁻⁶, which gives 7.00000 and 6.00000: they match, so the analytic gradient is right.",
      "The Backprop card shows where 7 and 6 come from: one forward pass for the values, one backward pass of the chain rule. Step the animation and both cards follow SGD's path; choose Custom under Surface to check your own formula.",
    ],
  },
  {
    id: "saddle",
    title: "Stuck at a saddle",
    experiment: {
      surface: "saddle", start: [-1.5, 0.001], steps: 80,
      runs: [
        { optimizer: "sgd", label: "SGD", hyperparameters: { lr: 0.05 } },
        { optimizer: "adam", label: "Adam", hyperparameters: { lr: 0.05 } },
      ],
    },
    text: [
      "At a saddle point the gradient is zero, yet it is no minimum: uphill one way, downhill the other. Starting almost on the ridge line, SGD slides into the saddle and lingers while the tiny sideways slope slowly grows.",
      "Adam rescales that tiny slope and escapes much sooner. Noise helps too: try a Noise std of 0.05 under Gradient noise.",
    ],
  },
  {
    id: "noise-escapes-saddle",
    title: "Noise escapes the saddle",
    experiment: {
      surface: "saddle", start: [-1.5, 0], steps: 40,
      runs: [
        { optimizer: "sgd", label: "GD, exact gradient", hyperparameters: { lr: 0.1 } },
        { optimizer: "sgd", label: "Noisy SGD, noise std 0.1", noiseStd: 0.1, hyperparameters: { lr: 0.1 } },
      ],
    },
    text: [
      "Started exactly on the ridge y = 0, the exact gradient never points off it: plain gradient descent slides into the saddle point (0, 0) and stays there, gradient zero, though the loss falls away on both sides.",
      "The second run adds noise of standard deviation 0.1 to every gradient, as a mini-batch would. The first nudge off the ridge grows with every step and the run escapes downhill: the chapter's claim that mini-batch noise helps slide past bad spots.",
    ],
  },
  {
    id: "rastrigin",
    title: "Many local minima: Rastrigin",
    experiment: {
      surface: "rastrigin", start: [-2.5, 2.5], steps: 300,
      runs: [{ optimizer: "sgd", label: "SGD" }, { optimizer: "momentum", label: "Momentum" }, { optimizer: "adam", label: "Adam" }],
    },
    text: [
      "Rastrigin's egg-crate has a local minimum near every point with integer coordinates and its global minimum, loss 0, at the origin. Gradient descent sees only the local slope: all three optimizers settle in the dimple nearest the start, at loss ≈ 8.",
      "Click the plot to start elsewhere. Deep networks are luckier: in very high dimensions most low valleys are good enough.",
    ],
  },
  {
    id: "himmelblau",
    title: "Four valleys: Himmelblau",
    experiment: {
      surface: "himmelblau", start: [-0.3, -0.9], steps: 400,
      runs: [
        { optimizer: "sgd", label: "SGD", hyperparameters: { lr: 0.01 } },
        { optimizer: "momentum", label: "Momentum", hyperparameters: { lr: 0.002 } },
        { optimizer: "adam", label: "Adam", hyperparameters: { lr: 0.1 } },
      ],
    },
    text: [
      "Himmelblau's function has four minima, all with loss 0. From one start, different optimizers take different routes and can end in different valleys.",
      "There is no single 'the' minimum, only the one your path reaches. Click the plot to try other starting points.",
    ],
  },
  {
    id: "network-batch-flavours",
    title: "Mini-batch SGD on a real network",
    // A network lesson (panels/network.js): `network` instead of `experiment`, the data set,
    // architecture and training settings of the network form and its runs (a run's own
    // batchSize: one request per distinct size).
    network: {
      dataset: "moons", n: 200, noise: 0.2, steps: 400, hidden: [16, 16], activation: "tanh",
      runs: [
        { optimizer: "sgd", label: "Full batch (150)", hyperparameters: { lr: 0.1 } },
        { optimizer: "sgd", label: "Mini-batch 32", batchSize: 32, hyperparameters: { lr: 0.1 } },
        { optimizer: "sgd", label: "SGD, batch 1", batchSize: 1, hyperparameters: { lr: 0.1 } },
      ],
    },
    text: [
      "The chapter's three flavours on a real network: SGD with learning rate 0.1 trains the same 2-16-16-2 tanh network, from the same initial weights, on two moons (150 training examples, 50 held out) for 400 updates. Full batch uses all 150 examples for every update, mini-batch 32 of them, SGD one.",
      "Full batch's loss falls smoothly. Mini-batch 32 wobbles a little and ends at about the same loss and test accuracy for a fifth of the work per update; SGD's loss jumps with every example, about a hundred times full batch's step-to-step change, and after 400 updates (under three passes over the data) it is still behind. The table measures the noise and the final accuracy; play the boundaries to watch them form.",
    ],
  },
  {
    id: "adam-is-forgiving",
    title: "Adam is forgiving",
    network: {
      dataset: "moons", n: 200, noise: 0.2, steps: 500, hidden: [16, 16], activation: "tanh",
      runs: [["sgd", "SGD"], ["adam", "Adam"]].flatMap(([optimizer, name]) =>
        [0.001, 0.01, 0.1, 1].map((lr) => ({ optimizer, label: `${name}, lr ${lr}`, hyperparameters: { lr } }))),
    },
    text: [
      "The same 2-16-16-2 tanh network, from the same initial weights, on two moons (150 training examples, 50 held out), trained for 500 full-batch steps by SGD and by Adam at learning rates 0.001, 0.01, 0.1 and 1.",
      "SGD's result hangs on the learning rate: at 0.001 its loss has hardly left the 0.69 it starts at (0.64, 76 % test accuracy), at 0.01 it is 0.38 (84 %), and only at 0.1 and 1 does it learn the moons. Adam learns them at 0.001, 0.01 and 0.1 alike, 94 to 96 % test accuracy with each loss below 0.2: a hundredfold range of learning rates where SGD's is tenfold.",
      "Adam divides each parameter's step by a running size of its gradient, so a step is about the learning rate whatever the slope; SGD's step is the learning rate times the slope, and the slope at the start is gentle. Adam is not immune: at 1 its steps are far too long and its loss bounces, as SGD's does at 1; theirs are the two largest loss noises in the table.",
    ],
  },
  {
    id: "good-enough-minima",
    title: "Good-enough minima",
    network: {
      dataset: "moons", n: 200, noise: 0.2, steps: 500, hidden: [16, 16], activation: "tanh",
      runs: [{ optimizer: "adam", label: "Adam, lr 0.01", hyperparameters: { lr: 0.01 } }],
      // The lesson's table trains the first run once from each of these init seeds
      // (panels/network-seeds.js); the boundary shown is the form's init seed.
      seeds: [0, 1, 2, 3],
    },
    text: [
      "Adam with learning rate 0.01 trains the same 2-16-16-2 tanh network on the same two moons four times, from init seeds 0, 1, 2 and 3: four random starts.",
      "All four end at about the same low loss, 0.018 to 0.023, with 94 to 98 % test accuracy. Yet their final parameters are far apart: each 1.4 to 1.5 times the length of seed 0's parameter vector away from it: relative to their size, at least as far apart as their random starts were (the table). (Part of that is symmetry: swapping two hidden units gives the same function with other parameters.)",
      "A network has many minima, and most are good enough: which one you reach depends on where you start, how low it is hardly does. Change the Init seed to see each one's boundary.",
    ],
  },
  {
    id: "network-backprop",
    title: "Backprop on a network",
    // `view: "backprop"`: the Backprop card is the lesson's table (panels/network-backprop.js).
    view: "backprop",
    network: {
      dataset: "moons", n: 200, noise: 0.2, steps: 300, hidden: [16, 16], activation: "tanh",
      runs: [{ optimizer: "adam", label: "Adam, lr 0.01", hyperparameters: { lr: 0.01 } }],
    },
    text: [
      "Backprop is the chain rule, one layer at a time. The card \"Backprop, layer by layer\" follows one training example through this 2-16-16-2 tanh network. Forward, left to right, each layer computes z = W a + b from the layer below and a = tanh(z); the output layer keeps z, the two classes' logits. Backward, right to left, the loss starts the chain with dL/dz = softmax(z) − onehot(y) at the output (its two entries sum to 0), and each layer below gets dL/da = Wᵀ dL/dz from the layer above and dL/dz = dL/da · (1 − a²). A weight's gradient is then its unit's dL/dz times the activation feeding it, averaged over the examples.",
      "So backprop is cheap: one forward and one backward pass give all 354 gradients, and the backward pass costs about twice the forward's work (608 multiply-adds per example against 320). The gradient check nudges one parameter at a time, θᵢ ± ε, and needs 2 forward passes for each: 708 for all 354, a cost that grows with the parameters times the network's size. The table checks 12 of them: backprop and the central differences agree to better than 10⁻⁸, and the timed passes say checking all 354 would take over a hundred times as long as backprop. Pick another example, or click a filled point, and move the player to see the same chain at later steps.",
    ],
  },
  {
    id: "network-why-it-works",
    title: "Why it works anyway",
    // `plane`: the landscape's plane (panels/network-landscape.js); one batch size, so all
    // three runs are in one request and on one plane; each run shuffles its batches its own way.
    network: {
      dataset: "moons", n: 200, noise: 0.2, steps: 600, hidden: [16, 16], activation: "tanh", batchSize: 16,
      plane: "interpolation",
      runs: [
        { optimizer: "adam", label: "Adam, batch order 1", hyperparameters: { lr: 0.01 } },
        { optimizer: "adam", label: "Adam, batch order 2", hyperparameters: { lr: 0.01 } },
        { optimizer: "adam", label: "Adam, batch order 3", hyperparameters: { lr: 0.01 } },
      ],
    },
    text: [
      "A network's loss is not a bowl: it has countless minima and saddle points, so why does gradient descent find a good one? Three runs of Adam (lr 0.01) train the same 2-16-16-2 tanh network from the same initial weights on two moons, each drawing its mini-batches of 16 in its own order. They end in different places, 1 to 2.3 apart after travelling about 7 through parameter space, and all of them low: training loss 0.04 to 0.06, 94 % of the test points right.",
      "The plane through the initial point and the first two ends shows why: both ends lie in one wide low valley, the straight line from the start to each end never climbs above the initial loss (0.69), and between the two ends the plane stays low. Switch the plane to Random: two random directions around run 1's end, scaled to each neuron's weights, show a plain bowl, about 0.06 at the centre and 0.46 to 1.3 at the corners. Each head's distance from the plane says how much of its run a picture leaves out.",
    ],
  },
];

export function lessonById(id) {
  return LESSONS.find((lesson) => lesson.id === id) || null;
}

/** The lesson menu: a button that opens a list of menu items; arrows and Escape work. */
export function createLessonMenu({ onPick }) {
  const button = $("lessons-button");
  const menu = $("lessons-menu");
  for (const lesson of LESSONS) {
    const item = document.createElement("li");
    item.setAttribute("role", "none");
    const action = document.createElement("button");
    action.type = "button";
    action.setAttribute("role", "menuitem");
    action.dataset.lesson = lesson.id;
    action.textContent = lesson.title;
    item.append(action);
    menu.append(item);
  }
  const items = () => [...menu.querySelectorAll("[role=menuitem]")];

  function open(focusIndex = 0) {
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    items()[focusIndex]?.focus();
  }
  function close(refocus = true) {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }

  button.addEventListener("click", () => (menu.hidden ? open() : close()));
  button.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      open();
    }
  });
  menu.addEventListener("click", (event) => {
    const action = event.target.closest("[data-lesson]");
    if (!action) return;
    close(false);
    onPick(lessonById(action.dataset.lesson));
  });
  menu.addEventListener("keydown", (event) => {
    const list = items();
    const at = list.indexOf(document.activeElement);
    if (event.key === "Escape") close();
    else if (event.key === "ArrowDown") list[(at + 1) % list.length].focus();
    else if (event.key === "ArrowUp") list[(at - 1 + list.length) % list.length].focus();
    else if (event.key === "Home") list[0].focus();
    else if (event.key === "End") list[list.length - 1].focus();
    else return;
    event.preventDefault();
    event.stopPropagation();
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !event.target.closest(".menu")) close(false);
  });
}

/**
 * Fills the lesson panel: title, the explanation and, where the chapter prints values, a check.
 * A checkpoint row is [the chapter's step, its x]: the chapter's loop counter counts updates
 * from 0, so its step s is the point after s + 1 updates, the page's step s + 1.
 */
export function renderLesson(lesson, result) {
  const panel = $("lesson");
  panel.hidden = !lesson;
  if (!lesson) return;
  $("lesson-title").textContent = lesson.title;
  $("lesson-text").replaceChildren(
    ...lesson.text.map((sentence) => {
      const p = document.createElement("p");
      p.textContent = sentence;
      return p;
    }),
  );
  const box = $("lesson-checkpoints");
  box.replaceChildren();
  if (!lesson.checkpoints || !result) return;
  const { digits, rows } = lesson.checkpoints;
  const points = result.runs[0].points;
  const table = document.createElement("table");
  table.className = "checkpoints";
  const head = table.createTHead().insertRow();
  table.createCaption().textContent =
    "The chapter's loop counts from 0: the chapter's step 0 is the first update, this page's step 1 (the page's step 0 is the start).";
  for (const title of ["chapter's step", "chapter x", "this run"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const [step, chapter] of rows) {
    const row = body.insertRow();
    const ours = points[step + 1] ? points[step + 1][0] : null;
    row.insertCell().textContent = String(step);
    row.insertCell().textContent = chapter.toFixed(digits);
    row.insertCell().textContent = ours === null ? "—" : ours.toFixed(digits);
  }
  box.append(table);
}
