// The main figure: surface (contour, 3-D surface or 1-D curve), known points, and one trail plus
// one head marker per run. Animation touches only the trail and head traces (frames.js).

import { contourImage } from "./contour.js";
import { fmt, fmtPoint } from "../format.js";

const MAX_TRAIL = 2500;
export const FONT = { family: "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1f2933" };
// Light, neutral and monotone in lightness: every Okabe-Ito path colour stays readable on it.
const COLORSCALE = [
  [0, "#fbfcfd"], [0.25, "#e2e8ef"], [0.5, "#c5d0dc"], [0.75, "#a0afc0"], [1, "#728399"],
];
// The 3-D surface needs more contrast than a backdrop does, to show its shape.
const SURFACE_COLORSCALE = [
  [0, "#f4f7fa"], [0.3, "#c9d6e3"], [0.6, "#8fa6be"], [1, "#4a6380"],
];
const MINIMUM_COLOUR = "#F0E442";
// In a 3-D scene plotly draws a trace with opacity below 1 after the opaque ones, in trace order,
// over what is drawn before it (plotly.js issues #1267, #3410): the paths, markers and heads come
// after the surface, so they stay in sight when still as the motion canvas draws them playing,
// not hidden in Rosenbrock's valley by its near wall.
const OVER_SURFACE = { opacity: 0.999 };
export const INK = "#243b53";
// On a phone the mode bar stands upright in a right margin of its own: the legend (above the
// plot, at most as wide as it) can then never be under it, however many rows it wraps to.
const MODEBAR_MARGIN = 34;

function panelGrid(count, width) {
  if (count <= 1) return { cols: 1, rows: 1 };
  const cols = width < 560 ? 1 : count === 4 ? 2 : Math.min(count, 3);
  return { cols, rows: Math.ceil(count / cols) };
}

function axisNames(panel) {
  const suffix = panel === 0 ? "" : String(panel + 1);
  return { x: `x${suffix}`, y: `y${suffix}`, xaxis: `xaxis${suffix}`, yaxis: `yaxis${suffix}` };
}

function vectorText(v) {
  return v ? fmtPoint(v, 3) : "—";
}

function track(run, stride, coords) {
  const len = run.points.length;
  const custom = (k) => {
    // A run that walked every step (still going, or growing) has no update after its last.
    const walkedAll = run.status === "max_steps" || run.status === "diverging";
    let update = walkedAll ? "— (last step)" : "none: the run stopped here";
    if (k + 1 < len) update = vectorText(run.points[k + 1].map((v, d) => v - run.points[k][d]));
    return [k, fmt(run.losses[k]), vectorText(run.gradients[k]), update];
  };
  const pick = [];
  for (let k = 0; k < len; k += stride) pick.push(k);
  const at = pick.map((k) => coords(run, k));
  const out = {
    run, len, stride, pick, custom, coords,
    xs: at.map((c) => c[0]), ys: at.map((c) => c[1]), zs: at.map((c) => c[2]),
  };
  // The hover text of every point, made when plotly first needs it: a figure painted on the
  // canvas during live edits never does (formatting 8 x 2,000 points costs tens of ms).
  let cd = null;
  Object.defineProperty(out, "cd", { get: () => (cd ??= pick.map(custom)), enumerable: true });
  return out;
}

/** Where the paths and the surface are drawn: the surface window, grown to show the paths. */
export function viewWindow(surface, runs) {
  const axes = surface.dim === 1 ? ["x"] : ["x", "y"];
  const view = {};
  axes.forEach((name, d) => {
    const [lo, hi] = surface.window[name];
    const span = hi - lo;
    let pmin = Infinity;
    let pmax = -Infinity;
    for (const run of runs) {
      for (const p of run.points) {
        pmin = Math.min(pmin, p[d]);
        pmax = Math.max(pmax, p[d]);
      }
    }
    const pad = span * 0.05;
    view[name] = [
      Math.max(Math.min(lo, pmin - pad), lo - span),
      Math.min(Math.max(hi, pmax + pad), hi + span),
    ];
  });
  return view;
}

