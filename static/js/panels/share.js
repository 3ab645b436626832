// Exports (PNG, JSON, CSV) and the link to this experiment.

import { $, toast } from "../dom.js";
import { exportCsv, exportJson, exportPng } from "../exports.js";
import { requestsFor } from "../state.js";

/** `writeUrl()` brings the URL up to date; the PNG waits for plotly's figure (whenDrawn). */
export function wireShare({ store, player, whenDrawn, writeUrl }) {
  const name = () => (store.state.shown ? `gradscape-${store.state.shown.surface.id}` : "gradscape");
  // Paused first: while playing, plotly's own trails wait at the step Play was pressed at.
  $("export-png").addEventListener("click", whenDrawn(() => {
    player.pause();
    if (store.state.shown) exportPng(name(), $("plot"));
  }, { plotly: true }));
  $("export-json").addEventListener("click", () => {
    const { shown } = store.state;
    if (shown) exportJson(name(), requestsFor(store.experiment()), shown.result);
  });
  $("export-csv").addEventListener("click", () => store.state.shown && exportCsv(name(), store.state.shown.result));
  $("copy-link").addEventListener("click", async () => {
    writeUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      toast("Link copied: it opens this exact experiment.");
    } catch {
      toast(`Copy this link: ${location.href}`);
    }
  });
}
