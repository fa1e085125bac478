// The statement's Print button (inline handlers are refused by the site's CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
