// The "Backprop" card: the computation graph at the current point (POST /backprop), drawn as an
// SVG left to right from the inputs to f, each node with its forward value and its gradient.

import { fmt, fmtPoint } from "../format.js";
import { postBackprop } from "../api.js";
import { el } from "../dom.js";
import { createPointPanel, pointText } from "./gradcheck.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const NODE_W = 112;
const NODE_H = 60;
const COL_GAP = 46;
const ROW_GAP = 14;
const PAD = 10;
const MAX_LABEL = 10;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Columns by depth: variables first, each operation one column right of its deepest input,
 * each constant just left of its first user; rows ordered (right to left) by where their
 * users take them in, which keeps most arrows from crossing. Returns {place: id -> {x, y}, width, height}.
 */
export function layoutGraph(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const users = new Map(nodes.map((n) => [n.id, []]));
  for (const n of nodes) n.inputs.forEach((input, slot) => users.get(input).push({ id: n.id, slot }));
  const depth = new Map();
  const depthOf = (id) => {
    if (!depth.has(id)) {
      const { inputs } = byId.get(id);
      depth.set(id, inputs.length ? 1 + Math.max(...inputs.map(depthOf)) : 0);
    }
    return depth.get(id);
  };
  nodes.forEach((n) => depthOf(n.id));
  for (const n of nodes) {
    if (n.op === "const" && users.get(n.id).length) depth.set(n.id, Math.min(...users.get(n.id).map((u) => depth.get(u.id))) - 1);
  }
  const last = Math.max(...depth.values());
  const columns = Array.from({ length: last + 1 }, () => []);
  for (const n of nodes) columns[depth.get(n.id)].push(n);
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = 2 * PAD + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const place = new Map();
  const portY = (id, slot) => place.get(id).y + (NODE_H * (slot + 1)) / (byId.get(id).inputs.length + 1);
  for (let d = last; d >= 0; d -= 1) {
    const column = columns[d];
    const wanted = (n) => {
      const placed = users.get(n.id).filter((u) => place.has(u.id));
      return placed.length ? placed.reduce((sum, u) => sum + portY(u.id, u.slot), 0) / placed.length : 0;
    };
    column.sort((a, b) => wanted(a) - wanted(b) || a.id - b.id);
    const top = (height - (column.length * NODE_H + (column.length - 1) * ROW_GAP)) / 2;
    column.forEach((n, row) => place.set(n.id, { x: PAD + d * (NODE_W + COL_GAP), y: top + row * (NODE_H + ROW_GAP) }));
  }
  return { place, portY, width: 2 * PAD + (last + 1) * NODE_W + last * COL_GAP, height };
}

function shortLabel(label) {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

function nodeKind(node, output) {
  if (node.id === output) return "output";
  if (node.op === "var" || node.op === "const") return node.op;
  return "op";
}

/** The graph as an SVG element: arrows from inputs to users, nodes on top. */
export function graphSvg(graph) {
  const { place, portY, width, height } = layoutGraph(graph.nodes);
  const root = svg("svg", {
    class: "backprop-graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Computation graph of ${graph.expression}: ${graph.nodes.length} nodes, inputs on the left, f on the right`,
  });
  const marker = svg("marker", {
    id: "backprop-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse",
  });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" }));
  root.append(svg("defs"), svg("g", { class: "edges" }), svg("g", { class: "nodes" }));
  root.firstChild.append(marker);
  const [, edges, nodes] = root.children;
  for (const node of graph.nodes) {
    node.inputs.forEach((input, slot) => {
      const from = place.get(input);
      const x0 = from.x + NODE_W;
      const y0 = from.y + NODE_H / 2;
      const x1 = place.get(node.id).x - 1;
      const y1 = portY(node.id, slot);
      const bend = Math.max(COL_GAP / 2, (x1 - x0) / 2);
      edges.append(svg("path", { d: `M ${x0} ${y0} C ${x0 + bend} ${y0}, ${x1 - bend} ${y1}, ${x1} ${y1}`, "marker-end": "url(#backprop-arrow)" }));
    });
  }
  for (const node of graph.nodes) {
    const { x, y } = place.get(node.id);
    const kind = nodeKind(node, graph.output);
    const value = `value ${fmt(node.value)}`;
    // A constant is no variable of f: nothing flows back to it (the API's grad of one, ∂f/∂c,
    // would read as a gradient the descent uses).
    const constant = kind === "const";
    const grad = constant ? "no grad" : `grad ${fmt(node.grad)}`;
    const group = svg("g", { class: `node ${kind}`, transform: `translate(${x} ${y})` });
    group.append(
      svg("title", {}, constant
        ? `${node.label} (a constant): ${value}, no grad: f is a function of its variables, not of its constants`
        : `${node.label} (${node.op}${kind === "output" ? ", the output f" : ""}): ${value}, ${grad}`),
      svg("rect", { width: NODE_W, height: NODE_H, rx: 8 }),
      svg("text", { class: "node-label", x: NODE_W / 2, y: 19 }, shortLabel(node.label)),
      svg("text", { class: "node-value", x: NODE_W / 2, y: 36 }, value),
      svg("text", { class: constant ? "node-grad none" : "node-grad", x: NODE_W / 2, y: 51 }, grad),
    );
    nodes.append(group);
  }
  return root;
}

function renderGraph(box, graph, point) {
  const names = point.length === 1 ? "f(x)" : "f(x, y)";
  const summary = el("p", { class: "backprop-summary" }, [
    el("code", { text: `${names} = ${graph.expression}` }),
    ` at ${pointText(point)}: value ${fmt(graph.value)}, ${point.length === 1 ? "derivative" : "gradient"} ${fmtPoint(graph.gradient, 6)}`,
  ]);
  box.replaceChildren(
    summary,
    el("div", { class: "graph-scroll", tabindex: "0", role: "region", "aria-label": "Computation graph, scrolls" }, [graphSvg(graph)]),
    el("p", { class: "hint" }, [
      "Forward pass: values flow along the arrows, left to right. Backward pass: from ",
      el("span", { class: "legend-grad", text: "grad 1" }),
      " at f, each node's grad (∂f/∂node) is its users' grads times their local derivatives (the chain rule), added up; ",
      point.length === 1 ? "the grad of x is the derivative." : "the grads of x and y are the gradient.",
      " Constants (dashed) get none: f is a function of the variables only.",
    ]),
  );
}

export function createBackpropPanel() {
  const box = document.getElementById("backprop-body");
  return createPointPanel({
    box,
    ask: postBackprop,
    body: (surface, point) => ({ surface, point }),
    render: (graph, point) => renderGraph(box, graph, point),
    skip: (surface) => (surface.dataset
      ? "Backprop draws a formula's graph; a data set's loss is a sum over its examples, with no formula to draw. The gradient check works for it."
      : null),
  });
}
