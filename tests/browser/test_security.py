"""The page under its Content-Security-Policy: no violation while it draws the contour, the paths
and the 3-D view, and a hostile run label stays text everywhere it is shown."""

from __future__ import annotations

from playwright.sync_api import expect

XSS_LABEL = "</script><img src=x onerror=alert(1)>"

RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
));
"""


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_the_page_is_served_with_the_strict_policy(page):
    headers = page.request.get("/").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and headers["x-content-type-options"] == "nosniff"


def test_no_csp_violation_while_drawing_contour_paths_and_3d(page, lab):
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    lab.open()  # the contour and the three default paths
    assert csp_violations(page) == []
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 10")
    page.get_by_role("button", name="Pause", exact=True).click()
    assert csp_violations(page) == []
    lab.act(lambda: page.get_by_label("3-D view").check())
    assert page.evaluate("document.getElementById('plot').data.some(t => t.type === 'surface')"), (
        "the 3-D surface is drawn"
    )
    assert csp_violations(page) == []


def test_a_hostile_label_is_drawn_as_text(page, lab):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    lab.open()
    lab.run_group(1).get_by_text("More settings").click()  # the label is one click away
    lab.run_group(1).get_by_label("Label").fill(XSS_LABEL)
    lab.run()

    expect(page.locator("#summary tbody tr").first).to_contain_text(XSS_LABEL)
    legend = page.locator("#plot .legendtext").first
    expect(legend).to_have_text(XSS_LABEL)
    lab.act(lambda: page.get_by_label("3-D view").check())
    page.reload()  # the label comes back from the URL
    lab.wait_render(0)
    expect(lab.run_group(1).get_by_label("Label")).to_have_value(XSS_LABEL)

    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert dialogs == [] and csp_violations(page) == []
