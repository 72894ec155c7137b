/* Glossator page behaviour: "/" focuses search; notes and dates open a popup on focus and hover.
   Works from file:// and without a server; the page reads fine without it (notes are listed
   beside the text, and CSS shows a date's normalised form on hover and focus). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("q") || document.getElementById("site-search");
    if (box) { ev.preventDefault(); box.focus(); box.select(); }
  });

  var article = document.querySelector("article.reading");
  if (!article) return;

  /* On a narrow screen the key sits above the text: folded, one tap away. */
  var key = document.querySelector("details.key-box");
  if (key && window.matchMedia("(max-width: 60rem)").matches) key.open = false;

  /* A date's title would open the browser's own tooltip over ours: move it into a
     description that screen readers still announce. */
  var labels = document.createElement("div");
  labels.hidden = true;
  labels.id = "gl-labels";
  article.querySelectorAll("time.date[data-label]").forEach(function (el, i) {
    var span = document.createElement("span");
    span.id = "gl-label-" + i;
    span.textContent = el.getAttribute("data-label");
    labels.appendChild(span);
    el.removeAttribute("title");
    var described = el.getAttribute("aria-describedby");
    el.setAttribute("aria-describedby", (described ? described + " " : "") + span.id);
  });
  document.body.appendChild(labels);

  /* The speaker legend: pointing at (or tabbing to) a speaker picks out their quotes in the text. */
  function pick(speaker) {
    article.classList.toggle("picking", !!speaker);
    article.querySelectorAll(".quote[data-speaker]").forEach(function (q) {
      q.classList.toggle("picked", !!speaker && q.getAttribute("data-speaker") === speaker);
    });
  }
  document.querySelectorAll(".legend li[data-speaker]").forEach(function (li) {
    var speaker = li.getAttribute("data-speaker");
    li.addEventListener("mouseenter", function () { pick(speaker); });
    li.addEventListener("mouseleave", function () { pick(null); });
    li.addEventListener("focusin", function () { pick(speaker); });
    li.addEventListener("focusout", function () { pick(null); });
  });

  var TRIGGER = "time.date[data-label], .note[aria-describedby], a.mention.holds";
  var FOCUS_ONLY = ".quote.has-note";   /* a whole quote is too big a target for hover */
  var pop = null, owner = null, timer = 0;

  function noteBodies(el) {
    return (el.getAttribute("aria-describedby") || "").split(/\s+/).map(function (id) {
      return id && document.getElementById(id);
    }).filter(function (body) { return body && body.classList.contains("note-body"); });
  }

  function fill(box, el) {
    var dates = el.matches("time.date") ? [el] : (el.matches("a") ? el.querySelectorAll("time.date[data-label]") : []);
    Array.prototype.forEach.call(dates, function (d) {
      var p = document.createElement("p");
      p.className = "pop-date";
      p.textContent = d.getAttribute("data-label");
      box.appendChild(p);
    });
    if (el.matches("time.date")) return;
    noteBodies(el).forEach(function (body) {
      Array.prototype.forEach.call(body.children, function (part) {
        if (!part.classList.contains("note-back")) box.appendChild(part.cloneNode(true));
      });
    });
  }

  function hide() {
    clearTimeout(timer);
    if (pop) { pop.remove(); pop = null; owner = null; }
  }
  function hideSoon() { clearTimeout(timer); timer = setTimeout(hide, 200); }

  function show(el) {
    clearTimeout(timer);
    if (owner === el) return;
    hide();
    var box = document.createElement("div");
    box.className = "note-pop" + (el.matches("time.date") ? " date-pop" : "");
    box.setAttribute("role", "tooltip");
    fill(box, el);
    if (!box.childNodes.length) return;
    box.addEventListener("mouseenter", function () { clearTimeout(timer); });
    box.addEventListener("mouseleave", hideSoon);
    document.body.appendChild(box);
    pop = box;
    owner = el;
    var rects = el.getClientRects();   /* a wrapped annotation: open under its last line */
    var r = rects.length ? rects[rects.length - 1] : el.getBoundingClientRect();
    var width = root.clientWidth;
    var left = Math.max(8, Math.min(r.left, width - box.offsetWidth - 8));
    var first = rects.length ? rects[0] : r;
    var below = r.bottom + 6, above = first.top - 6 - box.offsetHeight;
    var top = (below + box.offsetHeight > window.innerHeight && above > 0) ? above : below;
    box.style.left = (window.scrollX + left) + "px";
    box.style.top = (window.scrollY + top) + "px";
  }

  function trigger(node) {
    return node && node.closest ? node.closest(TRIGGER) : null;
  }
  document.addEventListener("focusin", function (ev) {
    var t = ev.target;
    var el = t && t.matches && (t.matches(TRIGGER) || t.matches(FOCUS_ONLY)) ? t : null;
    if (el) show(el); else hide();
  });
  document.addEventListener("focusout", function () { hideSoon(); });
  document.addEventListener("mouseover", function (ev) {
    var el = trigger(ev.target);
    if (el) show(el);
    else if (pop && !pop.contains(ev.target)) hideSoon();
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hide(); });
  window.addEventListener("resize", hide);
})();
