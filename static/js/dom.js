// The page's DOM helpers: every module finds and makes elements with these.

/** The element with this id (or null). */
export const $ = (id) => document.getElementById(id);

/**
 * A new element: `attrs` become attributes (true as an empty one; false, null and undefined
 * left out), except `text` (its text), `dataset` and `style` (custom properties too).
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") {
      for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, v);
    } else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

let toastTimer = 0;

/** A short message at the bottom of the page for a few seconds. */
export function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), 3500);
}
