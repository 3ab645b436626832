// Downloads: the figure as PNG (plotly's), the runs as JSON and as CSV.

import { downloadImage } from "./render/plotly.js";

const CSV_HEADER = ["run", "label", "optimizer", "step", "x", "y", "loss", "grad_x", "grad_y"];

function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function csvField(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // A label that a spreadsheet would read as a formula is kept as text.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per run and step; y and grad_y are empty for 1-D surfaces. */
export function runsToCsv(runs) {
  const lines = [CSV_HEADER.join(",")];
  runs.forEach((run, i) => {
    run.points.forEach((point, k) => {
      const grad = run.gradients[k] || [];
      lines.push([i + 1, run.label, run.optimizer, k, point[0], point[1], run.losses[k], grad[0], grad[1]].map(csvField).join(","));
    });
  });
  return `${lines.join("\n")}\n`;
}

export function exportJson(name, request, response) {
  download(`${name}.json`, `${JSON.stringify({ request, response }, null, 2)}\n`, "application/json");
}

export function exportCsv(name, response) {
  download(`${name}.csv`, runsToCsv(response.runs), "text/csv");
}

export function exportPng(name, graphDiv) {
  return downloadImage(graphDiv, {
    format: "png", filename: name, width: graphDiv.clientWidth, height: graphDiv.clientHeight, scale: 2,
  });
}
