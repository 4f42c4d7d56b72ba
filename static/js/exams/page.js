// The exams page (/admin/exams, exam officers and admins): a year's rounds with their figures,
// a round's recruitment units, a unit's candidates (each read is logged by the server) with the
// applicants' CSV import and its row errors, and a round's subjects and question errors with
// their cause analysis. Unknown figures read 자료 없음, never 0 or 0%. A career/specialist
// unit shows its pipeline (documents → job-task report → group discussion → interview: each
// stage's schedule, set or moved here, and each candidate's score and pass at each stage,
// entered here); a round's final passes are enrolled in the new-recruit course's next cohort
// in one operation, confirmed first, its result said (how many, which cohort, who already was).
// New records are made here too: a round (then listed and chosen), a unit of the chosen round
// (quotas left empty stay unknown, never 0), a subject and a question error (the error-rate
// figures are read again from the server).

import { ApiError, api } from "/static/js/api.js";
import { formatTime, language, t } from "/static/js/i18n.js";
import { day, el, everything, headerRow, problemText, seoulToday, startPage, tableBox } from "/static/js/admin/page.js";

const state = { year: null, rounds: null, round: null, units: null, unit: null,
  candidates: null, subjects: null, errors: null, rowErrors: null, pipeline: null,
  courses: null, enrolled: null };
const STAGES = ["documents", "job_task_report", "group_discussion", "interview"];
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
  byId("unit-form").hidden = state.round === null;
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
  state.pipeline = null;
  if (state.enrolled?.round !== id) state.enrolled = null;
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
  state.pipeline = null;
  try {
    state.candidates = await api("GET", `/api/v1/exams/units/${id}/candidates`);
    if (hasPipeline()) state.pipeline = await api("GET", `/api/v1/exams/units/${id}/pipeline`);
  } catch (error) {
    byId("page-error").textContent = problemText(error);
    return;
  }
  renderAll();
  if (state.pipeline) fillSchedule();
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

/** A CSV file's text: UTF-8 (a BOM is dropped), else EUC-KR/CP949 as Excel saves Korean CSV;
 * null when it is neither (a spreadsheet or some other binary file). */
async function readCsv(file) {
  const bytes = await file.arrayBuffer();
  for (const encoding of ["utf-8", "euc-kr"]) {
    try {
      const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
      if (!text.includes("\0")) return text;
    } catch {
      // not this encoding: try the next
    }
  }
  return null;
}

