// writ report: filtering and witness-path highlighting, without a server
// and without a framework. Reads only the page's own data attributes.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-outcome]"));
  var decisions = items.filter(function (el) { return el.tagName === "SECTION"; });
  var count = document.getElementById("shown");
  // Lower-cased text to search, computed once (for 10,000 decisions).
  var text = items.map(function (el) {
    return [el.getAttribute("data-change"), el.getAttribute("data-services"),
      el.getAttribute("data-teams"), el.getAttribute("data-people"),
      el.getAttribute("data-outcome")].join(" ").toLowerCase();
  });
  function has(el, attr, value) {
    return !value || (" " + (el.getAttribute(attr) || "") + " ").indexOf(" " + value + " ") >= 0;
  }
  function apply() {
    if (!form) { return; }
    var q = form.elements.q.value.trim().toLowerCase();
    var outcome = form.elements.outcome.value;
    var service = form.elements.service.value;
    var team = form.elements.team.value;
    var person = form.elements.person.value;
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var ok = (!q || text[i].indexOf(q) >= 0) && has(el, "data-outcome", outcome) &&
        has(el, "data-services", service) && has(el, "data-teams", team) && has(el, "data-people", person);
      el.hidden = !ok;
      if (ok && el.tagName === "SECTION") { shown++; }
    }
    if (count) { count.textContent = shown + " of " + decisions.length + " decisions shown"; }
  }
  if (form) {
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button.path-button") : null;
    if (!b) { return; }
    var section = b.closest("section");
    var id = b.getAttribute("data-path");
    var on = b.getAttribute("aria-pressed") !== "true";
    b.setAttribute("aria-pressed", on ? "true" : "false");
    var edges = section.querySelectorAll(".edge");
    for (var i = 0; i < edges.length; i++) {
      if (has(edges[i], "data-paths", id)) { edges[i].classList.toggle("hl", on); }
    }
  });
  apply();
})();
