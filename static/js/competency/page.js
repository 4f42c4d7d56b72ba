// The competency-assessment page (/admin/exams/competency, exam officers and admins): the
// rounds for grade 4/5 promotion (create one with its prep cohort), a round's candidates
// (found by name or log-in) and assessors, the score grid (each candidate a table: the grade's
// competencies × the assessors, every cell saved on its own with its own error), and the
// results with pass/fail explained and the prep course's attendance beside each candidate.
// A competency nobody has scored reads 자료 없음, and a prep course with no class held yet
// says so: neither is 0.

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import { day, el, everything, problemText, seoulToday, startPage, tableBox } from "/static/js/admin/page.js";

const state = { rounds: null, cohorts: new Map(), round: null, sheet: null, results: null,
  found: null, cells: new Map() };
const byId = (id) => document.getElementById(id);
const NO_DATA = () => t("admin.no-data");
const compName = (code) => t(`comp.c.${code}`);
const mark = (value) => (value === null || value === undefined ? NO_DATA() : Number(value).toFixed(2));

function table(id, caption, cols, rows, foot) {
  return tableBox(id, el("table", {}, el("caption", { id }, caption),
    el("thead", {}, el("tr", {}, cols.map((c) => el("th", { scope: "col" }, c)))),
    el("tbody", {}, rows), foot || null));
}

function cohortName(id) {
  if (id === null || id === undefined) return t("comp.prep.none");
  const c = state.cohorts.get(id);
  return c ? `${c.course_title} ${c.name}` : t("comp.prep.cohort", { id });
}

// ---- rounds ---------------------------------------------------------------------------------------

async function loadCohorts(years) {
  const wanted = [...new Set(years)].filter((y) => ![...state.cohorts.values()].some(
    (c) => c.year === y));
  for (const year of wanted) {
    for (const c of await everything("/api/v1/cohorts", { year: String(year) })) {
      state.cohorts.set(c.id, c);
    }
  }
}

