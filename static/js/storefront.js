// Storefront behaviour that keyboard and screen-reader users need around htmx swaps and errors.
// Everything works without this file; it only moves focus and announces changes.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("live-status");
    if (!region || !text) return;
    // Empty first, so the same sentence twice in a row is read twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // After a failed submit, start at the list of problems (each links to its field).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    summary.focus();
    // A link in the summary puts the cursor in its field (following "#id" alone only scrolls),
    // with the field's label in view above it.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']") || field;
      label.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  });

  // After htmx swaps the cart or the search results: focus where the server says (the updated
  // row's quantity, or the cart heading when a row went away) and read out what changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.id) return;
    var swapped = document.getElementById(target.id) || target;
    var focusId = swapped.getAttribute("data-focus");
    if (focusId) {
      var element = document.getElementById(focusId);
      if (element) element.focus();
    }
    announce(swapped.getAttribute("data-announce"));
  });
})();
