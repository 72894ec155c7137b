// glossator serve: annotate a document by selecting its words. Select text in the reading
// text (or press Shift+arrows in it), choose Quote, Date, Mention, Note or Link, fill in the
// form: the entry is written to annotations/<id>.yaml by the server's authoring API
// (/__glossator/api/, docs/authoring.md §13 and §14), the page reloads through the normal rebuild and
// scrolls to the new annotation. Suggestions waiting in annotations/<id>.suggested.yaml show
// as dashed ghosts to accept, edit or reject. Served at /__glossator/authoring.js and added
// to pages by the server only: `glossator build` and `bundle` output never contain it.
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="glossator-token"]');
  const article = document.querySelector("article.reading");
  const match = /\/docs\/([^/]+)\.html$/.exec(location.pathname);
  if (!meta || !article || !match) return;
  const TOKEN = meta.content;
  const DOC = decodeURIComponent(match[1]);
  const API = "/__glossator/api/";
  const KINDS = {
    quote: { label: "Quote", key: "q", section: "quotes" },
    date: { label: "Date", key: "d", section: "dates" },
    mention: { label: "Mention", key: "m", section: "mentions" },
    note: { label: "Note", key: "n", section: "notes" },
    link: { label: "Link", key: "l", section: "links" },
  };
  const A = (window.glossatorAuthoring = { ready: false, ghosts: 0, busy: false });

  // --- the API: every request carries the token; answers are {status, data} ---
  async function api(method, path, body) {
    const init = { method, headers: { "X-Glossator-Token": TOKEN }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try { response = await fetch(API + path, init); } catch (e) {
      return { status: 0, data: { error: "the server cannot be reached (is glossator serve still running?)" } };
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* an empty answer */ }
    return { status: response.status, data };
  }
  const enc = encodeURIComponent;

  // --- the reading text as the builder has it, and where each of its characters is ---
  // Blocks are separated by a blank line, as in the reading text; the page's furniture (the
  // speaker chips, the arrows and ≠ links) holds no words of it.
  const FURNITURE = ".speaker-tag, .conflict-link, .xref-go, .glossator-skip";
  const BLOCKS = "p, li, h2, h3, h4, h5, h6, pre";
  function readingMap() {
    const pieces = [];
    let text = "";
    for (const block of article.querySelectorAll(BLOCKS)) {
      if (block.parentElement.closest(BLOCKS)) continue;
      if (pieces.length) text += "\n\n";
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest(FURNITURE) || !node.data) continue;
        pieces.push({ node, start: text.length });
        text += node.data;
      }
    }
    return { text, pieces };
  }
  function offsetAt(map, container, offset) {
    if (container.nodeType === Node.TEXT_NODE) {
      const piece = map.pieces.find((p) => p.node === container);
      if (piece) return piece.start + offset;
    }
    const point = document.createRange();
    point.setStart(container, offset);
    for (const p of map.pieces) {        // the first piece at or after the point
      if (point.comparePoint(p.node, 0) >= 0) return p.start;
      if (point.comparePoint(p.node, p.node.data.length) >= 0) return p.start + (container === p.node ? offset : 0);
    }
    return map.text.length;
  }
  function domRange(map, start, end) {
    const range = document.createRange();
    const first = map.pieces.find((p) => start < p.start + p.node.data.length);
    const last = [...map.pieces].reverse().find((p) => end > p.start);
    if (!first || !last) return null;
    range.setStart(first.node, Math.max(0, start - first.start));
    range.setEnd(last.node, Math.min(last.node.data.length, end - last.start));
    return range;
  }
  function selected() {
    const sel = getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!article.contains(range.commonAncestorContainer)) return null;
    const map = readingMap();
    let start = offsetAt(map, range.startContainer, range.startOffset);
    let end = offsetAt(map, range.endContainer, range.endOffset);
    while (start < end && /\s/.test(map.text[start])) start++;
    while (end > start && /\s/.test(map.text[end - 1])) end--;
    if (end <= start) return null;
    return {
      start, end, text: map.text.slice(start, end),
      prefix: map.text.slice(Math.max(0, start - 32), start), suffix: map.text.slice(end, end + 32),
      rect: range.getBoundingClientRect(),
    };
  }

  // --- the interface lives in a shadow root: the theme's styles and ours stay apart ---
  const host = document.createElement("glossator-authoring");
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = STYLE();
  root.append(style);
  const live = el("div", "visually-hidden");
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  root.append(live);
  function say(text) { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 30); }
  const pageStyle = document.createElement("style");
  pageStyle.textContent = PAGE_STYLE();
  document.head.append(pageStyle);

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function button(text, cls, onClick) {
    const b = el("button", cls, text);
    b.type = "button";
    b.addEventListener("mousedown", (e) => e.preventDefault());   // keep the selection
    if (onClick) b.addEventListener("click", onClick);
    return b;
  }
  function place(box, rect) {     // above the selection when there is room, else below it
    const width = document.documentElement.clientWidth;
    box.style.left = Math.max(8, Math.min(rect.left + scrollX, scrollX + width - box.offsetWidth - 8)) + "px";
    const above = rect.top - box.offsetHeight - 8;
    box.style.top = (above > 8 ? above + scrollY : rect.bottom + scrollY + 8) + "px";
  }
  const short = (t) => (t.length > 60 ? t.slice(0, 57) + "…" : t);

  // --- state: the sidecar as the page saw it, the entities, the suggestions ---
  const state = { base: null, annotations: {}, entities: [], suggested: null, suggestions: [], documents: null };
  async function loadSidecar() {
    const r = await api("GET", "annotations/" + enc(DOC));
    if (r.status === 200) {
      state.base = r.data.sha256;
      state.annotations = Object.fromEntries(r.data.annotations.map((a) => [a.id, a]));
    }
    return r;
  }
  async function loadEntities() {
    const r = await api("GET", "entities");
    if (r.status === 200) { state.entities = r.data.entities; state.entitiesBase = r.data.sha256; }
  }

  // --- the toolbar over a selection ---
  let toolbar = null, pending = null;
  function showToolbar(selection, focus) {
    hideToolbar();
    pending = selection;
    toolbar = el("div", "toolbar");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Annotate the selected words");
    for (const [kind, k] of Object.entries(KINDS)) {
      const b = button(k.label, "tool", () => openForm(kind, pending));
      b.dataset.kind = kind;
      b.setAttribute("aria-keyshortcuts", k.key.toUpperCase());
      b.tabIndex = -1;
      toolbar.append(b);
    }
    for (const id of enclosing(selection)) {
      const a = state.annotations[id];
      const b = button("Edit " + a.kind, "tool edit", () => openEdit(id));
      b.dataset.edit = id;
      b.tabIndex = -1;
      toolbar.append(b);
    }
    toolbar.firstChild.tabIndex = 0;
    toolbar.addEventListener("keydown", toolbarKeys);
    root.append(toolbar);
    place(toolbar, selection.rect);
    if (focus) toolbar.firstChild.focus();
    else say("Annotation toolbar: press Enter to choose Quote, Date, Mention, Note or Link for “" + short(selection.text) + "”");
  }
  function hideToolbar() {
    if (toolbar) toolbar.remove();
    toolbar = null;
  }
  function toolbarKeys(e) {
    const buttons = [...toolbar.querySelectorAll("button")];
    const at = buttons.indexOf(root.activeElement);
    let to = -1;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") to = (at + 1) % buttons.length;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") to = (at - 1 + buttons.length) % buttons.length;
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = buttons.length - 1;
    else if (e.key === "Escape") { e.preventDefault(); hideToolbar(); article.focus({ preventScroll: true }); return; }
    else {
      const kind = Object.keys(KINDS).find((k) => KINDS[k].key === e.key.toLowerCase());
      if (kind && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); openForm(kind, pending); }
      return;
    }
    e.preventDefault();
    buttons.forEach((b, i) => { b.tabIndex = i === to ? 0 : -1; });
    buttons[to].focus();
  }
  // the annotations (with an entry in the sidecar) that hold the whole selection, innermost first
  function enclosing(selection) {
    const map = readingMap();
    const range = domRange(map, selection.start, selection.end);
    if (!range) return [];
    const found = [];
    for (let node = range.commonAncestorContainer; node && node !== article; node = node.parentNode) {
      if (node.id && state.annotations[node.id] && !found.includes(node.id)) found.push(node.id);
    }
    return found.slice(0, 3);
  }

  // --- selecting with the keyboard: the reading text takes a caret ---
  article.tabIndex = 0;
  article.setAttribute("aria-description", "Authoring: select words with Shift and the arrow keys, then press Enter to annotate them");
  function caretIn() {
    const sel = getSelection();
    if (sel.rangeCount && article.contains(sel.getRangeAt(0).startContainer)) return true;
    const map = readingMap();
    const first = map.pieces.find((p) => p.node.parentElement.getBoundingClientRect().bottom > 0) || map.pieces[0];
    if (!first) return false;
    sel.collapse(first.node, 0);
    return "new";
  }
  article.addEventListener("keydown", (e) => {
    if (e.target !== article) return;
    const arrows = { ArrowRight: "forward", ArrowLeft: "backward", ArrowDown: "forward", ArrowUp: "backward" };
    if (arrows[e.key] && !e.metaKey) {
      const placed = caretIn();
      if (placed === false) return;
      e.preventDefault();
      if (placed === "new" && !e.shiftKey) return;      // the first arrow shows the caret where reading starts
      const unit = e.key === "ArrowDown" || e.key === "ArrowUp" ? "line" : e.ctrlKey || e.altKey ? "word" : "character";
      getSelection().modify(e.shiftKey ? "extend" : "move", arrows[e.key], unit);
      if (e.shiftKey) scheduleToolbar(false);
      else hideToolbar();
      return;
    }
    if ((e.key === "Enter" || e.key.toLowerCase() === "a") && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const selection = selected();
      if (selection) { e.preventDefault(); clearTimeout(timer); showToolbar(selection, true); }
    }
  });
  let timer = 0;
  function scheduleToolbar(focus) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const selection = selected();
      if (selection) showToolbar(selection, focus); else hideToolbar();
    }, 120);
  }
  article.addEventListener("mouseup", () => scheduleToolbar(false));
  article.addEventListener("touchend", () => scheduleToolbar(false));
  document.addEventListener("selectionchange", () => {
    if (toolbar && !root.activeElement && !selected()) hideToolbar();
  });

  // --- forms ---
  let dialog = null, opener = null;
  function closeDialog(refocus) {
    if (!dialog) return;
    for (const m of article.querySelectorAll("mark.glossator-ghost.is-open")) m.classList.remove("is-open");
    dialog.remove();
    dialog = null;
    if (refocus && opener && opener.isConnected) opener.focus({ preventScroll: true });
    else if (refocus) article.focus({ preventScroll: true });
  }
  function field(form, label, input, hint) {
    const id = "f-" + Math.random().toString(36).slice(2, 9);
    const row = el("div", "row");
    const l = el("label", null, label);
    l.htmlFor = id;
    input.id = id;
    row.append(l, input);
    if (hint) {
      const h = el("p", "hint", hint);
      h.id = id + "-hint";
      input.setAttribute("aria-describedby", h.id);
      row.append(h);
    }
    form.append(row);
    return input;
  }
  function textInput(value, name) {
    const i = el("input");
    i.type = "text";
    i.name = name;
    i.value = value || "";
    i.autocomplete = "off";
    i.spellcheck = false;
    return i;
  }
  // a type-ahead over options {value, label, detail}: an ARIA combobox; the value is the id written
  function combobox(form, label, name, value, options, hint, free) {
    const input = field(form, label, textInput(value, name), hint);
    const list = el("ul", "options");
    list.setAttribute("role", "listbox");
    list.id = input.id + "-list";
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.after(list);
    let shown = [], active = -1;
    const render = async () => {
      const q = input.value.trim().toLowerCase();
      const all = typeof options === "function" ? await options(input.value) : options;
      shown = all.filter((o) => !q || o.value.toLowerCase().includes(q) || o.label.toLowerCase().includes(q) ||
        (o.detail || "").toLowerCase().includes(q)).slice(0, 8);
      list.replaceChildren(...shown.map((o, i) => {
        const li = el("li", null, o.label.length > 90 ? o.label.slice(0, 87) + "…" : o.label);
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.append(el("span", "id", " " + o.value));
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
        return li;
      }));
      active = -1;
      const open = shown.length > 0 && document.activeElement === host && root.activeElement === input;
      list.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
      input.removeAttribute("aria-activedescendant");
    };
    const choose = (i) => {
      input.value = shown[i].value;
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.dispatchEvent(new Event("change"));
    };
    input.addEventListener("input", render);
    input.addEventListener("focus", render);
    input.addEventListener("blur", () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); });
    input.addEventListener("keydown", (e) => {
      if (list.hidden || !shown.length) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1) + (active < 0 && e.key === "ArrowUp" ? 1 : 0)) % shown.length;
        [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
        input.setAttribute("aria-activedescendant", list.children[active].id);
      } else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        list.hidden = true;
        input.setAttribute("aria-expanded", "false");
      }
    });
    input.dataset.free = free ? "1" : "";
    return input;
  }
  function entityOptions(kinds) {
    return state.entities.filter((e) => !kinds || kinds.includes(e.kind)).map((e) => ({
      value: e.id, label: e.name, detail: (e.aliases || []).join(" ") }));
  }
  async function linkOptions(typed) {
    if (!state.documents) {
      const r = await api("GET", "documents");
      state.documents = r.status === 200 ? r.data.documents : [];
    }
    const m = /^doc:([^#]+)#/.exec(typed);
    if (m) {
      const r = await api("GET", "annotations/" + enc(m[1]));
      const found = r.status === 200 ? r.data.annotations : [];
      return found.map((a) => ({ value: "doc:" + m[1] + "#" + a.id, label: a.kind + ": " + short(String(a.fields.text || "")),
        detail: a.id }));
    }
    return [
      ...state.documents.filter((d) => d.id !== DOC).map((d) => ({ value: "doc:" + d.id, label: d.title, detail: d.id })),
      ...state.entities.map((e) => ({ value: "entity:" + e.id, label: e.name, detail: e.kind })),
    ];
  }
  function slug(name) {
    return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
  }

  function openDialog(title, quoteText, anchor) {
    closeDialog(false);
    hideToolbar();
    opener = anchor || null;
    dialog = el("form", "dialog");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-labelledby", "dialog-title");
    dialog.noValidate = true;
    const h = el("h2", null, title);
    h.id = "dialog-title";
    dialog.append(h);
    if (quoteText) dialog.append(el("blockquote", "words", "“" + short(quoteText) + "”"));
    const problem = el("div", "problem");
    problem.setAttribute("role", "alert");
    dialog.problem = problem;
    dialog.append(problem);
    dialog.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); closeDialog(true); } });
    root.append(dialog);
    return dialog;
  }
  function actions(form, saveLabel, extra) {
    const row = el("div", "actions");
    const save = el("button", "primary", saveLabel);
    save.type = "submit";
    row.append(save, ...(extra || []), button("Cancel", null, () => closeDialog(true)));
    form.append(row);
    return save;
  }
  function showProblem(form, r) {
    form.problem.replaceChildren();
    form.problem.append(el("p", "error", r.data.error || "the server refused the change (" + r.status + ")"));
    for (const d of r.data.diagnostics || []) {
      if (d.message === r.data.error && !d.hint) continue;
      const item = el("div", "diagnostic");
      item.append(el("code", null, d.where), el("p", null, d.message));
      if (d.hint) item.append(el("pre", "hint", d.hint));
      form.problem.append(item);
    }
    if (r.status === 409) {
      if (r.data.diff) form.problem.append(el("pre", "diff", r.data.diff));
      form.problem.append(button("Reload the page", null, () => location.reload()));
    }
  }

  // a new annotation on the selected words: the form of its kind
  async function openForm(kind, selection) {
    if (!selection) return;
    const form = openDialog("New " + kind, selection.text);
    const where = { document: DOC, text: selection.text, prefix: selection.prefix, suffix: selection.suffix,
      start: selection.start };
    const [proposal] = await Promise.all([api("POST", "propose", where), loadSidecar(), loadEntities()]);
    if (dialog !== form) return;
    if (proposal.status !== 200) {
      showProblem(form, proposal);
      actions(form, "Save").disabled = true;
      form.querySelector(".primary").hidden = true;
      form.querySelector(".actions button:last-child").focus();
      return;
    }
    const proposed = proposal.data.proposals[kind];
    const inputs = kindFields(form, kind, {}, proposed);
    actions(form, "Save");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const fields = await collect(form, kind, inputs);
      if (!fields) return;
      await send(form, "POST", "annotations", { ...where, kind, fields, base: state.base }, 201);
    });
    (form.querySelector("input, textarea") || form.querySelector("button")).focus();
    say("New " + kind + " form");
  }

  // the fields each kind writes: {key: input}
  function kindFields(form, kind, values, proposed) {
    const inputs = {};
    const proposedValue = proposed ? proposed.value : "";
    if (kind === "quote") {
      const known = proposedValue && state.entities.some((e) => e.id === proposedValue);
      inputs.speaker = combobox(form, "Speaker", "speaker", values.speaker || (known ? proposedValue : ""),
        entityOptions(["person", "organization"]), proposed ? "Suggested: " + proposed.why : "Type a name; the entity's id is written.");
      const add = button("New person…", "link-button", () => {
        add.hidden = true;
        inputs.newName = field(form, "New person's name", textInput(known ? "" : "", "new-name"));
        inputs.newId = field(form, "Their id (in entities.yaml)", textInput("", "new-id"));
        inputs.newKind = el("select");
        for (const k of ["person", "organization"]) { const o = el("option", null, k); o.value = k; inputs.newKind.append(o); }
        field(form, "Kind", inputs.newKind);
        inputs.newName.addEventListener("input", () => { inputs.newId.value = slug(inputs.newName.value); inputs.speaker.value = inputs.newId.value; });
        inputs.newName.focus();
        form.querySelector(".actions").before(...[...form.querySelectorAll(".row")].slice(-3));
      });
      inputs.speaker.parentElement.append(add);
      inputs.via = combobox(form, "Via (optional)", "via", values.via, entityOptions(), "The outlet or person who reported the words.");
      inputs.note = field(form, "Note (optional, Markdown)", el("textarea"));
      inputs.note.value = values.note || "";
    } else if (kind === "date") {
      inputs.date = field(form, "Date (EDTF)", textInput(values.date || proposedValue, "date"),
        proposed ? "Proposed: " + proposed.why + (proposed.exact ? "" : " (for the words “" + proposed.text + "”)")
          : "2024-05-28, 2021-08, 2017?, 2021-08-24~ or an interval 2015/2018");
      inputs.event = field(form, "Event (optional: puts it on the timeline)", textInput(values.event, "event"));
    } else if (kind === "mention") {
      inputs.entity = combobox(form, "Entity", "entity", values.entity || proposedValue, entityOptions(),
        proposed ? "Suggested: " + proposed.why : "Who or what the words name.");
    } else if (kind === "note") {
      inputs.note = field(form, "Note (Markdown)", el("textarea"));
      inputs.note.value = values.note || "";
    } else if (kind === "link") {
      inputs.to = combobox(form, "Link to", "to", values.to, linkOptions,
        "doc:ID, doc:ID#annotation, entity:ID or a URL", true);
    }
    return inputs;
  }
  async function collect(form, kind, inputs) {
    const fields = {};
    for (const [key, input] of Object.entries(inputs)) {
      if (key.startsWith("new")) continue;
      fields[key] = input.value.trim() || null;
    }
    if (inputs.newName && inputs.newName.value.trim()) {
      const id = inputs.newId.value.trim() || slug(inputs.newName.value);
      const r = await api("POST", "entities", { id, kind: inputs.newKind.value, fields: { name: inputs.newName.value.trim() },
        base: state.entitiesBase || "" });
      if (r.status !== 201) { showProblem(form, r); return null; }
      state.entitiesBase = r.data.sha256;
      state.entities.push({ id, kind: inputs.newKind.value, name: inputs.newName.value.trim(), aliases: [] });
      fields.speaker = id;
    }
    return fields;
  }
  async function send(form, method, path, body, ok) {
    const save = form.querySelector(".primary");
    save.disabled = true;
    A.busy = true;
    const r = await api(method, path, body);
    A.busy = false;
    save.disabled = false;
    if (r.status !== ok) {
      showProblem(form, r);
      say(r.data.error || "Not saved");
      return r;
    }
    const id = r.data.id || (r.data.accepted && r.data.accepted[0] && r.data.accepted[0].id);
    remember(id);
    closeDialog(false);
    status(method === "DELETE" ? "Deleted; the page reloads." : "Saved to " + r.data.path +
      (r.data.line ? " line " + r.data.line : "") + "; the page reloads.");
    return r;
  }
  function remember(id) {
    try { sessionStorage.setItem("glossator:authored", JSON.stringify({ id: id || "", page: location.pathname, at: Date.now() })); } catch (e) { /* reload anyway */ }
  }

  // --- editing and deleting an annotation of the sidecar ---
  async function openEdit(id, anchor) {
    await loadSidecar();
    const a = state.annotations[id];
    if (!a) { status("This annotation is not in the sidecar (a name found by its alias in entities.yaml)."); return; }
    if (!state.entities.length) await loadEntities();
    const form = openDialog("Edit " + a.kind + " " + id, String(a.fields.text || ""), anchor);
    const inputs = kindFields(form, a.kind, a.fields, null);
    const del = button("Delete", "danger", async () => {
      await send(form, "DELETE", "annotations/" + enc(DOC) + "/" + enc(id), { base: state.base }, 200);
    });
    actions(form, "Save", [del]);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const fields = await collect(form, a.kind, inputs);
      if (!fields) return;
      const changed = Object.fromEntries(Object.entries(fields).filter(([k, v]) => (a.fields[k] ?? null) !== v));
      if (!Object.keys(changed).length) { closeDialog(true); return; }
      await send(form, "PATCH", "annotations/" + enc(DOC) + "/" + enc(id), { fields: changed, base: state.base }, 200);
    });
    (form.querySelector("input, textarea") || form.querySelector("button")).focus();
  }
  // the quote's panel (speakers.js) gets Edit and Delete
  document.addEventListener("glossator:panel", (e) => {
    const { panel, annotation } = e.detail;
    if (!state.annotations[annotation.id]) return;
    const row = el("p", "panel-links glossator-edit");
    const edit = el("button", null, "Edit quote");
    edit.type = "button";
    edit.addEventListener("click", () => openEdit(annotation.id, annotation.querySelector(".speaker-tag")));
    row.append(edit);
    panel.append(row);
  });
  // E on a focused date or note (they take focus) edits it
  article.addEventListener("keydown", (e) => {
    const target = e.target.closest && e.target.closest("[id]");
    if (e.key.toLowerCase() === "e" && target && target !== article && state.annotations[target.id] && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      openEdit(target.id, target);
    }
  });

  // --- suggestions: dashed ghosts with Accept (A), Edit (E), Reject (R) ---
  async function loadSuggestions() {
    const r = await api("GET", "suggestions/" + enc(DOC));
    if (r.status !== 200) return;
    state.suggested = r.data.suggested;
    state.base = r.data.base;
    state.suggestions = r.data.suggestions.filter((s) => s.start !== null);
    for (const s of [...state.suggestions].sort((x, y) => y.start - x.start)) ghost(s);
    A.ghosts = state.suggestions.length;
    renderBar();
  }
  function ghost(s) {
    const map = readingMap();
    const marks = [];
    for (const p of map.pieces) {
      const from = Math.max(s.start, p.start), to = Math.min(s.end, p.start + p.node.data.length);
      if (from >= to) continue;
      let node = p.node;
      if (from > p.start) node = node.splitText(from - p.start);
      if (to - from < node.data.length) node.splitText(to - from);
      const mark = document.createElement("mark");
      mark.className = "glossator-ghost";
      mark.dataset.suggestion = s.id;
      mark.dataset.kind = s.kind;
      node.replaceWith(mark);
      mark.append(node);
      marks.push(mark);
    }
    if (!marks.length) return;
    const value = s.fields[Object.keys(s.fields)[0]];
    const label = "Suggested " + s.kind + ": " + labelOf(s.kind, value) + ", confidence " + Math.round((s.confidence || 0) * 100) +
      "%. A accept, E edit, R reject.";
    marks[0].tabIndex = 0;
    marks[0].setAttribute("aria-label", "“" + short(s.text) + "”. " + label);
    marks[0].setAttribute("role", "button");
    marks.forEach((m) => { m.title = label + (s.why ? "\n" + s.why : ""); });
  }
  function labelOf(kind, value) {
    const e = state.entities.find((x) => x.id === value);
    return kind === "date" ? value : e ? e.name + " (" + value + ")" : String(value) + " (new)";
  }
  function unghost(id) {
    for (const m of article.querySelectorAll('mark.glossator-ghost[data-suggestion="' + CSS.escape(id) + '"]')) {
      m.replaceWith(...m.childNodes);
    }
    article.normalize();
    state.suggestions = state.suggestions.filter((s) => s.id !== id);
    A.ghosts = state.suggestions.length;
    renderBar();
  }
  function openGhost(id, anchor) {
    const s = state.suggestions.find((x) => x.id === id);
    if (!s) return;
    const form = openDialog("Suggested " + s.kind, s.text, anchor);
    for (const m of article.querySelectorAll('mark.glossator-ghost[data-suggestion="' + CSS.escape(id) + '"]')) m.classList.add("is-open");
    const value = s.fields[Object.keys(s.fields)[0]];
    form.append(el("p", "value", labelOf(s.kind, value) + " · confidence " + Math.round((s.confidence || 0) * 100) + "%"));
    if (s.why) form.append(el("p", "hint", s.why));
    const row = el("div", "actions");
    row.append(button("Accept (A)", "primary", () => acceptGhost(s, form)), button("Edit (E)", null, () => editGhost(s, anchor)),
      button("Reject (R)", "danger", () => rejectGhost(s, form)), button("Cancel", null, () => closeDialog(true)));
    form.append(row);
    row.firstChild.focus();
  }
  async function acceptGhost(s, form, fields) {
    const body = { ids: [s.id], base: state.base, suggested: state.suggested };
    if (fields) body.fields = fields;
    const r = await api("POST", "suggestions/" + enc(DOC) + "/accept", body);
    if (r.status !== 201) { if (form) showProblem(form, r); say(r.data.error || "Not accepted"); return r; }
    remember(r.data.accepted[0].id);
    closeDialog(false);
    status("Accepted into " + r.data.path + "; the page reloads.");
    return r;
  }
  async function rejectGhost(s, form) {
    const r = await api("POST", "suggestions/" + enc(DOC) + "/reject", { ids: [s.id], suggested: state.suggested });
    if (r.status !== 200) { if (form) showProblem(form, r); say(r.data.error || "Not rejected"); return; }
    state.suggested = r.data.suggested;
    closeDialog(false);
    unghost(s.id);
    status("Rejected: “" + short(s.text) + "” will not be suggested again.");
    refreshUndo();
  }
  async function editGhost(s, anchor) {
    if (!state.entities.length) await loadEntities();
    const form = openDialog("Accept " + s.kind + ", edited", s.text, anchor);
    const inputs = kindFields(form, s.kind, s.fields, null);
    actions(form, "Accept");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const fields = await collect(form, s.kind, inputs);
      if (fields) await acceptGhost(s, form, fields);
    });
    form.querySelector("input, textarea").focus();
  }
  article.addEventListener("click", (e) => {
    const mark = e.target.closest && e.target.closest("mark.glossator-ghost");
    if (!mark || !getSelection().isCollapsed) return;
    e.preventDefault();
    openGhost(mark.dataset.suggestion, mark);
  });
  article.addEventListener("keydown", (e) => {
    const mark = e.target.closest && e.target.closest("mark.glossator-ghost");
    if (!mark || e.ctrlKey || e.metaKey || e.altKey) return;
    const s = state.suggestions.find((x) => x.id === mark.dataset.suggestion);
    const key = e.key.toLowerCase();
    if (!s || !["a", "e", "r", "enter", " "].includes(key)) return;
    e.preventDefault();
    e.stopPropagation();
    if (key === "a") acceptGhost(s);
    else if (key === "e") editGhost(s, mark);
    else if (key === "r") rejectGhost(s);
    else openGhost(s.id, mark);
  }, true);

  // --- the authoring bar: messages, undo, accept all ---
  const bar = el("div", "bar");
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "Authoring");
  const message = el("span", "message");
  message.setAttribute("role", "status");
  const undo = button("Undo", "undo", async () => {
    const r = await api("POST", "undo", {});
    status(r.status === 200 ? "Undone: " + r.data.undone + "; the page reloads." : r.data.error || "Nothing to undo");
    refreshUndo();
  });
  undo.hidden = true;
  const all = el("span", "all");
  bar.append(el("strong", null, "✎ Authoring"), message, undo, all);
  root.append(bar);
  function status(text) { message.textContent = text; }
  async function refreshUndo() {
    const r = await api("GET", "undo");
    undo.hidden = !(r.status === 200 && r.data.last);
    if (!undo.hidden) undo.textContent = "Undo " + r.data.last;
  }
  function renderBar() {
    all.replaceChildren();
    if (!state.suggestions.length) return;
    const n = state.suggestions.length;
    const level = el("input");
    level.type = "number";
    level.min = "0"; level.max = "1"; level.step = "0.05"; level.value = "0.8";
    level.setAttribute("aria-label", "Lowest confidence to accept");
    const go = button("Accept all ≥", null, async () => {
      const least = Number(level.value);
      const r = await api("POST", "suggestions/" + enc(DOC) + "/accept", { min_confidence: least, base: state.base, suggested: state.suggested });
      if (r.status === 201) { remember(r.data.accepted[0].id); status("Accepted " + r.data.accepted.length + "; the page reloads."); }
      else status(r.data.error || "Nothing accepted");
    });
    all.append(el("span", null, n + " suggestion" + (n === 1 ? "" : "s") + " · "), go, level);
  }

  // --- after the reload that follows a change: to the annotation just made ---
  function arrive() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem("glossator:authored") || "null");
      sessionStorage.removeItem("glossator:authored");
    } catch (e) { return; }
    if (!saved || saved.page !== location.pathname || Date.now() - saved.at > 60000) return;
    const target = saved.id && document.getElementById(saved.id);
    if (!target) return;
    target.classList.add("glossator-just-made");
    target.scrollIntoView({ block: "center" });
    status("Saved: " + saved.id);
  }

  (document.body || document.documentElement).append(host);
  Promise.all([loadSidecar(), loadEntities(), refreshUndo()]).then(loadSuggestions).then(() => {
    if (document.readyState === "complete") requestAnimationFrame(arrive);
    else addEventListener("load", () => requestAnimationFrame(arrive), { once: true });
    A.ready = true;
  });

  function PAGE_STYLE() {
    return `
      mark.glossator-ghost { --ghost: #6b5bd2; color: inherit; cursor: pointer; padding: 0 0 1px;
        background: color-mix(in srgb, var(--ghost) 9%, transparent); border-bottom: 2px dashed var(--ghost); }
      mark.glossator-ghost[data-kind="date"] { --ghost: #1f7a5c; }
      mark.glossator-ghost[data-kind="mention"] { --ghost: #1a5fb4; }
      mark.glossator-ghost:hover, mark.glossator-ghost.is-open { background: color-mix(in srgb, var(--ghost) 20%, transparent); }
      mark.glossator-ghost:focus-visible { outline: 2px solid var(--ghost); outline-offset: 1px; }
      .glossator-just-made { animation: glossator-made 2.4s ease-out 1; border-radius: 2px; }
      @keyframes glossator-made { from { box-shadow: 0 0 0 4px #f5c211; } to { box-shadow: 0 0 0 4px transparent; } }
      article.reading:focus { outline: none; }
      article.reading:focus-visible { outline: 2px solid var(--link, #1a4fa0); outline-offset: 6px; }
      @media (prefers-color-scheme: dark) {
        mark.glossator-ghost { --ghost: #b4a7ff; }
        mark.glossator-ghost[data-kind="date"] { --ghost: #6fd3a8; }
        mark.glossator-ghost[data-kind="mention"] { --ghost: #8cb8ff; }
      }
      @media print { mark.glossator-ghost { background: none; border: 0; } }`;
  }
  function STYLE() {
    return `
      :host { all: initial; font: 15px/1.45 var(--sans, system-ui, sans-serif); color: var(--fg, #1c1c1e); }
      .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
      .toolbar, .dialog, .bar { position: absolute; z-index: 2147483000; background: var(--panel, #f5f2ea);
        color: var(--fg, #1c1c1e); border: 1px solid var(--rule-strong, #c9c4b6); border-radius: 8px;
        box-shadow: var(--shadow, 0 8px 28px rgb(0 0 0 / .18)); font: inherit; }
      .toolbar { display: flex; flex-wrap: wrap; gap: 2px; padding: 3px; }
      .toolbar .tool { border: 0; background: transparent; padding: .35rem .6rem; border-radius: 5px; }
      .toolbar .tool:hover, .toolbar .tool:focus-visible { background: var(--bg, #fff); }
      .toolbar .edit { border-left: 1px solid var(--rule, #ddd); border-radius: 0 5px 5px 0; }
      button { font: inherit; color: inherit; cursor: pointer; padding: .3rem .75rem; border-radius: 6px;
        border: 1px solid var(--rule-strong, #bbb); background: var(--bg, #fff); min-height: 2rem; }
      button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible {
        outline: 3px solid var(--link, #1a4fa0); outline-offset: 1px; }
      button.primary { background: var(--link, #1a4fa0); color: var(--bg, #fff); border-color: var(--link, #1a4fa0); }
      button.danger { color: var(--conflict, #b3261e); border-color: currentColor; }
      button.link-button { border: 0; background: none; color: var(--link, #1a4fa0); text-decoration: underline; padding: .2rem 0; }
      button:disabled { opacity: .55; cursor: progress; }
      .dialog { position: fixed; top: 12px; right: 12px; width: min(26rem, calc(100vw - 24px)); box-sizing: border-box;
        max-height: calc(100vh - 24px); overflow: auto; padding: .8rem 1rem 1rem; }
      .dialog h2 { margin: 0 0 .3rem; font-size: 1rem; }
      .dialog .words { margin: 0 0 .6rem; color: var(--muted, #55555d); font-family: var(--serif, Georgia, serif); }
      .row { margin: .5rem 0; }
      label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .15rem; }
      input, textarea, select { font: inherit; box-sizing: border-box; width: 100%; padding: .35rem .5rem; border-radius: 5px;
        border: 1px solid var(--rule-strong, #bbb); background: var(--bg, #fff); color: var(--fg, #111); }
      textarea { min-height: 5rem; resize: vertical; }
      .hint { margin: .2rem 0 0; font-size: .82rem; color: var(--muted, #55555d); white-space: pre-wrap; overflow-wrap: anywhere; }
      .value { margin: .2rem 0; font-weight: 600; }
      .options { z-index: 1; margin: 2px 0 0; padding: 2px; list-style: none;
        background: var(--bg, #fff); border: 1px solid var(--rule-strong, #bbb); border-radius: 6px; max-height: 14rem; overflow: auto; }
      .options li { padding: .3rem .5rem; border-radius: 4px; cursor: pointer; line-height: 1.3; }
      .options .id { display: block; }
      .options li[aria-selected="true"], .options li:hover { background: var(--panel, #eee); }
      .options .id { color: var(--muted, #666); font: .8rem var(--mono, monospace); }
      .actions { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .8rem; }
      .problem:empty { display: none; }
      .problem { margin: .4rem 0; padding: .5rem .6rem; border-left: 4px solid var(--conflict, #b3261e);
        background: var(--bg, #fff); max-height: 16rem; overflow: auto; }
      .problem p { margin: .1rem 0; }
      .problem code { font: 600 .82rem var(--mono, monospace); color: var(--link, #1a4fa0); overflow-wrap: anywhere; }
      .problem pre { font: .78rem/1.4 var(--mono, monospace); white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
      .bar { position: fixed; left: 8px; bottom: 8px; display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .6rem;
        padding: .35rem .6rem; max-width: calc(100vw - 16px); box-sizing: border-box; font-size: .875rem; }
      .bar .message:empty { display: none; }
      .bar input { width: 4.5rem; display: inline-block; padding: .15rem .3rem; }
      .bar button { min-height: 1.8rem; padding: .15rem .55rem; }
      @media (max-width: 480px) { .dialog { top: auto; bottom: 0; left: 0; right: 0; width: auto; max-height: 75vh;
          border-radius: 10px 10px 0 0; }
        .bar { left: 0; right: 0; bottom: 0; border-radius: 0; max-width: none; } }
      @media print { .bar, .toolbar, .dialog { display: none; } }`;
  }
})();
