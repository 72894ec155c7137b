// The forms: a new annotation on the selected words (its kind's fields, with what suggest
// proposes), an annotation of the sidecar edited or deleted; their type-ahead lists; sending
// them, and showing why the server refused.
import { A, DOC, api, article, enc, loadEntities, loadSidecar, remember, short, slug, state } from "./page.js";
import {
  actions, button, closeDialog, currentDialog, el, field, focused, hostFocused, openDialog, say, showProblem, status, textInput,
} from "./ui.js";

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
  let asked = 0, last = [];
  const render = async () => {
    const mine = ++asked;
    if (typeof options === "function") {
      show(last);                                // at once, the options still listed that match what is typed now
      const answer = await options(input.value);
      if (mine !== asked) return;                // typed on meanwhile: a later answer is coming
      last = answer;
    }
    show(typeof options === "function" ? last : options);
  };
  const show = (all) => {
    const q = input.value.trim().toLowerCase();
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
    const open = shown.length > 0 && hostFocused() && focused() === input;
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
export function entityOptions(kinds) {
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

export async function openForm(kind, selection) {
  if (!selection) return;
  const form = openDialog("New " + kind, selection.text);
  const where = { document: DOC, text: selection.text, prefix: selection.prefix, suffix: selection.suffix,
    start: selection.start };
  const [proposal] = await Promise.all([api("POST", "propose", where), loadSidecar(), loadEntities()]);
  if (currentDialog() !== form) return;
  if (proposal.status !== 200) {
    showProblem(form, proposal);
    actions(form, "Save").disabled = true;
    form.querySelector(".primary").hidden = true;
    form.querySelector(".actions button:last-child").focus();
    return;
  }
  const proposed = proposal.data.proposals[kind];
  const inputs = kindFields(form, kind, {}, proposed, true);
  actions(form, "Save");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const { fields, entity } = collect(inputs);
    const body = { ...where, kind, fields, base: state.base };
    if (entity) Object.assign(body, { entity, entities_base: state.entitiesBase || "" });   // one change, one undo
    await send(form, "POST", "annotations", body, 201);
  });
  (form.querySelector("input, textarea") || form.querySelector("button")).focus();
  say("New " + kind + " form");
}

// the fields each kind writes: {key: input}
// (`newcomers`: the quote form offers "New person…", written to entities.yaml with the quote)
export function kindFields(form, kind, values, proposed, newcomers) {
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
    if (newcomers) inputs.speaker.parentElement.append(add);
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
// the values to write (an emptied field: null, which removes its key), and a new person if one was added
export function collect(inputs) {
  const fields = {};
  for (const [key, input] of Object.entries(inputs)) {
    if (!key.startsWith("new")) fields[key] = input.value.trim() || null;
  }
  if (!(inputs.newName && inputs.newName.value.trim())) return { fields, entity: null };
  const id = inputs.newId.value.trim() || slug(inputs.newName.value);
  fields.speaker = id;
  return { fields, entity: { id, kind: inputs.newKind.value, fields: { name: inputs.newName.value.trim() } } };
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
// --- editing and deleting an annotation of the sidecar ---
export async function openEdit(id, anchor) {
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
    const { fields } = collect(inputs);
    const changed = Object.fromEntries(Object.entries(fields).filter(([k, v]) => (a.fields[k] ?? null) !== v));
    if (!Object.keys(changed).length) { closeDialog(true); return; }
    await send(form, "PATCH", "annotations/" + enc(DOC) + "/" + enc(id), { fields: changed, base: state.base }, 200);
  });
  (form.querySelector("input, textarea") || form.querySelector("button")).focus();
}

// the quote's panel (speakers.js) gets Edit; E on a focused date or note (they take focus) edits it
export function install() {
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
  article.addEventListener("keydown", (e) => {
    const target = e.target.closest && e.target.closest("[id]");
    if (e.key.toLowerCase() === "e" && target && target !== article && state.annotations[target.id] && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      openEdit(target.id, target);
    }
  });
}
