// glossator serve: reload this page when the site changes; show build errors over it.
// Served at /__glossator/livereload.js and added to pages by the server only:
// `glossator build` and `bundle` output never contains it.
(() => {
  "use strict";
  const script = document.currentScript;
  const version = Number((script && script.dataset.version) || 0);
  const run = (script && script.dataset.run) || "";
  const page = pageOf(location.pathname);
  const scrollKey = "glossator:scroll:" + location.pathname + location.search;
  const state = (window.glossatorLive = { connected: false, version, status: null, page });

  function pageOf(pathname) {
    let p = pathname.replace(/^\/+/, "");
    try { p = decodeURIComponent(p); } catch (e) { /* keep it encoded */ }
    return p === "" || p.endsWith("/") ? p + "index.html" : p;
  }

  // --- keep the scroll position across reloads ---
  function saveScroll() {
    try {
      sessionStorage.setItem(scrollKey, JSON.stringify({ x: scrollX, y: scrollY, at: Date.now() }));
    } catch (e) { /* storage full or disabled: reload anyway */ }
  }
  function restoreScroll() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(scrollKey) || "null");
      sessionStorage.removeItem(scrollKey);
    } catch (e) { return; }
    if (!saved || Date.now() - saved.at > 60000) return;
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    let moved = false;
    const mark = () => { moved = true; };
    const go = () => { if (!moved) scrollTo(saved.x, saved.y); };
    go();
    addEventListener("wheel", mark, { once: true, passive: true });
    addEventListener("keydown", mark, { once: true });
    addEventListener("touchstart", mark, { once: true, passive: true });
    if (document.readyState === "complete") requestAnimationFrame(go);
    else addEventListener("load", () => requestAnimationFrame(go), { once: true });
  }
  function reload() {
    saveScroll();
    location.reload();
  }
  restoreScroll();

  // --- the error overlay: author text goes in as text, never as HTML ---
  const STYLE = `
    :host { all: initial; }
    .panel { position: fixed; z-index: 2147483647; top: 0; left: 50%; transform: translateX(-50%);
      box-sizing: border-box; width: min(100vw, 64rem); max-height: 70vh; overflow: auto;
      margin: 0; padding: 1rem 1.25rem 1.25rem; background: #fff; color: #1b1b1b;
      border: 1px solid #d8d8d8; border-top: 6px solid #b3261e; border-radius: 0 0 8px 8px;
      box-shadow: 0 12px 32px rgb(0 0 0 / .25);
      font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    header { display: flex; gap: .75rem; align-items: flex-start; }
    h2 { margin: 0; font-size: 1.05rem; flex: 1; }
    p.sub { margin: .25rem 0 .75rem; font-size: .9rem; opacity: .8; }
    button { font: inherit; font-size: .85rem; cursor: pointer; padding: .3rem .7rem; border-radius: 6px;
      border: 1px solid currentColor; background: transparent; color: inherit; }
    button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
    ol { list-style: none; margin: 0; padding: 0; }
    li { padding: .6rem 0; border-top: 1px solid rgb(127 127 127 / .3); }
    .head { display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: baseline; }
    .where { font: 600 .9rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #0b57d0;
      overflow-wrap: anywhere; }
    .sev { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
      padding: .05rem .4rem; border-radius: 4px; color: #fff; }
    .sev.error { background: #b3261e; } .sev.warning { background: #8a6100; }
    .message { margin: .3rem 0 0; overflow-wrap: anywhere; white-space: pre-wrap; }
    .hint { margin: .4rem 0 0; padding: .5rem .7rem; background: #f4f4f4; border: 1px solid #e2e2e2;
      border-radius: 6px; font: .85rem/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
    .hint b { font-family: system-ui, sans-serif; }
    @media (max-width: 480px) { .panel { padding: .75rem .85rem 1rem; border-radius: 0; font-size: 14px; } }
    /* last, so that it overrides the light colours above */
    @media (prefers-color-scheme: dark) {
      .panel { background: #1f1f1f; color: #ececec; border-color: #3a3a3a; border-top-color: #f2b8b5; }
      .where { color: #9ecbff; } .sev.error { background: #b3261e; } .sev.warning { background: #8a6100; }
      .hint { background: #2b2b2b; border-color: #464646; color: #ececec; }
    }
  `;
  let host = null;
  let dismissedAt = -1;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showStatus(status) {
    state.status = status;
    if (status.ok) {
      if (host) { host.remove(); host = null; }
      return;
    }
    if (dismissedAt === status.builds) return;
    if (!host) {
      host = document.createElement("glossator-overlay");
      host.attachShadow({ mode: "open" });
      (document.body || document.documentElement).appendChild(host);
    }
    const root = host.shadowRoot;
    root.replaceChildren();
    const style = el("style");
    style.textContent = STYLE;
    const panel = el("section", "panel");
    panel.setAttribute("role", "alert");
    panel.setAttribute("aria-labelledby", "glossator-title");
    const header = el("header");
    const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    const title = el("h2", null, `Build failed: ${count(status.errors, "error")}` +
      (status.warnings ? `, ${count(status.warnings, "warning")}` : ""));
    title.id = "glossator-title";
    const close = el("button", null, "Hide");
    close.type = "button";
    close.setAttribute("aria-label", "Hide the build errors until the next build");
    close.addEventListener("click", () => { dismissedAt = status.builds; host.remove(); host = null; });
    header.append(title, close);
    const sub = el("p", "sub", status.building ? "Rebuilding…" :
      "This page is the last good build. Fix the files below; this panel closes when the build succeeds.");
    const list = el("ol");
    for (const d of status.diagnostics) {
      const item = el("li", "diagnostic " + d.severity);
      const head = el("div", "head");
      head.append(el("code", "where", d.where), el("span", "sev " + d.severity, d.severity));
      item.append(head, el("p", "message", d.message));
      if (d.hint) {
        const hint = el("div", "hint");
        hint.append(el("b", null, "hint: "), document.createTextNode(d.hint));
        item.append(hint);
      }
      list.append(item);
    }
    panel.append(header, sub, list);
    root.append(style, panel);
  }

  // --- the event stream ---
  // Hidden tabs let go of theirs (a browser allows ~6 connections per server) and catch up
  // when shown again: the server compares `since` with the versions at which pages changed.
  let source = null;
  function connect() {
    if (source) return;
    const url = `/__glossator/events?page=${encodeURIComponent(page)}&since=${version}&run=${run}`;
    source = new EventSource(url);
    source.addEventListener("open", () => { state.connected = true; });
    source.addEventListener("error", () => { state.connected = false; });
    source.addEventListener("status", (e) => showStatus(JSON.parse(e.data)));
    source.addEventListener("reload", (e) => {
      const data = JSON.parse(e.data);
      if (data.all || data.pages.includes(page)) {
        disconnect();
        reload();
      }
    });
  }
  function disconnect() {
    if (source) source.close();
    source = null;
    state.connected = false;
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") disconnect();
    else connect();
  });
  addEventListener("pagehide", disconnect);
  addEventListener("pageshow", (e) => { if (e.persisted) connect(); });   // back/forward cache
  if (document.visibilityState !== "hidden") connect();
})();
