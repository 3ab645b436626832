"""While playing, trails and heads are painted on a canvas over the figure; Pause hands back."""

from __future__ import annotations

from playwright.sync_api import expect

# Every pixel of the motion canvas over the main figure and the loss chart, and how many
# plotly traces it stands in for are hidden.
STATE = """() => {
  const painted = (id) => {
    const canvas = document.querySelector(`#${id} canvas.motion-layer`);
    if (!canvas) return 0;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
    return count;
  };
  return {
    plotPixels: painted('plot'), lossPixels: painted('loss-plot'),
    plotHidden: document.querySelectorAll('#plot .motion-hidden').length,
    lossHidden: document.querySelectorAll('#loss-plot .motion-hidden').length,
  };
}"""


def pause_and_find_heads(project: str, reach: int) -> str:
    """JS: pauses in the same task as a snapshot of the motion canvas, then looks, for each run,
    for that run's colour on the snapshot within `reach` CSS px of where plotly now draws its
    head (the canvas showed the same run a frame earlier: a step or two; a fast step can move
    a few pixels). `project` is JS that defines, after the pause, `at(head)`: the head's point
    in CSS px of the canvas (it may use `gd` and `canvas`)."""
    return (
        """() => {
  const gd = document.getElementById('plot');
  const canvas = gd.querySelector('canvas.motion-layer');
  const snapshot = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const ratio = canvas.width / canvas.getBoundingClientRect().width;
  document.getElementById('pause').click();
"""
        + project
        + f"""
  const reach = Math.round({reach} * ratio);"""
        + """
  return gd.data.filter((t) => (t.uid || '').startsWith('head-')).map((head) => {
    const [px, py] = at(head).map((v) => Math.round(v * ratio));
    const want = [1, 3, 5].map((i) => parseInt(head.marker.color.slice(i, i + 2), 16));
    let nearest = Infinity;
    for (let y = py - reach; y <= py + reach; y += 1) {
      for (let x = px - reach; x <= px + reach; x += 1) {
        const o = 4 * (y * snapshot.width + x);
        const rgba = snapshot.data.slice(o, o + 4);
        const off = Math.max(...want.map((v, k) => Math.abs(v - rgba[k])));
        if (rgba[3] === 255 && off < 40) nearest = Math.min(nearest, Math.hypot(x - px, y - py));
      }
    }
    return { colour: head.marker.color, nearest: nearest / ratio };
  });
}"""
    )


PAUSE_AND_COMPARE = pause_and_find_heads(
    """
  const xa = gd._fullLayout.xaxis;
  const ya = gd._fullLayout.yaxis;
  const at = (head) => [xa._offset + xa.c2p(head.x[0]), ya._offset + ya.c2p(head.y[0])];""",
    reach=12,
)


def test_playing_paints_on_the_canvas_and_pause_hands_back_to_plotly(page, lab):
    lab.open("?surface=rosenbrock&steps=2000")
    expect(page.locator("#plot canvas.motion-layer")).to_have_count(0)
    page.get_by_label("Speed").select_option("0.25")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 60")

    playing = page.evaluate(STATE)
    assert playing["plotHidden"] == 6, "plotly's 3 trails and 3 heads are hidden while playing"
    assert playing["lossHidden"] == 3, "and the loss chart's 3 heads"
    assert playing["plotPixels"] > 500, "the trails and heads are painted instead"
    assert playing["lossPixels"] > 50, "and the loss chart's heads"

    heads = page.evaluate(PAUSE_AND_COMPARE)
    assert len(heads) == 3
    for head in heads:
        assert head["nearest"] <= 12, f"the canvas had the run's head where plotly draws it: {head}"

    stopped = page.evaluate(STATE)
    assert stopped == {"plotPixels": 0, "lossPixels": 0, "plotHidden": 0, "lossHidden": 0}
    paused_at = lab.step()
    trails = lab.traces("trail-")
    assert all(len(t["x"]) == paused_at + 1 for t in trails), "plotly's trails reach the step"


def test_the_1d_ball_rolls_on_the_canvas_too(page, lab):
    lab.open()
    lab.open_lesson("The simplest descent")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 2")
    playing = page.evaluate(STATE)
    assert playing["plotHidden"] == 2 and playing["plotPixels"] > 100
    page.get_by_role("button", name="Pause", exact=True).click()
    assert page.evaluate(STATE)["plotHidden"] == 0


