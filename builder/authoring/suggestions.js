// Suggestions waiting in annotations/<id>.suggested.yaml, shown as ghosts: words with a tint
// and a dashed underline, each to Accept (A), Edit (E) or Reject (R), and "Accept all ≥" in
// the bar. Accepting writes the sidecar (the page then reloads); rejecting only the
// suggestions file (the ghost goes at once).
import { A, DOC, api, article, enc, loadEntities, readingMap, remember, short, state } from "./page.js";
import { actions, button, closeDialog, el, openDialog, refreshUndo, showProblem, slot, status } from "./ui.js";
import { collect, kindFields } from "./forms.js";

// --- suggestions: dashed ghosts with Accept (A), Edit (E), Reject (R) ---
export async function loadSuggestions() {
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
    await acceptGhost(s, form, collect(inputs).fields);
  });
  form.querySelector("input, textarea").focus();
}
export function install() {
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

}

function renderBar() {
  const all = slot();
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

