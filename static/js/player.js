// The animation clock: one step index shared by every run, driven by requestAnimationFrame.

const SECONDS_AT_1X = 6;

export function createPlayer({ onStep, onStateChange }) {
  let step = 0;
  let last = 0;
  let playing = false;
  let speed = 1;
  let frame = 0;
  let carry = 0;
  let lastTime = 0;

  const stepsPerSecond = () => Math.max(last / SECONDS_AT_1X, 1.5) * speed;

  function setStep(value) {
    const next = Math.max(0, Math.min(last, Math.round(value)));
    if (next === step) return;
    step = next;
    onStep(step);
  }

  function tick(time) {
    if (!playing) return;
    if (lastTime) carry += ((time - lastTime) / 1000) * stepsPerSecond();
    lastTime = time;
    const whole = Math.floor(carry);
    if (whole > 0) {
      carry -= whole;
      setStep(step + whole);
    }
    if (step >= last) {
      pause();
      return;
    }
    frame = requestAnimationFrame(tick);
  }

  function play() {
    if (playing || last === 0) return;
    if (step >= last) setStep(0);
    playing = true;
    carry = 0;
    lastTime = 0;
    frame = requestAnimationFrame(tick);
    onStateChange(true);
  }

  function pause() {
    if (!playing) return;
    playing = false;
    cancelAnimationFrame(frame);
    onStateChange(false);
  }

  return {
    play,
    pause,
    toggle: () => (playing ? pause() : play()),
    forward: (n = 1) => { pause(); setStep(step + n); },
    back: (n = 1) => { pause(); setStep(step - n); },
    reset: () => { pause(); setStep(0); },
    seek: (value) => setStep(value),
    setSpeed: (value) => { speed = value; },
    /** New runs: a new last step; keeps the current step where possible and redraws it. */
    load: (lastStep, atStep) => {
      pause();
      last = lastStep;
      step = Math.max(0, Math.min(lastStep, atStep));
      onStep(step);
    },
    get step() { return step; },
    get last() { return last; },
    get playing() { return playing; },
  };
}
