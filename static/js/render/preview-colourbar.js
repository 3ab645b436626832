// The preview's colour bar, vertical or horizontal: its size (which pushes the margins), its
// ticks and its gradient.

import { intersects } from "./preview-draw.js";
import { autoTicks, bigFont, drawLabel, labelWidth, metrics, tickSpan } from "./preview-ticks.js";

export const BAR_PAD = 10; // plotly's colour bar xpad and ypad

/** The ticks of the colour bar: its own tickvals and ticktext, else plotly's automatic ones. */
function barTicks(spec, length, minPx) {
  const size = spec.tickfont.size;
  if (spec.tickvals) {
    const [lo, hi] = tickSpan([spec.scale.cmin, spec.scale.cmax]);
    return spec.tickvals.map((value, i) => ({ value, label: { text: spec.ticktext[i], size } }))
      .filter(({ value }) => value >= lo && value <= hi);
  }
  return autoTicks([spec.scale.cmin, spec.scale.cmax], length, minPx, size);
}

/** A vertical bar right of the plot: its width (`outer`, what it pushes) is known before `place`. */
export function verticalBar(ctx, spec, gs, family) {
  const { thickness, tickfont } = spec;
  const len = Math.round(spec.len * gs.h);
  const bottomAt = (spec.y ?? 0.5) - len / gs.h / 2;
  const top = gs.t + gs.h * (1 - bottomAt) - len + BAR_PAD;
  const bottom = gs.t + gs.h * (1 - bottomAt) - BAR_PAD;
  const scale = spec.scale;
  const at = (v) => bottom - ((v - scale.cmin) / (scale.cmax - scale.cmin)) * (bottom - top);
  // Everything relative to the bar's left edge until `place` knows where that is. The offsets
  // of labels and title are plotly's, as measured on its figures.
  const labelLeft = thickness + 2.7;
  const { ascent, descent } = metrics(ctx, tickfont.size, family);
  const labels = barTicks(spec, bottom - top, 40).map(({ value, label }) => {
    const baseline = at(value) + 0.35 * tickfont.size;
    const width = labelWidth(ctx, label, family, true);
    return { label, baseline, box: { left: labelLeft, right: labelLeft + width, top: baseline - ascent, bottom: baseline + descent } };
  });
  const titleSize = bigFont(tickfont.size);
  const title = metrics(ctx, titleSize, family);
  ctx.font = `${titleSize}px ${family}`;
  const half = ctx.measureText(spec.title.text).width / 2;
  const middle = (top + bottom) / 2;
  let titleX = thickness + 10 + titleSize;
  const box = { left: titleX - title.ascent, right: titleX + title.descent, top: middle - half, bottom: middle + half };
  const shift = Math.max(0, ...labels.filter((l) => intersects(box, l.box, 2)).map((l) => l.box.right - box.left + 2));
  titleX += shift;
  const widest = Math.max(0, ...labels.map((l) => l.box.right - labelLeft));
  const outer = 2 * BAR_PAD + Math.max(thickness + widest, titleX + title.descent);
  const bar = {
    outer, top, bottom, scale, thickness, labels, titleX, titleSize, middle, text: spec.title.text, vertical: true,
    place(final) {
      bar.left = final.l + Math.round((spec.x ?? 1.02) * final.w + BAR_PAD);
    },
  };
  return bar;
}

/** A horizontal bar under the plot (on a phone): title above, labels below. */
export function horizontalBar(ctx, spec, gs, family) {
  const { thickness, tickfont } = spec;
  const titleSize = bigFont(tickfont.size);
  const title = metrics(ctx, titleSize, family);
  const tick = metrics(ctx, tickfont.size, family);
  const left = gs.l + BAR_PAD;
  const right = gs.l + gs.w - BAR_PAD;
  const top = gs.t + title.ascent + title.descent + Math.round((1 - spec.y) * gs.h + BAR_PAD);
  const scale = spec.scale;
  const at = (v) => left + ((v - scale.cmin) / (scale.cmax - scale.cmin)) * (right - left);
  const baseline = top + thickness + 3.7 + tick.ascent;
  const labels = barTicks(spec, right - left, 80).map(({ value, label }) => ({ label, x: at(value), baseline }));
  return {
    left, right, top, scale, thickness, labels, titleSize, text: spec.title.text, vertical: false,
    titleBaseline: top - 3.8 - title.descent, middle: gs.l + gs.w / 2,
  };
}

export function drawColourBar(ctx, bar, layout) {
  const family = layout.font.family;
  const { scale } = bar;
  const [x0, y0, x1, y1] = bar.vertical
    ? [bar.left, bar.bottom, bar.left, bar.top]
    : [bar.left, bar.top, bar.right, bar.top];
  const gradient = ctx.createLinearGradient(x0, y0, x1, y1);
  for (const [stop, colour] of scale.colorscale) gradient.addColorStop(stop, colour);
  ctx.fillStyle = gradient;
  // plotly snaps the filled bar's ends to whole pixels, not its ticks.
  if (bar.vertical) ctx.fillRect(bar.left, Math.floor(bar.top), bar.thickness, Math.floor(bar.bottom) - Math.floor(bar.top));
  else ctx.fillRect(bar.left, bar.top, bar.right - bar.left, bar.thickness);
  ctx.fillStyle = layout.font.color;
  ctx.textBaseline = "alphabetic";
  for (const l of bar.labels) {
    if (bar.vertical) drawLabel(ctx, l.label, bar.left + l.box.left, l.baseline, "left", family);
    else drawLabel(ctx, l.label, l.x, l.baseline, "middle", family);
  }
  ctx.font = `${bar.titleSize}px ${family}`;
  ctx.textAlign = "center";
  if (!bar.vertical) {
    ctx.fillText(bar.text, bar.middle, bar.titleBaseline);
    return;
  }
  ctx.save();
  ctx.translate(bar.left + bar.titleX, bar.middle);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(bar.text, 0, 0);
  ctx.restore();
}
