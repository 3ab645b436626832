// Starts Swagger UI on /docs (templates/docs.html): a file, not an inline script, so the docs
// run under the page's Content-Security-Policy (script-src 'self').
const config = JSON.parse(document.getElementById("docs-config").textContent);

window.ui = window.SwaggerUIBundle({
  url: config.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  presets: [window.SwaggerUIBundle.presets.apis],
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // No badge from the online validator: the docs make no request to another host.
  validatorUrl: null,
});
