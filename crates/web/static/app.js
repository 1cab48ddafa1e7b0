// Small, dependency-free helpers: sortable tables, quick filters, keyboard shortcuts.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return (cell.getAttribute("data-value") || cell.textContent || "").trim();
  }
  function compare(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && /^-?[\d.]+$/.test(a) && /^-?[\d.]+$/.test(b)) return na - nb;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }
  function sortBy(th) {
    var table = th.closest("table");
    var tbody = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    table.querySelectorAll("th[data-sort]").forEach(function (h) { h.removeAttribute("data-dir"); h.setAttribute("aria-sort", "none"); });
    th.setAttribute("data-dir", dir);
    th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (r1, r2) {
      var c = compare(cellValue(r1, index), cellValue(r2, index));
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) return;
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  });
  // "/" jumps to the page's filter box, as in most tools people use all day.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || /input|textarea|select/i.test(document.activeElement.tagName)) return;
    var f = document.querySelector("input[data-filter]");
    if (f) { e.preventDefault(); f.focus(); }
  });
  // Destructive one-click actions ask first. Confirmed here, the form says so (confirmed=yes)
  // and the server acts at once; without JavaScript the server shows a confirmation page.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); return; }
      if (!form.querySelector("input[name=confirmed]")) {
        var yes = document.createElement("input");
        yes.type = "hidden"; yes.name = "confirmed"; yes.value = "yes";
        form.appendChild(yes);
      }
    });
  });
  // The inbox count beside the name: asked once per page, shown only when something is unread.
  var count = document.getElementById("inbox-count");
  if (count && window.fetch) {
    fetch("/inbox/unread", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (j) {
      if (j && j.unread > 0) { count.textContent = String(j.unread); count.hidden = false; }
    }).catch(function () {});
  }
})();

// The client portal's printable report: a print link (the page prints without it too).
document.querySelectorAll("a.print-link").forEach(function (a) {
  a.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
});
