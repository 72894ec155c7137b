/* Glossator: who said it. Each quote's chip opens a panel (by click, tap, Enter or Space):
   the speaker's full name and role, who reported it, the quote's note, a link to the speaker's
   page, a permalink, and the citation in plain text, BibTeX and CSL-JSON. Escape, a tap outside
   or the close button closes it. Works from file://; without the script, the chips keep their
   accessible names and the legend links to every speaker's page. */
(function () {
  "use strict";
  var article = document.querySelector("article.reading");
  var dataEl = document.getElementById("page-data");
  if (!article || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var panel = null, opener = null;

  article.querySelectorAll(".speaker-tag").forEach(function (chip) {
    chip.setAttribute("role", "button");
    chip.setAttribute("tabindex", "0");
    chip.setAttribute("aria-haspopup", "dialog");
    chip.setAttribute("aria-expanded", "false");
    chip.removeAttribute("title");   /* the panel says it all; no browser tooltip over it */
  });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function permalink(quote) {
    var base = data.canonical || location.href.replace(/#.*$/, "");
    return base + "#" + quote.id;
  }

  function bibEscape(s) {
    return String(s).replace(/[\\{}%&$#_^~]/g, function (c) {
      return c === "\\" ? "\\textbackslash{}" : c === "^" ? "\\^{}" : c === "~" ? "\\~{}" : "\\" + c;
    });
  }

  function dateParts(iso) {
    var parts = (iso || "").split("-").filter(Boolean).map(Number);
    return parts.length && parts.every(function (n) { return !isNaN(n); }) ? parts : null;
  }

  function citations(quote) {
    var q = data.quotes[quote.id] || {}, doc = data.doc, who = data.speakers[q.speaker] || {};
    var name = who.name || "Unknown speaker", link = permalink(quote);
    var via = q.via ? " (via " + q.via + ")" : "";
    var when = doc.published_label ? ", " + doc.published_label : "";
    var plain = name + via + ", quoted in \u201c" + doc.title + "\u201d" + (doc.source ? ", " + doc.source : "") + when +
      ": \u201c" + q.text + "\u201d " + link;
    var author = who.family ? bibEscape(who.family) + ", " + bibEscape(who.given || "") : "{" + bibEscape(name) + "}";
    var bib = ["@misc{" + (doc.id + "-" + quote.id).replace(/[^A-Za-z0-9_:-]/g, "-") + ",",
      "  author = {" + author + "},",
      "  title = {{\u201c" + bibEscape(q.text) + "\u201d}},",
      "  howpublished = {Quoted in \\emph{" + bibEscape(doc.title) + "}" + (doc.source ? ", " + bibEscape(doc.source) : "") + "},"];
    if (doc.published) bib.push("  date = {" + doc.published + "},");
    if (q.via) bib.push("  note = {Reported via " + bibEscape(q.via) + "},");
    bib.push("  url = {" + link + "}", "}");
    var csl = {
      id: doc.id + "-" + quote.id, type: "speech",
      author: [who.family ? { family: who.family, given: who.given || "" } : { literal: name }],
      title: q.text, "container-title": doc.title, URL: link
    };
    if (doc.source) csl.publisher = doc.source;
    var parts = dateParts(doc.published);
    if (parts) csl.issued = { "date-parts": [parts] };
    if (q.via) csl.note = "Reported via " + q.via;
    return { plain: plain, bibtex: bib.join("\n"), csl: JSON.stringify([csl], null, 2) };
  }

  function close(refocus) {
    if (!panel) return;
    panel.remove();
    panel = null;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (refocus) opener.focus();
    }
    opener = null;
  }

  function open(chip) {
    var quote = chip.closest(".quote");
    if (!quote) return;
    close(false);
    var q = data.quotes[quote.id] || {}, who = data.speakers[q.speaker] || {};
    var box = el("div", "speaker-panel");
    box.setAttribute("role", "dialog");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("data-speaker", q.speaker || "");
    var title = el("h2", null, who.name || "Unknown speaker");
    title.id = "speaker-panel-title";
    box.setAttribute("aria-labelledby", title.id);
    box.appendChild(title);
    var shut = el("button", "panel-close", "\u00d7");
    shut.type = "button";
    shut.setAttribute("aria-label", "Close");
    shut.addEventListener("click", function () { close(true); });
    box.appendChild(shut);
    if (who.description_html) {
      var role = el("div", "role");
      role.innerHTML = who.description_html;   /* Markdown the builder rendered and sanitised */
      box.appendChild(role);
    }
    if (q.via) box.appendChild(el("p", "via", "Reported via " + q.via));
    (quote.getAttribute("aria-describedby") || "").split(/\s+/).forEach(function (id) {
      var body = id && document.getElementById(id);
      if (!body || !body.classList.contains("note-body")) return;
      var note = el("div", "panel-note");
      Array.prototype.forEach.call(body.children, function (part) {
        if (!part.classList.contains("note-back")) note.appendChild(part.cloneNode(true));
      });
      box.appendChild(note);
    });
    var links = el("p", "panel-links");
    if (who.href) {
      var page = el("a", null, "All quotes by " + (who.name || "this speaker"));
      page.href = who.href;
      links.appendChild(page);
    }
    var perma = el("a", null, "Permalink");
    perma.href = "#" + quote.id;
    links.appendChild(perma);
    box.appendChild(links);
    var cite = el("div", "cite");
    var shown = el("pre");
    shown.hidden = true;
    shown.setAttribute("tabindex", "0");   /* it scrolls: a keyboard must reach it */
    shown.setAttribute("aria-label", "Citation");
    var status = el("span", "copied");
    status.setAttribute("role", "status");
    var texts = citations(quote);
    [["plain", "Copy citation"], ["bibtex", "BibTeX"], ["csl", "CSL-JSON"]].forEach(function (kind) {
      var b = el("button", null, kind[1]);
      b.type = "button";
      b.setAttribute("data-format", kind[0]);
      b.addEventListener("click", function () {
        shown.textContent = texts[kind[0]];
        shown.hidden = false;
        status.textContent = "";
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(texts[kind[0]]).then(function () {
            status.textContent = "Copied";
          }, function () { status.textContent = "Select the text to copy it"; });
        } else {
          status.textContent = "Select the text to copy it";
        }
      });
      cite.appendChild(b);
    });
    cite.appendChild(status);
    cite.appendChild(shown);
    box.appendChild(cite);
    document.body.appendChild(box);
    panel = box;
    opener = chip;
    chip.setAttribute("aria-expanded", "true");
    /* glossator serve's authoring script adds Edit to the panel; a built site has no listener */
    document.dispatchEvent(new CustomEvent("glossator:panel", { detail: { panel: box, annotation: quote } }));
    var r = chip.getBoundingClientRect(), width = document.documentElement.clientWidth;
    var left = Math.max(8, Math.min(r.left, width - box.offsetWidth - 8));
    box.style.left = (window.scrollX + left) + "px";
    box.style.top = (window.scrollY + r.bottom + 6) + "px";
    box.focus();
  }

  article.addEventListener("click", function (ev) {
    var chip = ev.target.closest && ev.target.closest(".speaker-tag");
    if (!chip) return;
    ev.preventDefault();
    if (opener === chip) close(false); else open(chip);
  });
  article.addEventListener("keydown", function (ev) {
    var chip = ev.target.closest && ev.target.closest(".speaker-tag");
    if (chip && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      if (opener === chip) close(true); else open(chip);
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && panel) close(true);
  });
  document.addEventListener("pointerdown", function (ev) {
    if (panel && !panel.contains(ev.target) && !(ev.target.closest && ev.target.closest(".speaker-tag"))) close(false);
  });
})();
