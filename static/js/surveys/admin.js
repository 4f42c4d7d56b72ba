// A cohort's surveys (/admin/cohorts/{cohort_id}/surveys): the list with each survey's state,
// the response count while it is open (kept live by polling: the count, never a score), the
// results once closed (per item: the points' distribution and the mean; free text without
// names). Training staff also start a survey from a template, edit a draft, open and close.
// The cohort's instructors read the same page without the controls; the API checks both.

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import { el, problemText, startPage } from "/static/js/admin/page.js";
import { resultsView } from "/static/js/surveys/results.js";

const POLL_MS = 5000;
const STAFF = ["admin", "operator"]; // server/core/auth/roles.py STAFF
const cohortId = Number(location.pathname.match(/\/admin\/cohorts\/(\d+)\/surveys/)[1]);
const state = { user: null, staff: false, surveys: [], results: new Map(), context: "", editing: null };
const listStatus = document.getElementById("list-status");
const editor = document.getElementById("editor");

const formError = (form, text) => {
  form.querySelector(".form-error").textContent = text;
};
const percent = (part, whole) => (whole ? `${((part * 100) / whole).toFixed(1)}%` : t("admin.no-data"));

// ---- loading --------------------------------------------------------------------------------

async function loadResults(survey) {
  if (survey.status === "draft") return;
  state.results.set(survey.id, await api("GET", `/api/v1/surveys/${survey.id}/results`));
}

async function loadAll() {
  state.surveys = await api("GET", `/api/v1/cohorts/${cohortId}/surveys`);
  await Promise.all(state.surveys.map(loadResults));
  if (state.surveys.length && !state.context) {
    const detail = await api("GET", `/api/v1/surveys/${state.surveys[0].id}`);
    state.context = `${detail.course_title} · ${detail.cohort_name}`;
  }
}

/** While any survey is open, its response count is fetched again every few seconds; only the
 * count's own text changes, so focus and reading position stay where they are. */
async function poll() {
  const open = state.surveys.filter((s) => s.status === "open");
  for (const survey of open) {
    try {
      await loadResults(survey);
      const line = document.querySelector(`[data-live="${survey.id}"]`);
      const text = responseLine(survey);
      if (line && line.textContent !== text) line.textContent = text;
    } catch {
      // a missed poll is retried at the next tick; the page says nothing about it
    }
  }
}

// ---- the list -------------------------------------------------------------------------------

function kindText(survey) {
  const kind = t(`sv.kind.${survey.kind}`);
  return survey.phase ? `${kind} · ${t(`sv.phase.${survey.phase}`)}` : kind;
}

function responseLine(survey) {
  const r = state.results.get(survey.id);
  if (survey.status === "draft" || !r) return t("sv.draft.items", { count: survey.items.length });
  const figures = { responses: r.responses, invited: r.invited, rate: percent(r.responses, r.invited) };
  return t(survey.status === "open" ? "sv.live" : "sv.closed.line", figures);
}

function actions(survey) {
  if (!state.staff) return null;
  const label = (key) => t(key, { title: survey.title });
  const buttons = [];
  if (survey.status === "draft") {
    buttons.push(el("button", { type: "button", "aria-label": label("sv.edit.label"), onclick: () => editDraft(survey) }, t("sv.edit")));
    buttons.push(el("button", { type: "button", class: "primary", "aria-label": label("sv.open.label"), onclick: (e) => setStatus(e.currentTarget, survey, "open") }, t("sv.open")));
  } else if (survey.status === "open") {
    buttons.push(el("button", { type: "button", "aria-label": label("sv.close.label"), onclick: (e) => setStatus(e.currentTarget, survey, "close") }, t("sv.close")));
  }
  if (survey.status !== "draft") {
    const link = `/surveys/${survey.id}`;
    buttons.push(el("a", { href: link, "aria-label": label("sv.form-link.label") }, t("sv.form-link")));
  }
  return buttons.length ? el("div", { class: "row actions" }, buttons) : null;
}

