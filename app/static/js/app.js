// Chợ Live page helpers: send the CSRF token with every htmx request; copy buttons; forget a shown-once POST.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) { return; }
  navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "✓";
    setTimeout(function () { button.textContent = label; }, 1500);
  });
});
// A page that answers a POST and shows something only once (a new stream key): the history entry becomes a plain
// visit of the same address, so reloading or coming back asks the server again instead of re-sending the form.
if (document.querySelector("[data-replace-history]") && window.history.replaceState) {
  window.history.replaceState(null, "", window.location.href);
}
