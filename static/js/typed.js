// The API's binary encoding: a typed-array spec {dtype, bdata, shape} (plotly.js's), decoded.

/** The numbers of a typed-array spec ({dtype, bdata, shape}), as a flat typed array. */
export function typedValues(spec) {
  const text = atob(spec.bdata);
  const bytes = new Uint8Array(text.length);
  // A plain loop: Uint8Array.from with a map function is ~10x slower.
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return spec.dtype === "f8" ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
}

function isTyped(value) {
  return value !== null && typeof value === "object" && typeof value.bdata === "string" && Array.isArray(value.shape);
}

/** A typed array's numbers as the JSON encoding has them: nested lists of its shape, null where
 *  the binary encoding has NaN (a value that was not finite). */
function nested(spec) {
  return nestedOf(typedValues(spec), spec.shape);
}

function nestedOf(flat, shape) {
  if (shape.length <= 1) {
    const out = new Array(flat.length);
    for (let k = 0; k < flat.length; k += 1) {
      const v = flat[k];
      out[k] = v !== v ? null : v; // NaN is the one value not equal to itself
    }
    return out;
  }
  const inner = shape.slice(1);
  const width = inner.reduce((a, b) => a * b, 1);
  const rows = new Array(shape[0]);
  if (inner.length === 1) {
    // The common case, (steps, dim): plain loops, no callback per number (the page's hot path).
    for (let i = 0, k = 0; i < rows.length; i += 1) {
      const row = new Array(width);
      for (let j = 0; j < width; j += 1, k += 1) {
        const v = flat[k];
        row[j] = v !== v ? null : v; // NaN is the one value not equal to itself
      }
      rows[i] = row;
    }
    return rows;
  }
  for (let i = 0; i < rows.length; i += 1) rows[i] = nestedOf(flat.subarray(i * width, (i + 1) * width), inner);
  return rows;
}
/** A response with every typed array replaced by its JSON-encoding value (in place). */
export function untyped(value) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = isTyped(value[i]) ? nested(value[i]) : untyped(value[i]);
  } else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) value[key] = isTyped(value[key]) ? nested(value[key]) : untyped(value[key]);
  }
  return value;
}
