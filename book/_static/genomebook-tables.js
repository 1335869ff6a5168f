// genomebook: sortable and filterable tables of the generated pages (claims scoreboard,
// published vs reproduced). No library: a click on a column head sorts (numbers by their
// data-sort value), the search box and menus of a .gb-filters block filter its table's rows.
(function () {
  "use strict";
  function key(cell) {
    var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    var n = parseFloat(v);
    return { num: v !== "" && !isNaN(n) && isFinite(v) ? n : null, text: v.toLowerCase() };
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x.num !== null && y.num !== null) return dir * (x.num - y.num);
      if (x.num !== null) return -1;            // numbers before blanks
      if (y.num !== null) return 1;
      return dir * x.text.localeCompare(y.text);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function filter(box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    if (!table) return;
    var text = box.querySelector(".gb-filter-text");
    var words = text ? text.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var selects = box.querySelectorAll(".gb-filter-select");
    var shown = 0, rows = table.tBodies[0].rows;
    Array.prototype.forEach.call(rows, function (row) {
      var ok = true, all = row.textContent.toLowerCase();
      words.forEach(function (w) { if (all.indexOf(w) < 0) ok = false; });
      selects.forEach(function (s) {
        var cell = row.cells[parseInt(s.getAttribute("data-col"), 10)];
        if (s.value && (!cell || cell.textContent.trim() !== s.value)) ok = false;
      });
      row.style.display = ok ? "" : "none";
      if (ok) shown += 1;
    });
    var count = box.querySelector(".gb-filter-count");
    if (count) count.textContent = shown + " of " + rows.length + " " + count.getAttribute("data-what") + " shown";
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.gb-sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, col) {
        th.setAttribute("tabindex", "0");
        th.title = "sort by this column";
        th.addEventListener("click", function () { sortBy(table, col, th); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, col, th); });
      });
    });
    document.querySelectorAll(".gb-filters").forEach(function (box) {
      box.querySelectorAll("input, select").forEach(function (el) {
        el.addEventListener("input", function () { filter(box); });
        el.addEventListener("change", function () { filter(box); });
      });
      filter(box);
    });
  });
})();
