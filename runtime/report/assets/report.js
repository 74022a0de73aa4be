// writ report: filtering and witness-path highlighting, without a server
// and without a framework. Reads only the page's own data attributes.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var root = document.getElementById("report");
  var indexMode = root && root.getAttribute("data-mode") === "index";
  // What the count counts: the sections, or in a large report the index rows.
  var unit = indexMode ? "TR" : "SECTION";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-outcome]"));
  var decisions = items.filter(function (el) { return el.tagName === unit; });
  var count = document.getElementById("shown");
  // Lower-cased text to search, computed once (for 10,000 decisions).
  function textOf(el) {
    return [el.getAttribute("data-change"), el.getAttribute("data-services"),
      el.getAttribute("data-teams"), el.getAttribute("data-people"),
      el.getAttribute("data-outcome")].join(" ").toLowerCase();
  }
  var text = items.map(textOf);
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
      if (el.hidden === ok) { el.hidden = !ok; } // write only changes: no restyle of 10,000 rows

      if (ok && el.tagName === unit) { shown++; }
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
  // A large report keeps its sections gzipped in chunks of 100
  // (script elements of type application/x-writ-sections, id chunk-K, base64):
  // picking decision dN opens chunk floor((N-1)/100) into #details.
  var opened = -1;
  function show() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!indexMode || !/^d[0-9]+$/.test(id)) { return; }
    var k = Math.floor((parseInt(id.slice(1), 10) - 1) / 100);
    var go = function () {
      var el = document.getElementById(id);
      if (el) { el.scrollIntoView(); }
    };
    if (k === opened) { go(); return; }
    var chunk = document.getElementById("chunk-" + k);
    if (!chunk || typeof DecompressionStream === "undefined") { return; }
    var bin = atob(chunk.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    new Response(stream).text().then(function (html) {
      // The sections were written by writ's escaping writer: markup only
      // from its own literals, every string escaped.
      var details = document.getElementById("details");
      details.innerHTML = html;
      opened = k;
      // forget the sections of the chunk this one replaced
      var kept = [], keptText = [];
      for (var m = 0; m < items.length; m++) {
        if (items[m].isConnected) { kept.push(items[m]); keptText.push(text[m]); }
      }
      items = kept; text = keptText;
      var fresh = details.querySelectorAll("[data-outcome]");
      for (var j = 0; j < fresh.length; j++) { items.push(fresh[j]); text.push(textOf(fresh[j])); }
      apply();
      go();
    });
  }
  window.addEventListener("hashchange", show);
  apply();
  show();
})();