# Each head plotly draws in 3-D, projected as plotly places its 3-D hover labels
# (src/plots/gl3d/scene.js: projection x view x model, applied to the point times the scene's
# data scale, over the scene's own box).
PAUSE_AND_PROJECT = pause_and_find_heads(
    """
  const scene = gd._fullLayout.scene._scene;
  const camera = scene.glplot.cameraParams;
  const xform = (m, v) => {
    const out = [0, 0, 0, 0];
    for (let i = 0; i < 4; i += 1) for (let j = 0; j < 4; j += 1) out[j] += m[4 * i + j] * v[i];
    return out;
  };
  const box = scene.container.getBoundingClientRect();
  const origin = canvas.getBoundingClientRect();
  const at = (head) => {
    const s = scene.dataScale;
    const v = [head.x[0] * s[0], head.y[0] * s[1], head.z[0] * s[2], 1];
    const p = xform(camera.projection, xform(camera.view, xform(camera.model, v)));
    return [
      box.left - origin.left + (0.5 + 0.5 * p[0] / p[3]) * box.width,
      box.top - origin.top + (0.5 - 0.5 * p[1] / p[3]) * box.height,
    ];
  };""",
    reach=6,
)


def test_the_3d_view_plays_on_the_canvas_with_the_scene_camera(page, lab):
    lab.open("?surface=himmelblau&start=-0.5,-1.5&steps=400&r1=adam&r1.lr=0.05&r2=sgd&r2.lr=0.001")
    lab.act(lambda: page.get_by_label("3-D view").check())
    page.get_by_label("Speed").select_option("0.25")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 30")
    assert page.evaluate(STATE)["plotPixels"] > 300, "trails and heads painted on the canvas"
    # plotly's own copies, which WebGL draws: the trails back at their first point (so the
    # legend keeps them), the heads empty.
    assert [len(t["x"]) for t in lab.traces("trail-")] == [1, 1]
    assert [len(t["x"]) for t in lab.traces("head-")] == [0, 0]
    legend = page.locator("#plot .legend .traces").all_text_contents()
    assert any("Adam" in text for text in legend) and any("SGD" in text for text in legend)

    heads = page.evaluate(PAUSE_AND_PROJECT)
    assert len(heads) == 2
    for head in heads:
        assert head["nearest"] <= 6, f"the head is where plotly's camera puts it: {head}"
    paused_at = lab.step()
    assert all(len(t["x"]) == paused_at + 1 for t in lab.traces("trail-"))
    assert page.evaluate(STATE)["plotPixels"] == 0


# How many pixels of the motion canvas over the figure have about the colour `hex`.
COLOUR_PIXELS = """(hex) => {
  const canvas = document.querySelector('#plot canvas.motion-layer');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let o = 0; o < data.length; o += 4) {
    if (data[o + 3] === 255 && want.every((v, k) => Math.abs(v - data[o + k]) < 30)) count += 1;
  }
  return count;
}"""


def test_a_run_hidden_in_the_legend_stays_hidden_while_playing(page, lab):
    lab.open("?surface=rosenbrock&steps=2000")
    colours = {t["name"]: t["colour"] for t in page.evaluate(
        "() => document.getElementById('plot').data.filter(t => (t.uid || '').startsWith('trail-'))"
        ".map(t => ({name: t.name, colour: t.line.color}))"
    )}  # fmt: skip
    page.locator("#plot .legend .traces").filter(has_text="SGD").click()
    page.wait_for_function(
        "() => document.getElementById('plot').data.find(t => t.uid === 'trail-0').visible"
        " === 'legendonly'"
    )
    page.get_by_label("Speed").select_option("0.25")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 60")
    assert page.evaluate(COLOUR_PIXELS, colours["SGD"]) == 0
    assert page.evaluate(COLOUR_PIXELS, colours["Adam"]) > 30


def test_turning_the_3d_view_does_not_pick_a_start_but_a_still_click_does(page, lab):
    lab.open("?surface=himmelblau&start=-0.5,-1.5&steps=200&r1=adam&r1.lr=0.05&view=3d")
    box = page.locator("#plot .gl-container #scene").bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 10, steps=5)
    page.mouse.move(x + 80, y + 20, steps=5)
    page.mouse.up()
    page.wait_for_timeout(500)
    assert page.get_by_label("Start x").input_value() == "-0.5", "a drag turns the view only"
    assert page.evaluate("document.body.dataset.busy") == "false"
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.locator("#plot .legend .traces").filter(has_text="Adam").click()
    page.wait_for_timeout(500)
    assert page.get_by_label("Start x").input_value() == "-0.5", "the legend is not the surface"

    page.mouse.move(x, y)  # plotly's hover says which point of the surface is under it
    page.wait_for_timeout(300)
    lab.act(lambda: page.mouse.click(x, y))
    assert page.get_by_label("Start x").input_value() != "-0.5", "a still click starts there"
