// The interface's frame, in a shadow root so that the theme's styles and ours stay apart:
// the live region screen readers hear, the dialog (one at a time), the authoring bar with
// its messages and Undo, and the styles (the page gets only the ghosts' and the marks').
import { api, article, short } from "./page.js";

let host = null, root = null, live = null, message = null, undoButton = null, barSlot = null;
let dialog = null, opener = null;
const openHooks = [];

export function start() {
  host = document.createElement("glossator-authoring");
  root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = STYLE;
  live = el("div", "visually-hidden");
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  root.append(style, live, makeBar());
  const pageStyle = document.createElement("style");
  pageStyle.textContent = PAGE_STYLE;
  document.head.append(pageStyle);
  (document.body || document.documentElement).append(host);
}
export const shadow = () => root;
export const focused = () => (root ? root.activeElement : null);
export const hostFocused = () => document.activeElement === host;
export function say(text) { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 30); }
export function onDialogOpen(hook) { openHooks.push(hook); }

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}
export function button(text, cls, onClick) {
  const b = el("button", cls, text);
  b.type = "button";
  b.addEventListener("mousedown", (e) => e.preventDefault());   // keep the selection
  if (onClick) b.addEventListener("click", onClick);
  return b;
}
export function place(box, rect) {     // above the selection when there is room, else below it
  const width = document.documentElement.clientWidth;
  box.style.left = Math.max(8, Math.min(rect.left + scrollX, scrollX + width - box.offsetWidth - 8)) + "px";
  const above = rect.top - box.offsetHeight - 8;
  box.style.top = (above > 8 ? above + scrollY : rect.bottom + scrollY + 8) + "px";
}

// --- the dialog: one form at a time ---
export const currentDialog = () => dialog;
export function closeDialog(refocus) {
  if (!dialog) return;
  for (const m of article.querySelectorAll("mark.glossator-ghost.is-open")) m.classList.remove("is-open");
  dialog.remove();
  dialog = null;
  if (refocus && opener && opener.isConnected) opener.focus({ preventScroll: true });
  else if (refocus) article.focus({ preventScroll: true });
}
export function openDialog(title, quoteText, anchor) {
  closeDialog(false);
  openHooks.forEach((hook) => hook());
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
export function actions(form, saveLabel, extra) {
  const row = el("div", "actions");
  const save = el("button", "primary", saveLabel);
  save.type = "submit";
  row.append(save, ...(extra || []), button("Cancel", null, () => closeDialog(true)));
  form.append(row);
  return save;
}
export function showProblem(form, r) {
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


export function field(form, label, input, hint) {
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
export function textInput(value, name) {
  const i = el("input");
  i.type = "text";
  i.name = name;
  i.value = value || "";
  i.autocomplete = "off";
  i.spellcheck = false;
  return i;
}

// --- the bar: what happened, Undo, and a place for the suggestions' controls ---
function makeBar() {
  const bar = el("div", "bar");
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "Authoring");
  message = el("span", "message");
  message.setAttribute("role", "status");
  undoButton = button("Undo", "undo", async () => {
    const r = await api("POST", "undo", {});
    status(r.status === 200 ? "Undone: " + r.data.undone + "; the page reloads." : r.data.error || "Nothing to undo");
    refreshUndo();
  });
  undoButton.hidden = true;
  barSlot = el("span", "all");
  bar.append(el("strong", null, "✎ Authoring"), message, undoButton, barSlot);
  return bar;
}
export const slot = () => barSlot;
export function status(text) { message.textContent = text; }
export async function refreshUndo() {
  const r = await api("GET", "undo");
  undoButton.hidden = !(r.status === 200 && r.data.last);
  if (!undoButton.hidden) undoButton.textContent = "Undo " + r.data.last;
}

const PAGE_STYLE = `
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

const STYLE = `
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
