// Training pages: register the offline worker (lessons opened once stay readable offline); print button.
(function () {
  var me = document.currentScript;
  if ("serviceWorker" in navigator) {
    var scope = (me && me.getAttribute("data-scope")) || "/training/";
    navigator.serviceWorker.register(scope + "sw.js", { scope: scope }).catch(function () {});
  }
  // Signed out (a shared phone changing hands): forget the lessons kept for offline reading.
  if (window.caches && !document.querySelector("[data-testid=account-link]")) {
    caches.delete("cholive-training-pages");
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (!all) { return; }
    document.querySelectorAll("input[name='" + all.getAttribute("data-check-all") + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
