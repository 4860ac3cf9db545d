// sopdocs web: small progressive enhancements (the pages work without script).
(function () {
  "use strict";
  // Filters of the search page apply at once when changed.
  document.querySelectorAll(".searchform select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // A fixity check can take a while on a large case file: say so and block a second click.
  var check = document.getElementById("check-now");
  if (check) {
    check.form.addEventListener("submit", function () {
      check.disabled = true;
      check.textContent = "Memeriksa…";
    });
  }
})();
