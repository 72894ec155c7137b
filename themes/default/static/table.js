/* Glossator: the home page's document table, sortable by any column and filtered by words
   and by speaker. Plain script, works from file://; without it the table reads as it is. */
(function () {
  "use strict";
  var table = document.querySelector("table.doc-table");
  var tools = document.querySelector(".table-tools");
  if (!table || !tools) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
  var filter = document.getElementById("doc-filter");
  var speaker = document.getElementById("doc-speaker");
  var count = document.getElementById("doc-count");
  tools.hidden = false;

  /* What each column sorts by: the title's and source's words, the date, the number of quotes. */
  var KEYS = [
    function (r) { return r.cells[0].textContent.trim().toLowerCase(); },
    function (r) { return r.cells[1].textContent.trim().toLowerCase(); },
    function (r) { return r.getAttribute("data-date") || ""; },
    function (r) { return Number(r.getAttribute("data-quotes") || 0); }
  ];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var current = { column: -1, ascending: true };

  function compare(column, ascending) {
    var key = KEYS[column];
    return function (a, b) {
      var x = key(a), y = key(b);
      var empty = (x === "") - (y === "");          /* rows without a value go last either way */
      if (empty) return empty;
      var d = x < y ? -1 : x > y ? 1 : 0;
      if (!ascending) d = -d;
      return d || Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
    };
  }

  var sorter = document.getElementById("doc-sort");

  function sortBy(column, direction) {
    var ascending = direction ? direction === "asc"
      : current.column === column ? !current.ascending : column < 2;   /* dates and counts: newest, most first */
    current = { column: column, ascending: ascending };
    sorter.value = sorter.querySelector('option[value="' + column + ":" + (ascending ? "asc" : "desc") + '"]')
      ? column + ":" + (ascending ? "asc" : "desc") : "";
    rows.slice().sort(compare(column, ascending)).forEach(function (r) { body.appendChild(r); });
    heads.forEach(function (th, i) {
      if (i === column) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
  }

  heads.forEach(function (th, i) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(i); });
  });

  sorter.addEventListener("change", function () {
    if (!sorter.value) {   /* as listed in INDEX.md */
      rows.forEach(function (r) { body.appendChild(r); });
      heads.forEach(function (th) { th.removeAttribute("aria-sort"); });
      current = { column: -1, ascending: true };
      return;
    }
    var parts = sorter.value.split(":");
    sortBy(Number(parts[0]), parts[1]);
  });

  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var who = speaker.value, shown = 0;
    rows.forEach(function (r) {
      var text = (r.cells[0].textContent + " " + r.cells[1].textContent).toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; }) &&
        (!who || (" " + r.getAttribute("data-speakers") + " ").indexOf(" " + who + " ") >= 0);
      r.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown === rows.length ? "" : shown + " of " + rows.length + " documents";
  }
  /* A list in pages filters this page's rows: its link to Search takes the words along. */
  var search = document.getElementById("doc-search");
  var searchHref = search && search.getAttribute("href");
  filter.addEventListener("input", function () {
    if (search) {
      var q = filter.value.trim();
      search.setAttribute("href", q ? searchHref + "?q=" + encodeURIComponent(q) : searchHref);
    }
  });
  filter.addEventListener("input", apply);
  speaker.addEventListener("change", apply);
})();