function renderPrepOptions() {
  const select = byId("round-prep");
  const chosen = select.value;
  const year = Number((byId("round-date").value || seoulToday()).slice(0, 4));
  const options = [...state.cohorts.values()]
    .filter((c) => c.year === year && c.status !== "cancelled")
    .sort((a, b) => a.starts_on.localeCompare(b.starts_on) || a.id - b.id)
    .map((c) => el("option", { value: String(c.id) },
      `${c.course_title} ${c.name} (${day(c.starts_on)})`));
  select.replaceChildren(el("option", { value: "" }, t("comp.prep.none")), ...options);
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

function renderRounds() {
  if (!state.rounds) return;
  byId("rounds-status").textContent = state.rounds.length
    ? t("comp.rounds.found", { count: state.rounds.length }) : t("comp.rounds.none");
  byId("rounds-table").replaceChildren(state.rounds.length ? table("rounds-caption",
    t("comp.rounds.caption"), [t("comp.col.round"), t("comp.col.grade"), t("comp.col.date"),
      t("comp.col.pass-mark"), t("comp.col.prep")],
    state.rounds.map((r) => el("tr", { dataset: { round: r.id } },
      el("th", { scope: "row" }, el("button", { type: "button", class: "link-button",
        "aria-pressed": String(state.round === r.id), onclick: () => chooseRound(r.id) }, r.name)),
      el("td", {}, t(`comp.grade.${r.grade}`)), el("td", {}, day(r.held_on)),
      el("td", { class: "num" }, mark(r.pass_mark)), el("td", {}, cohortName(r.prep_cohort_id)))))
    : "");
  renderPrepOptions();
}

async function loadRounds() {
  state.rounds = await api("GET", "/api/v1/exams/competency/rounds");
  await loadCohorts([Number(seoulToday().slice(0, 4)),
    ...state.rounds.map((r) => Number(r.held_on.slice(0, 4)))]);
  renderRounds();
}

async function createRound(form) {
  const box = form.querySelector(".form-error");
  const data = new FormData(form);
  const name = String(data.get("name")).trim();
  const mark = String(data.get("pass_mark")).trim();
  const problem = !name ? ["comp.error.name", "name"]
    : !data.get("held_on") ? ["comp.error.date", "held_on"]
      : !/^\d(\.\d{1,2})?$/.test(mark) || Number(mark) < 1 || Number(mark) > 5
        ? ["comp.error.pass-mark", "pass_mark"] : null;
  if (problem) {
    box.textContent = t(problem[0]);
    form.elements[problem[1]].focus();
    return;
  }
  box.textContent = "";
  const prep = data.get("prep_cohort_id");
  try {
    const made = await api("POST", "/api/v1/exams/competency/rounds", {
      name, grade: Number(data.get("grade")), held_on: data.get("held_on"), pass_mark: mark,
      prep_cohort_id: prep ? Number(prep) : null });
    form.reset();
    await loadRounds();
    await chooseRound(made.id);
  } catch (error) {
    box.textContent = problemText(error);
  }
}

// ---- one round: people, grid, results ------------------------------------------------------------

async function chooseRound(id) {
  state.round = id;
  state.found = null;
  try {
    [state.sheet, state.results] = await Promise.all([
      api("GET", `/api/v1/exams/competency/rounds/${id}/sheet`),
      api("GET", `/api/v1/exams/competency/rounds/${id}/results`),
    ]);
  } catch (error) {
    byId("page-error").textContent = problemText(error);
    return;
  }
  state.cells = new Map();
  renderRounds();
  renderRound();
  byId("round").focus();
}

async function refreshRound() {
  const id = state.round;
  [state.sheet, state.results] = await Promise.all([
    api("GET", `/api/v1/exams/competency/rounds/${id}/sheet`),
    api("GET", `/api/v1/exams/competency/rounds/${id}/results`),
  ]);
  renderRound();
}

function renderRound() {
  const box = byId("round");
  if (!state.sheet) {
    box.hidden = true;
    return;
  }
  const r = state.sheet.round;
  box.hidden = false;
  byId("round-heading").textContent = r.name;
  byId("round-facts").textContent = t("comp.round.facts", { grade: t(`comp.grade.${r.grade}`),
    date: day(r.held_on), mark: mark(r.pass_mark), prep: cohortName(r.prep_cohort_id) });
  byId("people-summary").textContent = t("comp.people.summary", {
    candidates: state.sheet.candidates.length, assessors: state.sheet.assessors.length,
    names: state.sheet.assessors.map((a) => a.name).join(", ") || "—" });
  renderFound();
  renderGrid();
  renderResults();
}

async function findPeople(form) {
  const box = form.querySelector(".form-error");
  const q = form.elements.q.value.trim();
  if (!q) {
    box.textContent = t("comp.error.find");
    form.elements.q.focus();
    return;
  }
  box.textContent = "";
  try {
    state.found = await api("GET", `/api/v1/exams/competency/people?${new URLSearchParams({ q })}`);
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  renderFound();
}

function renderFound() {
  const list = byId("people-found");
  const status = byId("people-status");
  if (!state.found) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  const taken = new Set(state.sheet.candidates.map((c) => c.user_id));
  status.textContent = state.found.length
    ? t("comp.candidates.found", { count: state.found.length }) : t("comp.candidates.none");
  list.replaceChildren(...state.found.map((p) => el("li", { class: "row" },
    el("span", {}, `${p.name} (${p.login})${p.org_unit ? ` · ${p.org_unit}` : ""}${p.grade ? ` · ${p.grade}` : ""}`),
    taken.has(p.id) ? el("span", { class: "badge" }, t("comp.candidates.already"))
      : el("button", { type: "button", "aria-label": t("comp.candidates.add-one", { name: p.name }),
        onclick: (e) => addCandidate(p, e.currentTarget) }, t("comp.candidates.add-button")))));
}

async function addCandidate(person, button) {
  const box = byId("people-form").querySelector(".form-error");
  button.disabled = true;
  try {
    await api("POST", `/api/v1/exams/competency/rounds/${state.round}/candidates`,
      { user_id: person.id, org_unit: person.org_unit });
    box.textContent = "";
    await refreshRound();
    byId("people-status").textContent = t("comp.candidates.added", { name: person.name });
  } catch (error) {
    box.textContent = problemText(error);
    button.disabled = false;
  }
}

async function addAssessor(form) {
  const box = form.querySelector(".form-error");
  const name = form.elements.name.value.trim();
  if (!name) {
    box.textContent = t("comp.error.assessor");
    form.elements.name.focus();
    return;
  }
  box.textContent = "";
  try {
    await api("POST", `/api/v1/exams/competency/rounds/${state.round}/assessors`, { name });
    form.reset();
    await refreshRound();
  } catch (error) {
    box.textContent = problemText(error);
  }
}

// ---- the score grid -------------------------------------------------------------------------------

const cellKey = (cand, assessor, comp) => `${cand}:${assessor}:${comp}`;

/** What is wrong with a typed score, or null: 1.0 to 5.0 in half points. */
function scoreProblem(input) {
  if (input.validity.badInput) return "comp.error.score";
  const value = Number(input.value);
  if (!input.value || !Number.isFinite(value) || value < 1 || value > 5 || (value * 2) % 1 !== 0)
    return "comp.error.score";
  return null;
}

async function saveCell(input, cand, assessor, comp) {
  const key = cellKey(cand.id, assessor.id, comp);
  const what = t("comp.grid.cell", { name: cand.name, competency: compName(comp),
    assessor: assessor.name });
  const problem = scoreProblem(input);
  if (problem) {
    state.cells.set(key, { value: input.value, error: t(problem) });
    byId("grid-status").textContent = t("comp.grid.not-saved", { what, why: t(problem) });
    markCell(input, key);
    return;
  }
  try {
    await api("PUT", `/api/v1/exams/competency/rounds/${state.round}/scores`, {
      candidate_id: cand.id, assessor_id: assessor.id, competency: comp,
      score: Number(input.value).toFixed(1) });
  } catch (error) {
    state.cells.set(key, { value: input.value, error: problemText(error) });
    byId("grid-status").textContent = t("comp.grid.not-saved", { what, why: problemText(error) });
    markCell(input, key);
    return;
  }
  state.cells.set(key, { saved: true });
  const focused = document.activeElement?.id; // where the person went on to (Tab, a click)
  await refreshRound();
  byId("grid-status").textContent = t("comp.grid.saved", { what,
    score: Number(input.value).toFixed(1) });
  byId(focused)?.focus();
}

function markCell(input, key) {
  const cell = state.cells.get(key);
  const note = input.nextElementSibling;
  input.setAttribute("aria-invalid", cell?.error ? "true" : "false");
  input.closest("td").dataset.state = cell?.error ? "error" : cell?.saved ? "saved" : "";
  note.textContent = cell?.error || (cell?.saved ? t("comp.grid.saved-short") : "");
}

function renderGrid() {
  const { round, candidates, assessors, scores } = state.sheet;
  const status = byId("grid-status");
  if (!candidates.length || !assessors.length) {
    status.textContent = t("comp.grid.empty");
    byId("grid").replaceChildren();
    return;
  }
  const given = new Map(scores.map((s) => [cellKey(s.candidate_id, s.assessor_id, s.competency),
    s.score]));
  const results = new Map((state.results || []).map((r) => [r.candidate_id, r]));
  byId("grid").replaceChildren(...candidates.map((cand) => {
    const result = results.get(cand.id);
    const means = new Map((result?.competencies || []).map((c) => [c.competency, c.mean]));
    const caption = `grid-${cand.id}-caption`;
    const rows = round.competencies.map((comp) => el("tr", { dataset: { competency: comp } },
      el("th", { scope: "row" }, compName(comp)),
      assessors.map((a) => {
        const key = cellKey(cand.id, a.id, comp);
        const id = `score-${cand.id}-${a.id}-${comp}`;
        const pending = state.cells.get(key);
        const input = el("input", { id, type: "number", min: "1", max: "5", step: "0.5",
          inputmode: "decimal", class: "score",
          "aria-label": t("comp.grid.cell", { name: cand.name, competency: compName(comp),
            assessor: a.name }),
          "aria-describedby": `${id}-note` });
        input.value = pending?.error ? pending.value
          : given.has(key) ? Number(given.get(key)).toFixed(1) : "";
        input.addEventListener("change", () => saveCell(input, cand, a, comp));
        const td = el("td", {}, input, el("span", { id: `${id}-note`, class: "cell-note" }));
        markCell(input, key);
        return td;
      }),
      el("td", { class: `num${means.get(comp) == null ? " no-data" : ""}` },
        mark(means.get(comp)))));
    return el("div", { class: "grid-candidate", dataset: { candidate: cand.id } },
      table(caption, t("comp.grid.caption", { name: cand.name, login: cand.login }),
        [t("comp.col.competency"), ...assessors.map((a) => a.name), t("comp.col.mean")], rows));
  }));
}

// ---- results --------------------------------------------------------------------------------------

function explain(result, round) {
  if (result.outcome === "incomplete") {
    const missing = result.competencies.filter((c) => c.mean === null).map((c) => compName(c.competency));
    return t("comp.outcome.incomplete", { missing: missing.join(", ") });
  }
  const vars = { overall: mark(result.overall), mark: mark(round.pass_mark) };
  return t(`comp.outcome.${result.outcome}`, vars);
}

function prepText(prep) {
  if (!prep) return [t("comp.prep.none"), true];
  if (prep.sessions_held === 0) return [t("comp.prep.not-held"), true];
  return [t("comp.prep.attended", { attended: prep.sessions_attended, held: prep.sessions_held }),
    false];
}

function renderResults() {
  const round = state.sheet.round;
  const names = new Map(state.sheet.candidates.map((c) => [c.id, c]));
  if (!state.results.length) {
    byId("results-table").replaceChildren(el("p", { class: "status" }, t("comp.results.none")));
    return;
  }
  const rows = state.results.map((r) => {
    const who = names.get(r.candidate_id);
    const [prep, unknown] = prepText(r.prep);
    return el("tr", { dataset: { candidate: r.candidate_id, outcome: r.outcome } },
      el("th", { scope: "row" }, who ? `${who.name} (${who.login})` : String(r.user_id)),
      el("td", {}, r.org_unit || ""),
      r.competencies.map((c) => el("td", { class: `num${c.mean === null ? " no-data" : ""}` },
        mark(c.mean))),
      el("td", { class: `num${r.overall === null ? " no-data" : ""}` }, mark(r.overall)),
      el("td", { class: "outcome" }, el("strong", {}, t(`comp.result.${r.outcome}`)), " ",
        explain(r, round)),
      el("td", { class: `prep${unknown ? " no-data" : ""}` }, prep));
  });
  byId("results-table").replaceChildren(table("results-caption", t("comp.results.caption"),
    [t("comp.col.candidate"), t("comp.col.org"), ...round.competencies.map(compName),
      t("comp.col.overall"), t("comp.col.outcome"), t("comp.col.prep-attendance")], rows));
}

function renderAll() {
  renderRounds();
  if (state.sheet) renderRound();
}

async function start() {
  const main = byId("admin-main");
  const user = await startPage(["admin", "competency"], renderAll);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  byId("round-date").addEventListener("change", async () => {
    const year = Number((byId("round-date").value || seoulToday()).slice(0, 4));
    try {
      await loadCohorts([year]);
    } catch (error) {
      byId("round-form").querySelector(".form-error").textContent = problemText(error);
    }
    renderPrepOptions();
  });
  const on = (id, handler) => byId(id).addEventListener("submit", (e) => {
    e.preventDefault();
    handler(e.currentTarget);
  });
  on("round-form", createRound);
  on("people-form", findPeople);
  on("assessor-form", addAssessor);
  try {
    await loadRounds();
  } catch (error) {
    byId("page-error").textContent = problemText(error);
    main.dataset.state = "failed";
    return;
  }
  main.dataset.state = "ready";
}

start();
