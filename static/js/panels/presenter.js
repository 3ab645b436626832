// How the figure is presented: presenter mode (the figure and the player over the whole screen
// in large type, the experiment's settings in a drawer) and, on a one-column screen (a phone),
// the figure brought into view after a change.
//
// Presenter mode is a CSS layout (body.presenting, gradscape.css); the Fullscreen API, where the
// browser grants it, only hides the browser's own bars, so the mode is the same without it.
// Leaving fullscreen (the browser's Escape) leaves the mode.

import { $ } from "../dom.js";

/** How much larger than usual the figure's text is while presenting (on a phone, less). */
const TYPE_SCALE = 1.5;
const NARROW_TYPE_SCALE = 1.25;
const NARROW = "(max-width: 640px)";
/** The CSS's one-column layout, where the figure sits above the settings. */
const ONE_COLUMN = "(max-width: 900px)";
const FOCUSABLE = "select, input, textarea, button, summary, [tabindex]";

/** `onChange()` follows entering and leaving (the figure redraws at its new size and type). */
export function createPresenter({ onChange }) {
  const body = document.body;
  const enterButton = $("presenter-button");
  const leaveButton = $("presenter-leave");
  const drawerButton = $("settings-drawer-button");
  const drawer = $("controls");
  let presenting = false;

  const drawerOpen = () => body.classList.contains("drawer-open");

  function setDrawer(open, { refocus = true } = {}) {
    body.classList.toggle("drawer-open", open);
    drawerButton.setAttribute("aria-expanded", String(open));
    if (open) drawer.querySelector(FOCUSABLE)?.focus();
    else if (refocus && drawer.contains(document.activeElement)) drawerButton.focus();
  }

  function enter() {
    if (presenting) return;
    presenting = true;
    body.classList.add("presenting");
    enterButton.setAttribute("aria-pressed", "true");
    // Refused without a user's gesture, or by a browser that does not offer it: the CSS layout
    // is the mode either way.
    document.documentElement.requestFullscreen?.({ navigationUI: "hide" }).catch(() => {});
    onChange();
    // Space and the arrows then drive the player (not a button that has the focus).
    $("main").focus({ preventScroll: true });
  }

  function leave() {
    if (!presenting) return;
    presenting = false;
    setDrawer(false, { refocus: false });
    body.classList.remove("presenting");
    enterButton.setAttribute("aria-pressed", "false");
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    onChange();
    enterButton.focus({ preventScroll: true });
  }

  enterButton.addEventListener("click", () => (presenting ? leave() : enter()));
  leaveButton.addEventListener("click", leave);
  drawerButton.addEventListener("click", () => setDrawer(!drawerOpen()));
  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement) leave();
  });

  /** Escape: the drawer first, then the mode; otherwise the key keeps its usual meaning. */
  function escape() {
    if (drawerOpen()) setDrawer(false);
    else if (presenting) leave();
    else return false;
    return true;
  }

  return {
    get presenting() { return presenting; },
    typeScale: () => {
      if (!presenting) return 1;
      return window.matchMedia(NARROW).matches ? NARROW_TYPE_SCALE : TYPE_SCALE;
    },
    /** Its keys, as shortcuts.js's entries. */
    keys: [
      { label: "P", does: "Presenter mode on or off", key: "p", scope: "page", run: () => (presenting ? leave() : enter()) },
      { label: "Esc", does: "Close the settings drawer, or leave presenter mode", key: "Escape", scope: "always", run: escape },
    ],
  };
}

/**
 * On a one-column screen, a new result from a change (Run, a lesson, a click on the plot:
 * whatever pushes a history entry) brings the figure into view if it is not.
 */
export function keepFigureInView(store) {
  const oneColumn = window.matchMedia(ONE_COLUMN);
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
  const figure = $("plot").closest(".plot-wrap");
  store.subscribe((state, { because, history, live }) => {
    // Not for a live edit: the slider being moved (under the figure) stays where the thumb is.
    if (because !== "show" || history !== "push" || live || !oneColumn.matches) return;
    const box = figure.getBoundingClientRect();
    const top = Number.parseFloat(getComputedStyle(figure).scrollMarginTop) || 0;
    if (box.top >= top && box.bottom <= window.innerHeight) return;
    figure.scrollIntoView({ block: "start", behavior: reduced.matches ? "auto" : "smooth" });
  });
}
