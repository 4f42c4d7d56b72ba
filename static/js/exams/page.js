// The exams page (/admin/exams, exam officers and admins): a year's rounds with their figures,
// a round's recruitment units, a unit's candidates (each read is logged by the server) with the
// applicants' CSV import and its row errors, and a round's subjects and question errors with
// their cause analysis. Unknown figures read 자료 없음, never 0 or 0%.

import { ApiError, api } from "/static/js/api.js";
import { language, t } from "/static/js/i18n.js";
import { day, el, headerRow, problemText, seoulToday, startPage, tableBox } from "/static/js/admin/page.js";

const state = { year: null, rounds: null, round: null, units: null, unit: null,
  candidates: null, subjects: null, errors: null, rowErrors: null };
const byId = (id) => document.getElementById(id);
const NO_DATA = () => t("admin.no-data");

function count(value) {
  if (value === null || value === undefined) return NO_DATA();
  return new Intl.NumberFormat(language() === "ko" ? "ko-KR" : "en-GB").format(value);
}

function rate(value) {
  if (value === null || value === undefined) return NO_DATA();
  return `${Number(value).toFixed(1)}%`;
}

const ratio = (value) => (value === null || value === undefined ? NO_DATA() : `${value}:1`);
const num = (text) => el("td", { class: `num${text === NO_DATA() ? " no-data" : ""}` }, text);
const yesNo = (v) => (v === null || v === undefined ? NO_DATA() : t(v ? "exams.yes" : "exams.no"));

function figureCells(f) {
  if (!f) return Array.from({ length: 8 }, () => num(NO_DATA()));
  return [num(count(f.planned)), num(count(f.applicants)), num(ratio(f.competition)),
    num(rate(f.sitting_rate)), num(count(f.written_passed)), num(count(f.final_passed)),
    num(rate(f.quota_fill)), num(rate(f.residence_share))];
}
const FIGURE_COLS = ["exams.col.planned", "exams.col.applicants", "exams.col.competition",
  "exams.col.sitting-rate", "exams.col.written", "exams.col.final", "exams.col.quota-fill",
  "exams.col.residence-share"];

function table(id, caption, cols, rows) {
  return tableBox(id, el("table", {}, el("caption", { id }, caption),
    el("thead", {}, headerRow(cols)), el("tbody", {}, rows)));
}

// ---- rounds and units ---------------------------------------------------------------------------

function renderRounds() {
  if (!state.rounds) return;
  byId("rounds-status").textContent = state.rounds.length
    ? t("exams.rounds.found", { year: state.year, count: state.rounds.length })
    : t("exams.rounds.none", { year: state.year });
  if (!state.rounds.length) return byId("rounds-table").replaceChildren();
  const rows = state.rounds.map((r) => el("tr", { dataset: { round: r.id } },
    el("th", { scope: "row" }, el("button", { type: "button", class: "link-button",
      "aria-pressed": String(state.round === r.id), onclick: () => chooseRound(r.id) }, r.name)),
    el("td", {}, t(`exams.kind.${r.kind}`)),
    el("td", {}, r.held_on ? day(r.held_on) : NO_DATA()),
    num(count(r.units)), ...figureCells(r.figures)));
  byId("rounds-table").replaceChildren(table("rounds-caption",
    t("exams.rounds.caption", { year: state.year }),
    ["exams.col.round", "exams.col.kind", "exams.col.date", "exams.col.units", ...FIGURE_COLS],
    rows));
}

function renderUnits() {
  if (!state.units) return;
  byId("units-status").textContent = t("exams.units.found", { count: state.units.length });
  const rows = state.units.map((u) => el("tr", { dataset: { unit: u.id } },
    el("th", { scope: "row" }, el("button", { type: "button", class: "link-button",
      "aria-pressed": String(state.unit === u.id), onclick: () => chooseUnit(u.id) },
      `${u.job_series} ${u.grade} (${u.code})`)),
    num(count(u.candidates)), ...figureCells(u.figures)));
  byId("units-table").replaceChildren(table("units-caption", t("exams.units.caption"),
    ["exams.col.unit", "exams.col.candidates", ...FIGURE_COLS], rows));
}

async function showRounds() {
  const form = byId("year-form");
  const year = Number(form.elements.year.value);
  const box = form.querySelector(".form-error");
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    box.textContent = t("exams.error.year");
    form.elements.year.focus();
    return;
  }
  box.textContent = "";
  state.year = year;
  byId("rounds-csv").href = `/api/v1/reports/exam-rounds?year=${year}&format=csv`;
  byId("errors-csv").href = `/api/v1/reports/question-errors?year=${year}&format=csv`;
  try {
    state.rounds = await api("GET", `/api/v1/exams/rounds?year=${year}`);
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  renderRounds();
}

