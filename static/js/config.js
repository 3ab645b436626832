/**
 * The page's settings from the server: the API base, the version, the plotly.js URL, and in
 * `limits` the server's request limits (app/config.py) that the page keeps its requests within.
 */
export const CONFIG = JSON.parse(document.getElementById("gradscape-config").textContent);
