// Print buttons. The pages' CSP (script-src 'self') forbids inline handlers, so a button
// marked `data-print` is bound here; it stays hidden where this script does not run.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