async function chooseRound(id) {
  state.round = id;
  state.unit = null;
  state.candidates = null;
  try {
    [state.units, state.subjects, state.errors] = await Promise.all([
      api("GET", `/api/v1/exams/rounds/${id}/units`),
      api("GET", `/api/v1/exams/rounds/${id}/subjects`),
      api("GET", `/api/v1/exams/rounds/${id}/errors`),
    ]);
  } catch (error) {
    byId("page-error").textContent = problemText(error);
    return;
  }
  renderAll();
  byId("units").focus();
}

// ---- candidates -----------------------------------------------------------------------------------

async function chooseUnit(id) {
  state.unit = id;
  state.rowErrors = null;
  try {
    state.candidates = await api("GET", `/api/v1/exams/units/${id}/candidates`);
  } catch (error) {
    byId("page-error").textContent = problemText(error);
    return;
  }
  renderAll();
  byId("candidates").focus();
}

function renderCandidates() {
  byId("import-form").hidden = state.unit === null;
  const errorsBox = byId("import-errors");
  if (state.rowErrors) {
    errorsBox.replaceChildren(table("import-errors-caption", t("exams.import.rejected"),
      ["exams.col.line", "exams.col.field", "exams.col.message"],
      state.rowErrors.map((e) => el("tr", {}, el("td", { class: "num" }, String(e.row)),
        el("td", {}, e.field || ""), el("td", {}, e.message)))));
  } else errorsBox.replaceChildren();
  if (!state.candidates) return byId("candidates-table").replaceChildren();
  byId("candidates-status").textContent = t("exams.candidates.found",
    { count: state.candidates.length });
  const rows = state.candidates.map((c) => el("tr", {},
    el("th", { scope: "row" }, c.exam_no), el("td", {}, c.name), el("td", {}, c.residence),
    el("td", {}, yesNo(c.sat)), el("td", {}, yesNo(c.written_passed)),
    el("td", {}, yesNo(c.interviewed)), el("td", {}, yesNo(c.final_passed))));
  byId("candidates-table").replaceChildren(table("candidates-caption",
    t("exams.candidates.caption"), ["exams.col.exam-no", "exams.col.name", "exams.col.residence",
      "exams.col.sat", "exams.col.written", "exams.col.interview", "exams.col.final"], rows));
}

async function importCandidates(form) {
  const box = form.querySelector(".form-error");
  const file = form.elements.file.files[0];
  const text = file ? await file.text() : form.elements.csv.value;
  if (!text.trim()) {
    box.textContent = t("exams.import.empty");
    return;
  }
  box.textContent = "";
  state.rowErrors = null;
  try {
    const unit = state.unit;
    const done = await api("POST", `/api/v1/exams/units/${unit}/candidates/import`,
      { csv: text });
    form.reset();
    await chooseRound(state.round); // the unit's figures now come from its candidates
    await chooseUnit(unit);
    byId("candidates-status").textContent = t("exams.import.done", { count: done.imported });
  } catch (error) {
    if (error instanceof ApiError && error.type === "exam-import-rejected") {
      state.rowErrors = error.problem.rows;
      box.textContent = t("exams.import.rejected");
    } else box.textContent = problemText(error);
    renderCandidates();
  }
}

// ---- question errors ------------------------------------------------------------------------------

function renderErrors() {
  if (!state.subjects) return;
  const questions = state.subjects.reduce((n, s) => n + s.questions, 0);
  const errors = state.subjects.reduce((n, s) => n + s.errors, 0);
  byId("errors-status").textContent = state.subjects.length
    ? t("exams.errors.found", { subjects: state.subjects.length, questions, errors,
      rate: (errors * 100 / questions).toFixed(2) })
    : t("exams.errors.none");
  byId("subjects-table").replaceChildren();
  byId("errors-table").replaceChildren(state.errors.length ? table("errors-caption",
    t("exams.errors.caption"), ["exams.col.subject", "exams.col.question", "exams.col.description",
      "exams.col.cause", "exams.col.action", "exams.col.reported"],
    state.errors.map((e) => el("tr", {}, el("th", { scope: "row" }, e.subject),
      el("td", { class: "num" }, String(e.question_no)), el("td", {}, e.description),
      el("td", {}, e.cause), el("td", {}, e.action || ""), el("td", {}, day(e.reported_on)))))
    : "");
}

function renderAll() {
  renderRounds();
  renderUnits();
  renderCandidates();
  renderErrors();
}

async function start() {
  const main = byId("admin-main");
  const user = await startPage(["admin", "exams"], renderAll);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  const form = byId("year-form");
  form.elements.year.value = seoulToday().slice(0, 4);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    showRounds();
  });
  byId("import-form").addEventListener("submit", (e) => {
    e.preventDefault();
    importCandidates(e.currentTarget);
  });
  await showRounds();
  main.dataset.state = "ready";
}

start();
