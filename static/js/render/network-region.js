// A decision boundary painted on a canvas under plotly's figure of the examples (whose plot
// area is transparent): the regions as an image of the grid, smoothed by the browser as it is
// scaled, and for two classes the line where P(class 1) = 0.5, by marching squares. A snapshot
// costs a millisecond or two; restyling plotly's heatmap and contour cost tens of milliseconds
// a panel, and made play stutter (about 9 frames a second for three runs).

import { REGION_COLOURS, REGION_MIDDLE } from "./network-plots.js";
import { fullLayout } from "./plotly.js";
import { clearedContext } from "./motion.js";

const LINE = { colour: "#102a43", width: 1.5 };

/** The grid's image at one pixel a point, scaled onto the canvas (one, reused). */
const cells = document.createElement("canvas");

const rgb = (hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

/** [r, g, b] of a grid value: two classes, P(class 1) from class 0's colour through the middle
 *  to class 1's (the heatmap's colorscale); more, the colour of the most probable class. */
function colourer(classes) {
  if (classes === 2) {
    const [low, mid, high] = [REGION_COLOURS[0], REGION_MIDDLE, REGION_COLOURS[1]].map(rgb);
    return (p) => {
      const t = Math.min(1, Math.max(0, p));
      const [a, b, s] = t < 0.5 ? [low, mid, t * 2] : [mid, high, t * 2 - 1];
      return [0, 1, 2].map((k) => a[k] + (b[k] - a[k]) * s);
    };
  }
  const table = REGION_COLOURS.map(rgb);
  return (c) => table[c % table.length];
}

/** The segments of z's `level` line, as [x0, y0, x1, y1] in grid coordinates (marching squares;
 *  a saddle is split by the cell's mean). z is [ny][nx] over grid.x, grid.y. */
export function isoline({ x, y }, z, level = 0.5) {
  const segments = [];
  const cross = (a, b, va, vb) => a + ((level - va) / (vb - va)) * (b - a);
  for (let j = 0; j + 1 < y.length; j += 1) {
    for (let i = 0; i + 1 < x.length; i += 1) {
      const v = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]];
      if (!v.every(Number.isFinite)) continue;
      // Corners counter-clockwise from (x_i, y_j); edges: bottom, right, top, left.
      const points = [];
      const edges = [
        () => [cross(x[i], x[i + 1], v[0], v[1]), y[j]],
        () => [x[i + 1], cross(y[j], y[j + 1], v[1], v[2])],
        () => [cross(x[i], x[i + 1], v[3], v[2]), y[j + 1]],
        () => [x[i], cross(y[j], y[j + 1], v[0], v[3])],
      ];
      for (let e = 0; e < 4; e += 1) {
        const a = v[e] >= level;
        const b = v[(e + 1) % 4] >= level;
        if (a !== b) points.push(edges[e]());
      }
      if (points.length === 2) segments.push([...points[0], ...points[1]]);
      else if (points.length === 4) {
        // A saddle (corners 0 and 2 on one side, 1 and 3 on the other; crossings bottom,
        // right, top, left): the pair on the middle's side is joined through it, so the line
        // cuts off the other two corners.
        const mean = (v[0] + v[1] + v[2] + v[3]) / 4;
        const joined02 = (mean >= level) === (v[0] >= level);
        const order = joined02 ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]];
        for (const [p, q] of order) segments.push([...points[p], ...points[q]]);
      }
    }
  }
  return segments;
}

/**
 * Paints `z` ([ny][nx] over `grid`; P(class 1) for two classes, else the most probable class)
 * on `canvas`, which lies exactly over plotly's `div`, inside the figure's axes. Returns
 * false when plotly has not laid the figure out yet.
 */
export function paintRegion(canvas, div, { grid, z, classes }) {
  const layout = fullLayout(div);
  if (!layout || !layout.xaxis || !layout.xaxis._length) return false;
  const { xaxis: xa, yaxis: ya } = layout;
  const ctx = clearedContext(canvas, div.clientWidth, div.clientHeight);
  const px = (v) => xa._offset + xa.c2p(v);
  const py = (v) => ya._offset + ya.c2p(v);
  ctx.save();
  ctx.beginPath();
  ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
  ctx.clip();
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(xa._offset, ya._offset, xa._length, ya._length);

  const nx = grid.x.length;
  const ny = grid.y.length;
  const image = new ImageData(nx, ny);
  const colour = colourer(classes);
  for (let j = 0; j < ny; j += 1) {
    const row = (ny - 1 - j) * nx;
    for (let i = 0; i < nx; i += 1) {
      const [r, g, b] = colour(z[j][i]);
      const k = 4 * (row + i);
      image.data[k] = r;
      image.data[k + 1] = g;
      image.data[k + 2] = b;
      image.data[k + 3] = 255;
    }
  }
  cells.width = nx;
  cells.height = ny;
  cells.getContext("2d").putImageData(image, 0, 0);
  // Each cell centred on its grid point, as plotly's heatmap draws it.
  const dx = (grid.x[nx - 1] - grid.x[0]) / Math.max(1, nx - 1);
  const dy = (grid.y[ny - 1] - grid.y[0]) / Math.max(1, ny - 1);
  const left = px(grid.x[0] - dx / 2);
  const top = py(grid.y[ny - 1] + dy / 2);
  ctx.imageSmoothingEnabled = classes === 2;
  ctx.drawImage(cells, left, top, px(grid.x[nx - 1] + dx / 2) - left, py(grid.y[0] - dy / 2) - top);

  if (classes === 2) {
    ctx.beginPath();
    for (const [x0, y0, x1, y1] of isoline(grid, z)) {
      ctx.moveTo(px(x0), py(y0));
      ctx.lineTo(px(x1), py(y1));
    }
    ctx.strokeStyle = LINE.colour;
    ctx.lineWidth = LINE.width;
    ctx.lineCap = "round";
    ctx.stroke();
  }
  ctx.restore();
  return true;
}
