// A slider beside a number field: the same value, dragged or stepped with the arrow keys. The
// number field stays the value the form reads; the slider writes it (rounded to what its
// position can tell apart) and follows it when it is typed. Logarithmic where the setting's
// metadata says `log_scale` (a learning rate), linear otherwise, whole numbers where it is one.

import { el } from "../dom.js";
import { numberText, parseNumber } from "../format.js";

/** Positions per decade of a logarithmic slider (each arrow key about 2.3 % more or less). */
const PER_DECADE = 100;
/** Positions of a linear slider (fewer for a short range of whole numbers). */
const LINEAR_POSITIONS = 1000;
/** Where a logarithmic range that starts at 0 starts its decades: this fraction of its top. */
const LOG_FLOOR = 1e-6;

/**
 * The mapping of a range {min, max, log, integer} to slider positions 0..positions and back.
 * A logarithmic range from 0 keeps position 0 for 0 itself and its decades above LOG_FLOOR x max.
 */
export function sliderScale({ min, max, log = false, integer = false }) {
  if (log && max > 0) {
    const zero = min <= 0;
    const lo = zero ? max * LOG_FLOOR : min;
    const decades = Math.log10(max / lo);
    const span = Math.max(1, Math.round(decades * PER_DECADE));
    const positions = span + (zero ? 1 : 0);
    const offset = zero ? 1 : 0;
    const value = (p) => {
      if (zero && p <= 0) return 0;
      const v = lo * 10 ** (((p - offset) / span) * decades);
      return integer ? Math.round(v) : Number(v.toPrecision(3));
    };
    const position = (v) => {
      if (!(v > 0)) return 0;
      const p = offset + (Math.log10(Math.min(Math.max(v, lo), max) / lo) / decades) * span;
      return Math.round(p);
    };
    return { positions, value, position };
  }
  const positions = integer ? Math.max(1, Math.min(LINEAR_POSITIONS, max - min)) : LINEAR_POSITIONS;
  const stepSize = (max - min) / positions;
  const digits = Math.max(0, -Math.floor(Math.log10(stepSize || 1)) + 1);
  const value = (p) => {
    const v = min + (p / positions) * (max - min);
    return integer ? Math.round(v) : Number(v.toFixed(digits));
  };
  const position = (v) => Math.round(((Math.min(Math.max(v, min), max) - min) / (max - min || 1)) * positions);
  return { positions, value, position };
}

/**
 * Adds a slider for `input` (a number field) into `field` (its .field box), named `label`.
 * `range` is {min, max, log, integer}. Returns the slider; `sync()` on it follows the field.
 */
export function attachSlider(field, input, label, range) {
  const scale = sliderScale(range);
  const slider = el("input", {
    type: "range", class: "slider", min: "0", max: String(scale.positions), step: "1",
    "aria-label": label, dataset: { sliderFor: input.id },
  });
  const sync = () => {
    const value = parseNumber(input.value);
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    slider.value = String(scale.position(value));
    slider.setAttribute("aria-valuetext", numberText(value));
  };
  slider.addEventListener("input", () => {
    const value = scale.value(Number(slider.value));
    input.value = numberText(value);
    slider.setAttribute("aria-valuetext", numberText(value));
    input.removeAttribute("aria-invalid");
  });
  input.addEventListener("input", sync);
  slider.sync = sync;
  sync();
  input.after(slider);
  field.classList.add("has-slider");
  return slider;
}

/** Every slider under `root` follows its number field again (after values were set in code). */
export function syncSliders(root) {
  for (const slider of root.querySelectorAll("input.slider")) slider.sync?.();
}