async function importCandidates(form) {
  const box = form.querySelector(".form-error");
  const file = form.elements.file.files[0];
  const text = file ? await readCsv(file) : form.elements.csv.value;
  if (text === null) {
    box.textContent = t("exams.import.unreadable", { name: file.name });
    return;
  }
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

function renderErrors(note = "") {
  byId("subject-form").hidden = state.round === null;
  byId("error-form").hidden = !state.subjects?.length;
  if (!state.subjects) return;
  const questions = state.subjects.reduce((n, s) => n + s.questions, 0);
  const errors = state.subjects.reduce((n, s) => n + s.errors, 0);
  byId("errors-status").textContent = state.subjects.length
    ? t("exams.errors.found", { subjects: state.subjects.length, questions, errors,
      rate: (errors * 100 / questions).toFixed(2) })
    : t("exams.errors.none");
  if (note) byId("errors-status").textContent = `${note} ${byId("errors-status").textContent}`;
  byId("subjects-table").replaceChildren(state.subjects.length ? table("subjects-caption",
    t("exams.subjects.caption"), ["exams.col.subject", "exams.subject.questions",
      "exams.col.errors", "exams.col.error-rate"],
    state.subjects.map((s) => el("tr", { dataset: { subject: s.id } },
      el("th", { scope: "row" }, s.name), num(count(s.questions)), num(count(s.errors)),
      num(`${(s.errors * 100 / s.questions).toFixed(2)}%`)))) : "");
  const select = byId("error-subject");
  const chosen = select.value;
  select.replaceChildren(...state.subjects.map((s) => el("option", { value: String(s.id) },
    s.name)));
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  byId("errors-table").replaceChildren(state.errors.length ? table("errors-caption",
    t("exams.errors.caption"), ["exams.col.subject", "exams.col.question", "exams.col.description",
      "exams.col.cause", "exams.col.action", "exams.col.reported"],
    state.errors.map((e) => el("tr", {}, el("th", { scope: "row" }, e.subject),
      el("td", { class: "num" }, String(e.question_no)), el("td", {}, e.description),
      el("td", {}, e.cause), el("td", {}, e.action || ""), el("td", {}, day(e.reported_on)))))
    : "");
}

// ---- the specialist pipeline ---------------------------------------------------------------------

const chosenRound = () => state.rounds?.find((r) => r.id === state.round) || null;
const hasPipeline = () => state.unit !== null && chosenRound()?.kind !== "open";
const stageName = (stage) => t(`exams.stage.${stage}`);

/** An aware ISO time as the value of a datetime-local input, in Seoul. */
function seoulLocal(iso) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .formatToParts(new Date(iso));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}`;
}

function renderPipeline() {
  const status = byId("pipeline-status");
  const p = state.pipeline;
  byId("schedule-form").hidden = !p;
  byId("score-form").hidden = !p || !p.candidates.length;
  if (!p) {
    byId("schedule-table").replaceChildren();
    byId("stage-scores-table").replaceChildren();
    status.textContent = state.unit !== null && !hasPipeline()
      ? t("exams.pipeline.open") : t("exams.pipeline.hint");
    return;
  }
  status.textContent = t("exams.pipeline.found", { count: p.candidates.length });
  const held = new Map(p.schedule.map((s) => [s.stage, s]));
  byId("schedule-table").replaceChildren(table("schedule-caption", t("exams.schedule.caption"),
    ["exams.col.stage", "exams.schedule.starts", "exams.schedule.ends", "exams.schedule.place"],
    p.stages.map((stage) => {
      const s = held.get(stage);
      return el("tr", { dataset: { stage } }, el("th", { scope: "row" }, stageName(stage)),
        s ? [el("td", {}, formatTime(s.starts_at)), el("td", {}, formatTime(s.ends_at)),
          el("td", {}, s.place || "")]
          : el("td", { colspan: "3", class: "no-data" }, t("exams.schedule.none")));
    })));
  const stageSelect = byId("schedule-stage");
  const chosenStage = stageSelect.value || p.stages[0];
  stageSelect.replaceChildren(...p.stages.map((st) => el("option", { value: st }, stageName(st))));
  stageSelect.value = chosenStage;
  byId("stage-scores-table").replaceChildren(p.candidates.length ? table("stage-scores-caption",
    t("exams.score.caption"), ["exams.col.exam-no", "exams.col.name",
      ...p.stages.map((st) => `exams.stage.${st}`)],
    p.candidates.map((c) => {
      const mine = new Map(c.scores.map((s) => [s.stage, s]));
      return el("tr", { dataset: { candidate: c.candidate_id } },
        el("th", { scope: "row" }, c.exam_no), el("td", {}, c.name),
        p.stages.map((st) => {
          const s = mine.get(st);
          return el("td", { dataset: { stage: st } }, s
            ? t("exams.score.cell", { score: Number(s.score).toFixed(2),
              outcome: t(s.passed ? "exams.score.pass" : "exams.score.fail") }) : "—");
        }));
    })) : el("p", { class: "status" }, t("exams.pipeline.no-candidates")));
  const candSelect = byId("score-candidate");
  const chosenCand = candSelect.value;
  candSelect.replaceChildren(...p.candidates.map((c) => el("option",
    { value: String(c.candidate_id) }, `${c.exam_no} ${c.name}`)));
  if ([...candSelect.options].some((o) => o.value === chosenCand)) candSelect.value = chosenCand;
  const scoreStage = byId("score-stage");
  const keep = scoreStage.value;
  scoreStage.replaceChildren(...p.stages.map((st) => el("option", { value: st }, stageName(st))));
  scoreStage.value = keep || nextStage();
}

/** The stage the chosen candidate would be scored at next (their first unscored one). */
function nextStage() {
  const id = Number(byId("score-candidate").value);
  const c = state.pipeline?.candidates.find((x) => x.candidate_id === id);
  const done = new Set((c?.scores || []).map((s) => s.stage));
  return STAGES.find((st) => !done.has(st)) || STAGES[STAGES.length - 1];
}

function fillSchedule() {
  const s = state.pipeline?.schedule.find((x) => x.stage === byId("schedule-stage").value);
  const form = byId("schedule-form");
  form.elements.starts_at.value = s ? seoulLocal(s.starts_at) : "";
  form.elements.ends_at.value = s ? seoulLocal(s.ends_at) : "";
  form.elements.place.value = s?.place || "";
}

async function saveSchedule(form) {
  const box = form.querySelector(".form-error");
  const { stage, starts_at: starts, ends_at: ends, place } = form.elements;
  if (!starts.value || !ends.value) {
    box.textContent = t("exams.schedule.error.times");
    (starts.value ? ends : starts).focus();
    return;
  }
  if (ends.value <= starts.value) {
    box.textContent = t("exams.schedule.error.order");
    ends.focus();
    return;
  }
  box.textContent = "";
  try {
    await api("POST", `/api/v1/exams/units/${state.unit}/stages`, { stage: stage.value,
      starts_at: `${starts.value}:00+09:00`, ends_at: `${ends.value}:00+09:00`,
      place: place.value.trim() || null });
    state.pipeline = await api("GET", `/api/v1/exams/units/${state.unit}/pipeline`);
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  renderPipeline();
  byId("pipeline-status").textContent = t("exams.schedule.saved", { stage: stageName(stage.value) });
}

async function saveScore(form) {
  const box = form.querySelector(".form-error");
  const { candidate, stage, score, passed, note } = form.elements;
  const value = Number(score.value);
  if (!score.value || score.validity.badInput || !(value >= 0 && value <= 100)
      || Math.round(value * 100) !== value * 100) {
    box.textContent = t("exams.score.error");
    score.focus();
    return;
  }
  box.textContent = "";
  try {
    await api("POST", `/api/v1/exams/candidates/${candidate.value}/scores`, { stage: stage.value,
      score: value.toFixed(2), passed: passed.checked, note: note.value.trim() || null });
    state.pipeline = await api("GET", `/api/v1/exams/units/${state.unit}/pipeline`);
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  const who = candidate.options[candidate.selectedIndex].textContent;
  const at = stageName(stage.value);
  score.value = "";
  note.value = "";
  passed.checked = false;
  stage.value = "";
  renderPipeline();
  byId("pipeline-status").textContent = t("exams.score.saved", { who, stage: at });
}

// ---- successful candidates into the new-recruit course ------------------------------------------

function renderEnrol() {
  const form = byId("enrol-form");
  form.hidden = state.round === null;
  const select = byId("enrol-course");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, t(state.courses === null
    ? "exams.enrol.find-first" : state.courses.length ? "exams.enrol.choose" : "exams.enrol.no-course")),
  ...(state.courses || []).map((c) => el("option", { value: String(c.id) },
    `${c.title} (${c.code})`)));
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  const box = byId("enrol-result");
  const done = state.enrolled?.round === state.round ? state.enrolled : null;
  box.hidden = !done;
  if (!done) return box.replaceChildren();
  const r = done.result;
  const none = t("exams.enrol.nobody");
  box.replaceChildren(
    el("p", {}, el("strong", {}, t("exams.enrol.done", { count: r.approved.length,
      cohort: done.cohort }))),
    el("p", {}, t("exams.enrol.waitlisted", { count: r.waitlisted.length,
      logins: r.waitlisted.join(", ") || none })),
    el("p", {}, t("exams.enrol.unchanged", { count: r.unchanged.length,
      logins: r.unchanged.join(", ") || none })),
    el("p", {}, t("exams.enrol.accounts", { count: r.accounts_created })));
}

async function findCourses() {
  const form = byId("enrol-form");
  const box = form.querySelector(".form-error");
  const params = { limit: "50", q: form.elements.q.value.trim() };
  const r = chosenRound();
  if (r) params.year = String(r.year);
  if (!params.q) delete params.q;
  try {
    state.courses = (await api("GET", `/api/v1/courses?${new URLSearchParams(params)}`)).items;
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  box.textContent = "";
  renderEnrol();
  byId("enrol-status").textContent = t("exams.enrol.courses", { count: state.courses.length });
  if (state.courses.length === 1) byId("enrol-course").value = String(state.courses[0].id);
}

async function enrolSuccessful(form) {
  const box = form.querySelector(".form-error");
  const select = form.elements.course;
  if (!select.value) {
    box.textContent = t("exams.enrol.error.course");
    select.focus();
    return;
  }
  box.textContent = "";
  const round = chosenRound();
  const course = select.options[select.selectedIndex].textContent;
  const dialog = byId("enrol-confirm");
  byId("enrol-confirm-text").textContent = t("exams.enrol.confirm-text",
    { round: round?.name || "", course });
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  if (dialog.returnValue !== "yes") {
    byId("enrol-status").textContent = t("exams.enrol.cancelled");
    return;
  }
  const roundId = state.round;
  try {
    const result = await api("POST", `/api/v1/exams/rounds/${roundId}/enrolments`,
      { course_id: Number(select.value) });
    const cohorts = await everything("/api/v1/cohorts", { course_id: select.value });
    const c = cohorts.find((x) => x.id === result.cohort_id);
    state.enrolled = { round: roundId, result,
      cohort: c ? `${c.course_title} ${c.name} (${day(c.starts_on)})` : `#${result.cohort_id}` };
  } catch (error) {
    box.textContent = error instanceof ApiError && error.type === "no-next-cohort"
      ? t("exams.enrol.error.no-cohort", { course }) : problemText(error);
    return;
  }
  renderEnrol();
  byId("enrol-status").textContent = t("exams.enrol.status", { round: round?.name || "" });
  byId("enrol-result").focus?.();
}