function hoverTemplate(dim) {
  const where = dim === 1 ? "x %{x:.4g}" : "point (%{x:.4g}, %{y:.4g})";
  return `<b>%{fullData.name}</b><br>step %{customdata[0]}<br>${where}<br>loss %{customdata[1]}`
    + "<br>gradient %{customdata[2]}<br>update %{customdata[3]}<extra></extra>";
}

function colorbarFor(scale, narrow, typeScale) {
  return {
    title: { text: scale.title, side: narrow ? "top" : "right" }, thickness: 10, outlinewidth: 0,
    tickfont: { size: Math.round(11 * typeScale) }, ...(scale.ticks || {}),
    ...(narrow ? { orientation: "h", y: -0.2, yanchor: "top", len: 1, x: 0.5, xanchor: "center" } : { len: 0.9 }),
  };
}

/** The surface under the paths: a curve (1-D), a 3-D surface, or a colour bar for the image. */
function backgroundTrace({ dim, is3d, surfaceData, narrow, panel, typeScale }) {
  const { grid, rows, scale, cells } = surfaceData;
  if (dim === 1) {
    return {
      type: "scatter", mode: "lines", x: grid.x, y: rows[0].map((v) => (Number.isFinite(v) ? v : null)),
      line: { color: "#52606d", width: 2.5 }, name: "f(x)", showlegend: false,
      hovertemplate: "x %{x:.4g}<br>f(x) %{y:.4g}<extra></extra>",
    };
  }
  if (is3d) {
    return {
      type: "surface", x: grid.x, y: grid.y, z: cells.z, text: cells.text, colorscale: SURFACE_COLORSCALE,
      showscale: !narrow, colorbar: colorbarFor(scale, narrow, typeScale), name: "surface", opacity: 0.92,
      lighting: { ambient: 0.7, diffuse: 0.6, specular: 0.05, roughness: 0.9 },
      contours: { z: { show: true, color: "rgba(36,59,83,0.35)", width: 1, start: cells.lo, end: cells.hi, size: (cells.hi - cells.lo) / 16 } },
      hovertemplate: "x %{x:.3g}, y %{y:.3g}<br>loss %{text}<extra></extra>",
    };
  }
  // The contour itself is a layout image (see contour.js); this invisible trace draws its scale.
  const names = axisNames(panel);
  return {
    type: "scatter", mode: "markers", x: [null, null], y: [null, null], xaxis: names.x, yaxis: names.y,
    name: "surface", showlegend: false, hoverinfo: "skip",
    marker: {
      color: [cells.lo, cells.hi], cmin: cells.lo, cmax: cells.hi, colorscale: COLORSCALE,
      showscale: panel === 0, colorbar: colorbarFor(scale, narrow, typeScale), size: 0,
    },
  };
}

/** z on the drawing scale and the contour image, computed once per grid. */
function surfaceCells(surfaceData) {
  if (!surfaceData.cells) {
    const { rows, scale } = surfaceData;
    const z = rows.map((row) => row.map((v) => (Number.isFinite(v) ? scale.forward(v) : NaN)));
    const image = contourImage(z, COLORSCALE);
    surfaceData.cells = {
      z: z.map((row) => row.map((v) => (Number.isFinite(v) ? v : null))),
      canvas: image.canvas, lo: image.lo, hi: image.hi,
      // The PNG that plotly shows, encoded the first time plotly draws (the preview draws the
      // canvas itself, see preview.js).
      get image() {
        Object.defineProperty(this, "image", { value: image.canvas.toDataURL("image/png") });
        return this.image;
      },
      // Hover text for the 3-D surface only; built the first time it is shown.
      get text() {
        Object.defineProperty(this, "text", { value: rows.map((row) => row.map((v) => fmt(v))) });
        return this.text;
      },
    };
  }
  return surfaceData.cells;
}

function surfaceImage(surfaceData, panel) {
  const { grid, cells } = surfaceData;
  const names = axisNames(panel);
  const [x0, x1] = [grid.x[0], grid.x[grid.x.length - 1]];
  const [y0, y1] = [grid.y[0], grid.y[grid.y.length - 1]];
  return {
    // Read by plotly only: the preview draws before the PNG exists.
    get source() { return cells.image; },
    xref: names.x, yref: names.y, x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0,
    xanchor: "left", yanchor: "top", sizing: "stretch", layer: "below",
  };
}

