// plotly.js: 4.8 MB whose evaluation holds the main thread for about a second, so the page
// paints and plays its first figures without it (preview.js) and asks for it once the person
// leaves the page alone (main.js). A <link rel="preload"> in the page's head has fetched the
// bytes by then.

import { CONFIG } from "../api.js";

let loading = null;

/** Resolves to window.Plotly, adding its <script> the first time it is asked for (again after a failure). */
export function loadPlotly() {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = CONFIG.plotly;
    script.addEventListener("load", () => resolve(window.Plotly));
    script.addEventListener("error", () => {
      // The next call tries again (a dropped connection, a server restarting).
      script.remove();
      loading = null;
      reject(new Error("plotly.js did not load"));
    });
    document.head.append(script);
  });
  return loading;
}

/** Resolves once the browser has painted what is on screen now: a frame, then a task after it. */
export function afterPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}