// ---- new records: a round, a unit, a subject, a question error ----------------------------------

/** The whole number typed in `input` if within [min, max]; null when empty; NaN when wrong. */
function whole(input, min, max) {
  if (input.validity.badInput) return Number.NaN;
  const text = input.value.trim();
  if (!text) return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= min && n <= max ? n : Number.NaN;
}

/** Says what is wrong with one field (in the form's alert) and puts the cursor there. */
function refuse(box, input, key) {
  box.textContent = t(key);
  input.focus();
}

async function createRound(form) {
  const box = form.querySelector(".form-error");
  const { year, number, kind, name, held_on: held } = form.elements;
  const y = whole(year, 2000, 2100);
  const n = whole(number, 1, 99);
  if (!Number.isInteger(y)) return refuse(box, year, "exams.error.year");
  if (!Number.isInteger(n)) return refuse(box, number, "exams.round.error.number");
  if (!name.value.trim()) return refuse(box, name, "exams.round.error.name");
  if (held.validity.badInput) return refuse(box, held, "exams.round.error.date");
  box.textContent = "";
  let created;
  try {
    created = await api("POST", "/api/v1/exams/rounds", { year: y, number: n, kind: kind.value,
      name: name.value.trim(), held_on: held.value || null });
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  number.value = "";
  name.value = "";
  held.value = "";
  byId("year-form").elements.year.value = String(created.year);
  await showRounds();
  await chooseRound(created.id);
  byId("rounds-status").textContent = t("exams.round.saved", { name: created.name });
}

async function createUnit(form) {
  const box = form.querySelector(".form-error");
  const e = form.elements;
  const code = e.code.value.trim();
  if (!/^[a-z0-9][a-z0-9\-_.]*$/.test(code)) return refuse(box, e.code, "exams.unit.error.code");
  for (const field of [e.job_series, e.grade]) {
    if (!field.value.trim()) return refuse(box, field, "exams.unit.error.required");
  }
  const planned = whole(e.planned, 1, 100_000);
  if (!Number.isInteger(planned)) return refuse(box, e.planned, "exams.unit.error.planned");
  const quotas = {};
  for (const key of ["quota_disabled", "quota_veterans", "quota_highschool"]) {
    const value = whole(e[key], 0, 10_000_000);
    if (Number.isNaN(value)) return refuse(box, e[key], "exams.unit.error.quota");
    quotas[key] = value; // null: not known (never 0)
  }
  box.textContent = "";
  const round = state.round;
  let created;
  try {
    created = await api("POST", `/api/v1/exams/rounds/${round}/units`, { code,
      job_series: e.job_series.value.trim(), grade: e.grade.value.trim(), planned, ...quotas });
    state.rounds = await api("GET", `/api/v1/exams/rounds?year=${state.year}`); // its unit count
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  form.reset();
  await chooseRound(round);
  byId("units-status").textContent = t("exams.unit.saved",
    { unit: `${created.job_series} ${created.grade} (${created.code})` });
}

/** The chosen round's subjects and errors read again, and shown with a note of what was saved. */
async function reloadErrors(box, note) {
  try {
    [state.subjects, state.errors] = await Promise.all([
      api("GET", `/api/v1/exams/rounds/${state.round}/subjects`),
      api("GET", `/api/v1/exams/rounds/${state.round}/errors`),
    ]);
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  renderErrors(note);
}

async function createSubject(form) {
  const box = form.querySelector(".form-error");
  const { name, questions } = form.elements;
  const n = whole(questions, 1, 200);
  if (!name.value.trim()) return refuse(box, name, "exams.subject.error.name");
  if (!Number.isInteger(n)) return refuse(box, questions, "exams.subject.error.questions");
  box.textContent = "";
  let created;
  try {
    created = await api("POST", `/api/v1/exams/rounds/${state.round}/subjects`,
      { name: name.value.trim(), questions: n });
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  name.value = "";
  questions.value = "20";
  await reloadErrors(box, t("exams.subject.saved", { name: created.name }));
  byId("error-subject").value = String(created.id); // ready to report its errors
}

async function reportError(form) {
  const box = form.querySelector(".form-error");
  const e = form.elements;
  const subject = state.subjects?.find((s) => String(s.id) === e.subject.value);
  if (!subject) return refuse(box, e.subject, "exams.report.error.subject");
  const question = whole(e.question_no, 1, subject.questions);
  if (!Number.isInteger(question)) {
    box.textContent = t("exams.report.error.question", { count: subject.questions });
    e.question_no.focus();
    return;
  }
  if (!e.description.value.trim()) return refuse(box, e.description, "exams.report.error.text");
  if (!e.cause.value.trim()) return refuse(box, e.cause, "exams.report.error.text");
  if (!e.reported_on.value || e.reported_on.validity.badInput) {
    return refuse(box, e.reported_on, "exams.report.error.date");
  }
  box.textContent = "";
  try {
    await api("POST", `/api/v1/exams/subjects/${subject.id}/errors`, { question_no: question,
      description: e.description.value.trim(), cause: e.cause.value.trim(),
      action: e.action.value.trim() || null, reported_on: e.reported_on.value });
  } catch (error) {
    box.textContent = problemText(error);
    return;
  }
  for (const field of [e.question_no, e.description, e.cause, e.action]) field.value = "";
  await reloadErrors(box, t("exams.report.saved", { subject: subject.name, question }));
}

function renderAll() {
  renderRounds();
  renderUnits();
  renderCandidates();
  renderPipeline();
  renderEnrol();
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
  const on = (id, handler) => byId(id).addEventListener("submit", (e) => {
    e.preventDefault();
    handler(e.currentTarget);
  });
  on("schedule-form", saveSchedule);
  on("score-form", saveScore);
  on("enrol-form", enrolSuccessful);
  on("round-form", createRound);
  on("unit-form", createUnit);
  on("subject-form", createSubject);
  on("error-form", reportError);
  byId("round-year").value = form.elements.year.value;
  byId("error-reported").value = seoulToday();
  byId("schedule-stage").addEventListener("change", fillSchedule);
  byId("score-candidate").addEventListener("change", () => {
    byId("score-stage").value = nextStage();
  });
  byId("enrol-find").addEventListener("click", findCourses);
  await showRounds();
  main.dataset.state = "ready";
}

start();