function markerTraces({ dim, is3d, surface, scale, lift, start, startLoss, panel, showKnown, narrow }) {
  const names = axisNames(panel);
  const place = is3d ? { type: "scatter3d", ...OVER_SURFACE } : { type: "scatter", xaxis: names.x, yaxis: names.y };
  const coords = (points, values) => {
    if (dim === 1) return { x: points.map((p) => p[0]), y: values };
    const out = { x: points.map((p) => p[0]), y: points.map((p) => p[1]) };
    if (is3d) out.z = values.map((v) => scale.forward(v) + lift);
    return out;
  };
  // On a phone the legend keeps to the runs: the markers explain themselves on hover.
  const legend = panel === 0 && !narrow;
  const traces = [];
  if (showKnown && surface.minima.length) {
    traces.push({
      ...place, mode: "markers", name: "known minimum", showlegend: legend, legendgroup: "minimum",
      ...coords(surface.minima.map((m) => m.point), surface.minima.map((m) => m.value)),
      marker: { symbol: is3d ? "diamond" : "star", size: is3d ? 6 : 15, color: MINIMUM_COLOUR, line: { color: INK, width: 1.2 } },
      customdata: surface.minima.map((m) => fmt(m.value)),
      hovertemplate: "known minimum<br>" + (dim === 1 ? "x %{x:.4g}" : "(%{x:.4g}, %{y:.4g})") + "<br>loss %{customdata}<extra></extra>",
    });
  }
  if (showKnown && dim === 2 && !is3d && surface.saddle_points.length) {
    traces.push({
      ...place, mode: "markers", name: "saddle point", showlegend: legend, legendgroup: "saddle",
      ...coords(surface.saddle_points, []),
      marker: { symbol: "x", size: is3d ? 5 : 11, color: INK, line: { color: "#ffffff", width: 1 } },
      hovertemplate: "saddle point (%{x:.4g}, %{y:.4g})<extra></extra>",
    });
  }
  if (!start || (startLoss === null && (dim === 1 || is3d))) return traces;
  traces.push({
    ...place, mode: "markers", name: "start", showlegend: legend, legendgroup: "start", uid: `start-${panel}`,
    ...coords([start], [startLoss]),
    marker: { symbol: "square", size: is3d ? 5 : 10, color: "#ffffff", line: { color: INK, width: 2 } },
    hovertemplate: "start " + (dim === 1 ? "x %{x:.4g}" : "(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
  });
  return traces;
}

/**
 * Builds the figure. Returns {data, layout, tracks, trailIndex, headIndex, hitIndex, background,
 * height}.
 * `surfaceData` is {grid (the API answer), rows (its z decoded), scale (zScale)}; `runs` are the
 * API runs with `colour` and `label_html` added; `start` may be null when there are no runs.
 * `typeScale` enlarges the figure's text (presenter mode).
 */
export function buildFigure({
  surface, surfaceData, runs, start, layoutMode, view3d, width, height, narrow, showKnown, view, typeScale = 1,
}) {
  const px = (size) => Math.round(size * typeScale);
  const { scale } = surfaceData;
  const dim = surface.dim;
  // A data set's axes are its model's parameters (w, b).
  const [xName, yName] = surface.axes || ["x", "y"];
  const is3d = view3d && dim === 2;
  const side = layoutMode === "side" && !is3d && runs.length > 1;
  const panels = side ? runs.length : 1;
  const { cols, rows: gridRowsCount } = panelGrid(panels, width);
  const lift = is3d ? (scale.forward(scale.zMax) - scale.forward(scale.zMin)) * 0.02 : 0;
  // A start outside a formula's domain has no loss (the run has no point): its marker sits at
  // the bottom of a curve or a 3-D scene.
  const startLoss = runs.length ? (runs[0].losses[0] ?? scale.zMin) : null;
  const stride = Math.max(1, Math.ceil(Math.max(...runs.map((r) => r.points.length)) / MAX_TRAIL));
  const coords = (run, k) => {
    const p = run.points[k];
    if (dim === 1) return [p[0], run.losses[k], null];
    return [p[0], p[1], is3d ? scale.forward(run.losses[k]) + lift : null];
  };
  const tracks = runs.map((run, i) => ({ ...track(run, stride, coords), axes: axisNames(side ? i : 0) }));

  const data = [];
  const background = [];
  if (dim === 2) surfaceCells(surfaceData);
  for (let p = 0; p < panels; p += 1) {
    background.push(data.length);
    data.push(backgroundTrace({ dim, is3d, surfaceData, narrow, panel: p, typeScale }));
  }
  const template = hoverTemplate(dim);
  // Ghosts: each whole path, faint, so the comparison reads at a glance before Play.
  tracks.forEach((t, i) => {
    const names = axisNames(side ? i : 0);
    data.push({
      type: is3d ? "scatter3d" : "scatter",
      ...(is3d ? {} : { xaxis: names.x, yaxis: names.y }),
      uid: `ghost-${i}`, name: runs[i].label_html, showlegend: false, hoverinfo: "skip",
      mode: dim === 1 ? "lines+markers" : "lines", opacity: 0.55,
      line: { color: runs[i].colour, width: is3d ? 3 : 1.6, dash: "dot" },
      marker: { color: runs[i].colour, size: 6 },
      x: t.xs, y: t.ys, ...(is3d ? { z: t.zs } : {}),
    });
  });
  const trailIndex = [];
  runs.forEach((run, i) => {
    const names = axisNames(side ? i : 0);
    trailIndex.push(data.length);
    data.push({
      type: is3d ? "scatter3d" : "scatter",
      ...(is3d ? {} : { xaxis: names.x, yaxis: names.y }),
      uid: `trail-${i}`, name: run.label_html, legendgroup: `run-${i}`, showlegend: !side, ...(is3d ? OVER_SURFACE : {}),
      mode: dim === 1 ? "lines+markers" : "lines",
      line: { color: run.colour, width: is3d ? 7 : 2.4, ...(dim === 1 ? { dash: "dot" } : {}) },
      marker: { color: run.colour, size: 7 },
      x: [], y: [], ...(is3d ? { z: [] } : {}), customdata: [], hovertemplate: template,
    });
  });
  for (let p = 0; p < panels; p += 1) {
    data.push(...markerTraces({ dim, is3d, surface, scale, lift, start, startLoss, panel: p, showKnown, narrow }));
  }
  const headIndex = [];
  runs.forEach((run, i) => {
    const names = axisNames(side ? i : 0);
    headIndex.push(data.length);
    data.push({
      type: is3d ? "scatter3d" : "scatter",
      ...(is3d ? {} : { xaxis: names.x, yaxis: names.y }),
      uid: `head-${i}`, name: run.label_html, legendgroup: `run-${i}`, showlegend: false, ...(is3d ? OVER_SURFACE : {}),
      mode: "markers+text", textposition: "top right", cliponaxis: false,
      textfont: { color: run.colour, size: px(12), family: FONT.family },
      marker: { color: run.colour, size: is3d ? 9 : dim === 1 ? 18 : 13, line: { color: "#ffffff", width: 2 } },
      x: [], y: [], ...(is3d ? { z: [] } : {}), customdata: [], text: [], hovertemplate: template,
    });
  });

  // Hover targets: each head again, invisible and small. plotly's "closest" hover ranks a point
  // inside a marker of radius r at 1 - 3/r (0.54 for a head) and a line's point at its distance
  // in pixels less 0.5, so any trail passing within a pixel of a head (another run's where paths
  // cross, or the run's own previous step) won over the head under the pointer ("Adam, step
  // 107" over SGD's head at step 300). A marker of radius 3 ranks 0 at its centre, and these
  // come last, so they win the ties.
  const hitIndex = [];
  if (!is3d) {
    runs.forEach((run, i) => {
      const names = axisNames(side ? i : 0);
      hitIndex.push(data.length);
      data.push({
        type: "scatter", xaxis: names.x, yaxis: names.y,
        uid: `hit-${i}`, name: run.label_html, legendgroup: `run-${i}`, showlegend: false,
        mode: "markers", cliponaxis: false, opacity: 0,
        marker: { color: run.colour, size: 6 },
        x: [], y: [], customdata: [], hovertemplate: template,
      });
    });
  }

  const margin = { l: px(48), r: narrow ? MODEBAR_MARGIN : 16, t: side ? 58 : 34, b: px(narrow && dim === 2 ? 92 : 44) };
  const panelHeight = narrow ? 290 : 320;
  const rowGap = 64;
  const tall = side && (gridRowsCount > 1 || narrow);
  const figureHeight = tall ? gridRowsCount * panelHeight + (gridRowsCount - 1) * rowGap + margin.t + margin.b : height;
  const plotHeight = Math.max(figureHeight - margin.t - margin.b, 100);
  const plotWidth = Math.max(width - margin.l - margin.r - (narrow || dim === 1 ? 0 : 90), 100);
  const layout = {
    font: { ...FONT, size: px(FONT.size) }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#f7f9fb", hovermode: "closest",
    hoverlabel: { bgcolor: "#ffffff", bordercolor: "#9aa5b1", font: { family: FONT.family, size: px(12), color: "#1f2933" } },
    width, height: figureHeight, autosize: false, margin,
    showlegend: !side || dim === 2,
    // Above the plot (and above the panel titles side by side), a fixed distance in pixels.
    legend: {
      orientation: "h", x: 0, xanchor: "left", y: 1 + (side ? 26 : 4) / plotHeight, yanchor: "bottom",
      bgcolor: "rgba(255,255,255,0)", font: { size: px(11) },
    },
    modebar: { orientation: narrow ? "v" : "h" },
    uirevision: `${surface.id}|${is3d}|${panels}`,
    annotations: [],
    images: dim === 2 && !is3d ? Array.from({ length: panels }, (_, p) => surfaceImage(surfaceData, p)) : [],
  };
  if (narrow && dim === 2 && !is3d) data[background[0]].marker.colorbar.y = -40 / plotHeight;
  if (is3d) {
    layout.scene = {
      xaxis: { title: { text: xName }, range: view.x },
      yaxis: { title: { text: yName }, range: view.y },
      zaxis: { title: { text: "loss" }, ...(scale.ticks ? { tickvals: scale.ticks.tickvals.slice(1), ticktext: scale.ticks.ticktext.slice(1) } : {}) },
      aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.55 },
      // Farther back on a phone, whose narrow scene would otherwise crop the surface.
      camera: { eye: narrow ? { x: -1.1, y: -1.75, z: 1.65 } : { x: -0.8, y: -1.3, z: 1.25 } },
    };
    layout.margin = { l: 0, r: narrow ? MODEBAR_MARGIN : 0, t: 30, b: 0 };
  } else {
    const gapX = cols > 1 ? 56 / plotWidth : 0;
    const gapY = gridRowsCount > 1 ? rowGap / plotHeight : 0;
    const cellW = (1 - gapX * (cols - 1)) / cols;
    const cellH = (1 - gapY * (gridRowsCount - 1)) / gridRowsCount;
    for (let p = 0; p < panels; p += 1) {
      const names = axisNames(p);
      const col = p % cols;
      const row = Math.floor(p / cols);
      const x0 = col * (cellW + gapX);
      const x1 = x0 + cellW;
      const y1 = 1 - row * (cellH + gapY);
      const y0 = y1 - cellH;
      const bottomOfColumn = p + cols >= panels;
      layout[names.xaxis] = {
        domain: [x0, Math.min(1, x1)], anchor: names.y, range: view.x, zeroline: false, showgrid: dim === 1,
        title: { text: bottomOfColumn && !(narrow && dim === 2) ? xName : "" }, ticks: "outside", ticklen: 4,
        ...(p > 0 ? { matches: "x" } : {}),
      };
      layout[names.yaxis] = {
        domain: [Math.max(0, y0), y1], anchor: names.x, zeroline: false, showgrid: dim === 1,
        title: { text: col === 0 ? (dim === 1 ? "loss f(x)" : yName) : "" }, ticks: "outside", ticklen: 4,
        ...(dim === 2 ? { range: view.y } : {}),
        ...(p > 0 ? { matches: "y" } : {}),
      };
      if (side) {
        layout.annotations.push({
          text: `<b>${runs[p].label_html}</b>`, xref: "paper", yref: "paper", x: (x0 + x1) / 2, y: y1,
          xanchor: "center", yanchor: "bottom", yshift: 2, showarrow: false,
          font: { color: runs[p].colour, size: px(13) },
        });
      }
    }
  }
  return { data, layout, tracks, trailIndex, headIndex, hitIndex, background, height: tall ? figureHeight : null, is3d, dim };
}
