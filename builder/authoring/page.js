// The document being annotated, as data: the API (every request with the run's token), the
// reading text mapped to the page's text nodes, and what the page knows of the sidecar and
// the entities. No interface here (ui.js), no events (main.js).
const meta = document.querySelector('meta[name="glossator-token"]');
export const article = document.querySelector("article.reading");
const match = /\/docs\/([^/]+)\.html$/.exec(location.pathname);
export const ACTIVE = Boolean(meta && article && match);
const TOKEN = meta ? meta.content : "";
export const DOC = match ? decodeURIComponent(match[1]) : "";
const API = "/__glossator/api/";
export const KINDS = {
  quote: { label: "Quote", key: "q", section: "quotes" },
  date: { label: "Date", key: "d", section: "dates" },
  mention: { label: "Mention", key: "m", section: "mentions" },
  note: { label: "Note", key: "n", section: "notes" },
  link: { label: "Link", key: "l", section: "links" },
};
// what tests and benchmarks read: ready (the page is set up), ghosts (suggestions shown)
export const A = (window.glossatorAuthoring = { ready: false, ghosts: 0, busy: false });

// --- the API: every request carries the token; answers are {status, data} ---
export async function api(method, path, body) {
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
export const enc = encodeURIComponent;

// --- the reading text as the builder has it, and where each of its characters is ---
// Blocks are separated by a blank line, as in the reading text; the page's furniture (the
// speaker chips, the arrows and ≠ links) holds no words of it.
const FURNITURE = ".speaker-tag, .conflict-link, .xref-go, .glossator-skip";
const BLOCKS = "p, li, h2, h3, h4, h5, h6, pre";
export function readingMap() {
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
export function offsetAt(map, container, offset) {
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
export function domRange(map, start, end) {
  const range = document.createRange();
  const first = map.pieces.find((p) => start < p.start + p.node.data.length);
  const last = [...map.pieces].reverse().find((p) => end > p.start);
  if (!first || !last) return null;
  range.setStart(first.node, Math.max(0, start - first.start));
  range.setEnd(last.node, Math.min(last.node.data.length, end - last.start));
  return range;
}
export function selected() {
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

// --- state: the sidecar as the page saw it, the entities, the suggestions ---
export const state = { base: null, annotations: {}, entities: [], suggested: null, suggestions: [], documents: null };
export async function loadSidecar() {
  const r = await api("GET", "annotations/" + enc(DOC));
  if (r.status === 200) {
    state.base = r.data.sha256;
    state.annotations = Object.fromEntries(r.data.annotations.map((a) => [a.id, a]));
  }
  return r;
}
export async function loadEntities() {
  const r = await api("GET", "entities");
  if (r.status === 200) { state.entities = r.data.entities; state.entitiesBase = r.data.sha256; }
}


export const short = (t) => (t.length > 60 ? t.slice(0, 57) + "…" : t);

export function slug(name) {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

// the annotation to go to after the reload that a change brings (main.js's arrive)
export function remember(id) {
  try {
    sessionStorage.setItem("glossator:authored", JSON.stringify({ id: id || "", page: location.pathname, at: Date.now() }));
  } catch (e) { /* reload anyway */ }
}
