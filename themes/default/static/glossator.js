/* Glossator page behaviour: "/" focuses search; notes open on focus and hover.
   Works from file:// and without a server; the page reads fine without it. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("q") || document.getElementById("site-search");
    if (box) { ev.preventDefault(); box.focus(); box.select(); }
  });

  var pop = null;
  function hide() { if (pop) { pop.remove(); pop = null; } }
  function show(el) {
    var id = el.getAttribute("aria-describedby");
    var body = id && document.getElementById(id);
    if (!body) return;
    hide();
    pop = document.createElement("div");
    pop.className = "note-pop";
    pop.setAttribute("role", "tooltip");
    var parts = body.children;
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i].classList.contains("note-back")) pop.appendChild(parts[i].cloneNode(true));
    }
    document.body.appendChild(pop);
    var r = el.getBoundingClientRect();
    var left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - pop.offsetWidth - 8));
    pop.style.left = left + "px";
    pop.style.top = (window.scrollY + r.bottom + 6) + "px";
  }
  document.querySelectorAll(".note[aria-describedby]").forEach(function (el) {
    el.addEventListener("focus", function () { show(el); });
    el.addEventListener("blur", hide);
    el.addEventListener("mouseenter", function () { show(el); });
    el.addEventListener("mouseleave", hide);
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hide(); });
})();
