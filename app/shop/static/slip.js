// Packing slip: the Print button (an inline onclick would be refused by the Content-Security-Policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