function card(survey) {
  const headingId = `survey-${survey.id}-heading`;
  const results = state.results.get(survey.id);
  return el(
    "article",
    { class: "survey", "aria-labelledby": headingId, dataset: { survey: survey.id, status: survey.status } },
    el("h3", { id: headingId }, survey.title),
    el(
      "p",
      { class: "row" },
      el("span", { class: "badge" }, kindText(survey)),
      el("span", { class: `badge status-${survey.status}` }, t(`sv.status.${survey.status}`)),
    ),
    el("p", { class: "live", dataset: { live: survey.id } }, responseLine(survey)),
    actions(survey),
    survey.status === "closed" && results ? resultsView(results, headingId) : null,
  );
}

function renderList() {
  document.getElementById("cohort-line").textContent = state.context;
  const box = document.getElementById("survey-list");
  if (!state.surveys.length) {
    box.replaceChildren(el("p", { class: "no-data" }, t("sv.none")));
    return;
  }
  box.replaceChildren(...state.surveys.map(card));
}

async function setStatus(button, survey, action) {
  button.disabled = true;
  try {
    await api("POST", `/api/v1/surveys/${survey.id}/${action}`);
    await loadAll();
    renderList();
    listStatus.textContent = t(action === "open" ? "sv.opened" : "sv.closed", { title: survey.title });
    document.getElementById(`survey-${survey.id}-heading`)?.setAttribute("tabindex", "-1");
    document.getElementById(`survey-${survey.id}-heading`)?.focus();
  } catch (error) {
    listStatus.textContent = problemText(error);
    button.disabled = false;
  }
}

// ---- templates and the draft editor ---------------------------------------------------------

const templateForm = document.getElementById("template-form");

function syncPhase() {
  const application = templateForm.elements.kind.value === "application";
  document.getElementById("tpl-phase-field").hidden = !application;
}

async function loadTemplate(event) {
  event.preventDefault();
  formError(templateForm, "");
  const f = templateForm.elements;
  const query = new URLSearchParams({ kind: f.kind.value, lang: f.lang.value });
  if (f.kind.value === "application") query.set("phase", f.phase.value);
  try {
    const draft = await api("GET", `/api/v1/cohorts/${cohortId}/survey-template?${query}`);
    openEditor({ id: null, ...draft });
  } catch (error) {
    formError(templateForm, problemText(error));
  }
}

function openEditor(draft) {
  state.editing = {
    id: draft.id,
    kind: draft.kind,
    phase: draft.phase,
    title: draft.title,
    items: draft.items.map((i) => ({ kind: i.kind, prompt: i.prompt, instructor_id: i.instructor_id ?? null })),
  };
  editor.hidden = false;
  formError(editor, "");
  renderEditor();
  document.getElementById("editor-title").focus();
}

function editDraft(survey) {
  openEditor(survey);
}

function renderEditor() {
  const e = state.editing;
  if (!e) return;
  document.getElementById("editor-legend").textContent = t(e.id ? "sv.editor.edit" : "sv.editor.new");
  document.getElementById("editor-kind").textContent = kindText(e);
  document.getElementById("editor-title").value = e.title;
  document.getElementById("editor-items").replaceChildren(
    ...e.items.map((item, index) => {
      const n = index + 1;
      const promptId = `item-${n}-prompt`;
      const kindId = `item-${n}-kind`;
      return el(
        "li",
        { class: "item-row" },
        el("label", { for: promptId }, t("sv.item.prompt", { n })),
        el("textarea", {
          id: promptId, rows: "2", maxlength: "500", required: true,
          oninput: (ev) => { item.prompt = ev.target.value; },
        }, item.prompt),
        item.instructor_id ? el("p", { class: "muted" }, t("sv.item.about-instructor")) : null,
        el("div", { class: "row" },
          el("label", { for: kindId, class: "inline" }, t("sv.item.kind", { n })),
          el("select", { id: kindId, onchange: (ev) => { item.kind = ev.target.value; } },
            ["scale5", "text"].map((k) => el("option", { value: k, selected: item.kind === k }, t(`sv.item.kind.${k}`)))),
          el("button", { type: "button", "aria-label": t("sv.item.remove.label", { n }), onclick: () => removeItem(index) }, t("sv.item.remove")),
        ),
      );
    }),
  );
}

