// glossator serve: annotate a document by selecting its words. Select text in the reading
// text (or press Shift+arrows in it), choose Quote, Date, Mention, Note or Link, fill in the
// form: the entry is written to annotations/<id>.yaml by the server's authoring API
// (/__glossator/api/, docs/authoring.md §13 and §14); the page reloads through the normal
// rebuild and scrolls to the new annotation. Suggestions show as ghosts to accept, edit or
// reject. Served under /__glossator/authoring/ and added to pages by the server only:
// `glossator build` and `bundle` output never contain it.
//
//   page.js         the document as data: the API, the reading text mapped to the page
//   ui.js           the shadow root: dialog, bar, live region, styles
//   forms.js        the forms of each kind, edit and delete
//   suggestions.js  the ghosts
//   main.js         this: selecting (mouse, touch, keyboard), the toolbar, after the reload
import { A, ACTIVE, KINDS, article, domRange, loadEntities, loadSidecar, readingMap, selected, short, state } from "./page.js";
import { button, el, focused, onDialogOpen, place, refreshUndo, say, shadow, start, status } from "./ui.js";
import * as forms from "./forms.js";
import * as suggestions from "./suggestions.js";

const { openEdit, openForm } = forms;

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
  shadow().append(toolbar);
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
  const at = buttons.indexOf(focused());
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
function caretIn() {
  const sel = getSelection();
  if (sel.rangeCount && article.contains(sel.getRangeAt(0).startContainer)) return true;
  const map = readingMap();
  const first = map.pieces.find((p) => p.node.parentElement.getBoundingClientRect().bottom > 0) || map.pieces[0];
  if (!first) return false;
  sel.collapse(first.node, 0);
  return "new";
}
let timer = 0;
function scheduleToolbar(focus) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const selection = selected();
    if (selection) showToolbar(selection, focus); else hideToolbar();
  }, 120);
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


function install() {
  article.tabIndex = 0;
  article.setAttribute("aria-description", "Authoring: select words with Shift and the arrow keys, then press Enter to annotate them");
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
  article.addEventListener("mouseup", () => scheduleToolbar(false));
  article.addEventListener("touchend", () => scheduleToolbar(false));
  document.addEventListener("selectionchange", () => {
    if (toolbar && !focused() && !selected()) hideToolbar();
  });

  onDialogOpen(hideToolbar);
  forms.install();
  suggestions.install();
}

if (ACTIVE) {
  start();
  install();
  const loaded = new Promise((resolve) => {
    if (document.readyState === "complete") resolve();
    else addEventListener("load", resolve, { once: true });
  });
  Promise.all([loadSidecar(), loadEntities(), refreshUndo()]).then(suggestions.loadSuggestions).then(() => loaded)
    .then(() => new Promise(requestAnimationFrame)).then(() => {
      arrive();
      A.ready = true;
    });
}
