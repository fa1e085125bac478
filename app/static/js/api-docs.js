// Swagger UI from the vendored bundle, reading the locally served OpenAPI document. "Try it out" calls go out with
// this browser's session cookie, so they carry the page's CSRF token as the API requires (app/api/__init__.py).
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    validatorUrl: null,  // no badge from validator.swagger.io: the CSP loads pictures from this site only
    requestInterceptor: function (req) {
      if (meta) { req.headers["X-CSRFToken"] = meta.content; }
      return req;
    }
  });
});