function removeItem(index) {
  state.editing.items.splice(index, 1);
  renderEditor();
  const next = document.getElementById(`item-${Math.min(index + 1, state.editing.items.length)}-prompt`);
  (next || document.getElementById("add-scale")).focus();
}

function addItem(kind) {
  state.editing.items.push({ kind, prompt: "", instructor_id: null });
  renderEditor();
  document.getElementById(`item-${state.editing.items.length}-prompt`).focus();
}

async function saveDraft(event) {
  event.preventDefault();
  const e = state.editing;
  e.title = document.getElementById("editor-title").value.trim();
  if (!e.title) {
    formError(editor, t("sv.error.title"));
    document.getElementById("editor-title").focus();
    return;
  }
  const empty = e.items.findIndex((i) => !i.prompt.trim());
  if (!e.items.length || empty >= 0) {
    formError(editor, t(e.items.length ? "sv.error.prompt" : "sv.error.no-items", { n: empty + 1 }));
    (document.getElementById(`item-${empty + 1}-prompt`) || document.getElementById("add-scale")).focus();
    return;
  }
  const items = e.items.map((i) => ({ kind: i.kind, prompt: i.prompt.trim(), ...(i.instructor_id ? { instructor_id: i.instructor_id } : {}) }));
  try {
    if (e.id) {
      await api("PUT", `/api/v1/surveys/${e.id}`, { title: e.title, items });
    } else {
      const body = { kind: e.kind, title: e.title, items, ...(e.phase ? { phase: e.phase } : {}) };
      await api("POST", `/api/v1/cohorts/${cohortId}/surveys`, body);
    }
  } catch (error) {
    formError(editor, problemText(error));
    return;
  }
  closeEditor();
  await loadAll();
  renderList();
  listStatus.textContent = t("sv.saved", { title: e.title });
  document.getElementById("list-heading").setAttribute("tabindex", "-1");
  document.getElementById("list-heading").focus();
}

function closeEditor() {
  state.editing = null;
  editor.hidden = true;
}

// ---- start ----------------------------------------------------------------------------------

function render() {
  renderList();
  renderEditor();
}

async function start() {
  const main = document.getElementById("admin-main");
  document.getElementById("nav-cohort").href = `/admin/cohorts/${cohortId}`;
  document.getElementById("nav-surveys").href = location.pathname;
  state.user = await startPage(["admin", "surveys"], render);
  if (!state.user) {
    main.dataset.state = "failed";
    return;
  }
  state.staff = state.user.roles.some((role) => STAFF.includes(role));
  document.getElementById("create").hidden = !state.staff;
  templateForm.elements.kind.addEventListener("change", syncPhase);
  templateForm.addEventListener("submit", loadTemplate);
  editor.addEventListener("submit", saveDraft);
  document.getElementById("editor-title").addEventListener("input", (e) => {
    if (state.editing) state.editing.title = e.target.value;
  });
  document.getElementById("add-scale").addEventListener("click", () => addItem("scale5"));
  document.getElementById("add-text").addEventListener("click", () => addItem("text"));
  document.getElementById("editor-cancel").addEventListener("click", () => {
    closeEditor();
    document.getElementById("tpl-kind").focus();
  });
  try {
    await loadAll();
  } catch (error) {
    document.getElementById("page-error").textContent = problemText(error);
    main.dataset.state = "failed";
    return;
  }
  render();
  setInterval(poll, POLL_MS);
  main.dataset.state = "ready";
}

start();
