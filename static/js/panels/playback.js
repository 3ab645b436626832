// The player's controls: Play, Pause, the steps, the slider, the speed and the keys. Each
// action waits for a figure on screen (the renderer's whenDrawn).

import { $ } from "../dom.js";

const IGNORED = "input, select, textarea, button, summary, a, [role=menu], [contenteditable]";

function onKey(event, player, whenDrawn) {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.closest(IGNORED)) return;
  const jump = event.shiftKey ? 10 : 1;
  const action = {
    " ": () => player.toggle(),
    ArrowRight: () => player.forward(jump),
    ArrowLeft: () => player.back(jump),
  }[event.key];
  if (!action) return;
  event.preventDefault();
  whenDrawn(action)();
}

export function wirePlayback({ player, whenDrawn }) {
  $("play").addEventListener("click", whenDrawn(() => player.play()));
  $("pause").addEventListener("click", whenDrawn(() => player.pause()));
  $("step-forward").addEventListener("click", whenDrawn(() => player.forward()));
  $("step-back").addEventListener("click", whenDrawn(() => player.back()));
  $("reset").addEventListener("click", whenDrawn(() => player.reset()));
  $("step-slider").addEventListener("input", whenDrawn((event) => {
    player.pause();
    player.seek(Number(event.target.value));
  }));
  $("speed").addEventListener("change", (event) => player.setSpeed(Number(event.target.value)));
  document.addEventListener("keydown", (event) => onKey(event, player, whenDrawn));
}

/** The buttons as the clock runs or stops. */
export function renderPlaying(playing) {
  $("play").disabled = playing;
  $("pause").disabled = !playing;
}

/** A new result: the slider's range and the clock at the experiment's step. */
export function loadPlayer(player, result, step) {
  const last = Math.max(0, ...result.runs.map((r) => r.points.length - 1));
  $("step-slider").max = String(last);
  player.load(last, step || 0);
}
