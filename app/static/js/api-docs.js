// Swagger UI from the vendored bundle, reading the locally served OpenAPI document.
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: node.getAttribute("data-spec-url"), dom_id: "#swagger-ui" });
});
