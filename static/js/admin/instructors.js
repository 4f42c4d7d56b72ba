// The instructors section of the administration (/admin/instructors): the registry, fee
// standards, the fees owed for a period, teaching-hour corrections for a class session, the
// selection-committee meetings and the approved-vs-taught report for a year. Each part keeps
// its own state and render(); a change of language renders them all again.

import { api } from "/static/js/api.js";
import { formatTime, t } from "/static/js/i18n.js";
import {
  day,
  downloadCsv,
  el,
  everything,
  headerRow,
  problemText,
  seoulToday,
  startPage,
  tableBox,
} from "/static/js/admin/page.js";
import { feesCsv, loadFees, renderFees } from "/static/js/admin/fees.js";
import { Registry } from "/static/js/admin/registry.js";
import { Standards } from "/static/js/admin/standards.js";

const state = {
  all: [],
  courses: new Map(),
  fees: null,
  teaching: null,
  sessions: null,
  meetings: null,
  comparison: null,
};
const byId = (id) => state.all.find((row) => row.id === id);
const nameOf = (id) => byId(id)?.name ?? t("ins.unknown-instructor", { id });
const formError = (form, text) => {
  form.querySelector(".form-error").textContent = text;
};

/** The whole registry, for the instructor choices of the other parts. */
async function loadAll() {
  state.all = await everything("/api/v1/instructors");
  fillInstructorChoices();
}

function instructorOptions(select, { anyKey = null } = {}) {
  const chosen = select.value;
  const options = state.all.map((row) =>
    el("option", { value: row.id }, `${row.name} (${row.grade})`),
  );
  if (anyKey) options.unshift(el("option", { value: "" }, t(anyKey)));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

function fillInstructorChoices() {
  instructorOptions(document.getElementById("fees-instructor"), { anyKey: "ins.fees.everyone" });
  instructorOptions(document.getElementById("corr-instructor"));
  for (const select of document.querySelectorAll("#meeting-approvals select[name=instructor_id]"))
    instructorOptions(select);
}

// ---- fees owed ------------------------------------------------------------------------------

const feesForm = document.getElementById("fees-form");

async function showFees() {
  const f = feesForm.elements;
  if (!f.date_from.value || !f.date_to.value) {
    formError(feesForm, t("fees.error.period"));
    return;
  }
  formError(feesForm, "");
  const from = f.date_from.value;
  const to = f.date_to.value;
  try {
    const filter = {
      instructorId: f.instructor_id.value || null,
      courseId: f.course_id.value || null,
    };
    state.fees = { answer: await loadFees(from, to, filter), from, to };
  } catch (error) {
    state.fees = { error };
  }
  renderFeesPart();
}

function renderFeesPart() {
  renderFees(
    document.getElementById("fees-result"),
    document.getElementById("fees-status"),
    state.fees,
    { captionId: "fees-caption", withInstructor: true, onCorrect: correctRow },
  );
  document.getElementById("fees-csv").disabled = !state.fees?.answer;
}

/** The courses of the period's first year, to narrow the fees to one. */
async function fillFeeCourses() {
  const select = feesForm.elements.course_id;
  const chosen = select.value;
  const year = Number(feesForm.elements.date_from.value.slice(0, 4));
  const courses = year ? await coursesOf(year) : [];
  select.replaceChildren(
    el("option", { value: "" }, t("ins.fees.every-course")),
    ...courses.map((c) => el("option", { value: c.id }, `${c.code} ${c.title}`)),
  );
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

/** From a fee row to its class session in the corrections part. */
async function correctRow(row) {
  const find = document.getElementById("teaching-find").elements;
  find.on.value = row.taught_on;
  await findSessions(row.class_session_id);
  if (row.instructor_id)
    document.getElementById("corr-instructor").value = String(row.instructor_id);
  document.getElementById("corr-minutes").focus();
}

// ---- teaching-hour corrections --------------------------------------------------------------

const findForm = document.getElementById("teaching-find");
const correctionForm = document.getElementById("correction-form");

async function findSessions(chosen = null) {
  const f = findForm.elements;
  if (!f.on.value) {
    formError(findForm, t("ins.error.day"));
    return;
  }
  formError(findForm, "");
  const current = chosen ?? (f.class_session_id.value ? Number(f.class_session_id.value) : null);
  try {
    const sessions = await everything("/api/v1/class-sessions", { on: f.on.value });
    state.sessions = { day: f.on.value, items: sessions };
    renderSessions();
    const keep =
      sessions.find((s) => s.id === current) ?? (sessions.length === 1 ? sessions[0] : null);
    if (keep) {
      f.class_session_id.value = String(keep.id);
      await loadTeaching(keep.id);
    } else {
      state.teaching = null;
      renderTeaching();
    }
  } catch (error) {
    formError(findForm, problemText(error));
  }
}

function renderSessions() {
  const select = findForm.elements.class_session_id;
  const chosen = select.value;
  const items = state.sessions?.items ?? [];
  select.replaceChildren(
    el(
      "option",
      { value: "" },
      t(items.length ? "ins.teaching.choose" : "ins.teaching.no-session"),
    ),
    ...items.map((s) =>
      el(
        "option",
        { value: s.id },
        `${formatTime(s.starts_at, { timeStyle: "short" })} ${s.title}`,
      ),
    ),
  );
  select.value = chosen;
}

async function loadTeaching(sessionId) {
  try {
    state.teaching = {
      sessionId,
      rows: await api("GET", `/api/v1/class-sessions/${sessionId}/teaching`),
    };
  } catch (error) {
    state.teaching = { sessionId, error };
  }
  renderTeaching();
}

function renderTeaching() {
  const status = document.getElementById("teaching-status");
  const result = document.getElementById("teaching-result");
  correctionForm.hidden = !state.teaching || Boolean(state.teaching.error);
  if (!state.teaching) {
    status.textContent = state.sessions
      ? t("ins.teaching.found", { count: state.sessions.items.length })
      : "";
    result.replaceChildren();
    return;
  }
  if (state.teaching.error) {
    status.textContent = problemText(state.teaching.error);
    result.replaceChildren();
    return;
  }
  const session = state.sessions?.items.find((s) => s.id === state.teaching.sessionId);
  status.textContent = t("ins.teaching.of", {
    title: session?.title ?? `#${state.teaching.sessionId}`,
    count: state.teaching.rows.length,
  });
  const rows = state.teaching.rows.map((r) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, r.instructor_name ?? t("fees.not-registered-name")),
      el(
        "td",
        { class: "num" },
        r.scheduled_minutes === null
          ? t("ins.teaching.not-scheduled")
          : t("admin.minutes", { minutes: r.scheduled_minutes }),
      ),
      el("td", { class: "num" }, t("admin.minutes", { minutes: r.minutes })),
      el(
        "td",
        {},
        r.correction
          ? t("ins.teaching.corrected-because", {
              reason: r.correction.reason,
              when: formatTime(r.correction.recorded_at),
            })
          : "—",
      ),
    ),
  );
  result.replaceChildren(
    rows.length
      ? tableBox(
          "teaching-caption",
          el(
            "table",
            {},
            el("caption", { id: "teaching-caption", class: "visually-hidden" }, t("ins.teaching")),
            el(
              "thead",
              {},
              headerRow([
                "fees.col.instructor",
                "ins.teaching.scheduled",
                "ins.teaching.counted",
                "ins.teaching.correction",
              ]),
            ),
            el("tbody", {}, rows),
          ),
        )
      : el("p", { class: "empty" }, t("ins.teaching.nobody")),
  );
}

async function saveCorrection() {
  const f = correctionForm.elements;
  const body = {
    instructor_id: Number(f.instructor_id.value),
    minutes: f.minutes.value === "" ? null : Number(f.minutes.value),
    reason: f.reason.value.trim(),
  };
  if (!body.instructor_id || body.minutes === null || !body.reason) {
    formError(correctionForm, t("ins.error.correction"));
    return;
  }
  try {
    await api(
      "POST",
      `/api/v1/class-sessions/${state.teaching.sessionId}/teaching-corrections`,
      body,
    );
    formError(correctionForm, "");
    f.minutes.value = "";
    f.reason.value = "";
    await loadTeaching(state.teaching.sessionId);
    if (state.fees?.answer) await showFees();
  } catch (error) {
    formError(correctionForm, problemText(error));
  }
}

// ---- selection meetings ---------------------------------------------------------------------

const meetingsFind = document.getElementById("meetings-find");
const meetingForm = document.getElementById("meeting-form");
let approvalCount = 0;

async function coursesOf(year) {
  if (!state.courses.has(year))
    state.courses.set(year, await everything("/api/v1/courses", { year: String(year) }));
  return state.courses.get(year);
}

async function showMeetings() {
  const year = Number(meetingsFind.elements.year.value);
  if (!year) {
    formError(meetingsFind, t("ins.error.year"));
    return;
  }
  formError(meetingsFind, "");
  try {
    const [meetings, courses] = await Promise.all([
      api("GET", `/api/v1/selection-meetings?year=${year}`),
      coursesOf(year),
    ]);
    state.meetings = { year, items: meetings, courses };
  } catch (error) {
    state.meetings = { year, error };
  }
  renderMeetings();
  await fillCourseChoices();
}

function courseName(courses, id) {
  const course = courses?.find((c) => c.id === id);
  return course ? `${course.code} ${course.title}` : t("ins.unknown-course", { id });
}

function renderMeetings() {
  const status = document.getElementById("meetings-status");
  const list = document.getElementById("meetings-list");
  if (!state.meetings) return;
  if (state.meetings.error) {
    status.textContent = problemText(state.meetings.error);
    list.replaceChildren();
    return;
  }
  const { year, items, courses } = state.meetings;
  status.textContent = t("ins.meetings.found", { year, count: items.length });
  list.replaceChildren(
    ...items.map((m) =>
      el(
        "article",
        { class: "standard", "aria-labelledby": `meeting-${m.id}` },
        el("h3", { id: `meeting-${m.id}` }, m.title),
        el("p", {}, t("ins.meeting.held-day", { day: day(m.held_on) })),
        el(
          "ul",
          {},
          m.approvals.map((a) =>
            el(
              "li",
              {},
              t("ins.approval.line", {
                name: nameOf(a.instructor_id),
                course: courseName(courses, a.course_id),
                grade: a.grade,
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

function meetingYear() {
  const held = meetingForm.elements.held_on.value;
  return held
    ? Number(held.slice(0, 4))
    : Number(meetingsFind.elements.year.value) || Number(seoulToday().slice(0, 4));
}

async function fillCourseChoices() {
  const courses = await coursesOf(meetingYear());
  for (const select of meetingForm.querySelectorAll("select[name=course_id]")) {
    const chosen = select.value;
    select.replaceChildren(
      ...courses.map((c) => el("option", { value: c.id }, `${c.code} ${c.title}`)),
    );
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  }
}

/** "Approval 1", "Approval 2"… by position. */
function renumberApprovals() {
  meetingForm.querySelectorAll(".approval-title").forEach((title, i) => {
    title.textContent = t("ins.approval.title", { n: i + 1 });
  });
}

function addApproval() {
  const n = ++approvalCount;
  const field = (name, key, control) =>
    el(
      "div",
      {},
      el("label", { for: `approval-${n}-${name}`, dataset: { i18n: key } }, t(key)),
      control,
    );
  const row = el(
    "div",
    { class: "approval-row", role: "group", "aria-labelledby": `approval-${n}-title` },
    el("p", { id: `approval-${n}-title`, class: "muted approval-title" }),
    el(
      "div",
      { class: "fields" },
      field(
        "instructor_id",
        "fees.col.instructor",
        el("select", { id: `approval-${n}-instructor_id`, name: "instructor_id", required: true }),
      ),
      field(
        "course_id",
        "ins.approval.course",
        el("select", { id: `approval-${n}-course_id`, name: "course_id", required: true }),
      ),
      field(
        "grade",
        "ins.approval.grade",
        el("input", {
          id: `approval-${n}-grade`,
          name: "grade",
          required: true,
          maxlength: "16",
          autocomplete: "off",
        }),
      ),
    ),
    el(
      "button",
      {
        type: "button",
        class: "remove-approval",
        "aria-describedby": `approval-${n}-title`,
        onclick: (e) => {
          if (meetingForm.querySelectorAll(".approval-row").length > 1)
            e.currentTarget.closest(".approval-row").remove();
          renumberApprovals();
          document.getElementById("meeting-add-approval").focus();
        },
      },
      t("ins.approval.remove"),
    ),
  );
  document.getElementById("meeting-approvals").append(row);
  renumberApprovals();
  instructorOptions(row.querySelector("select[name=instructor_id]"));
  const instructor = row.querySelector("select[name=instructor_id]");
  instructor.addEventListener("change", () => {
    const grade = row.querySelector("input[name=grade]");
    if (!grade.value) grade.value = byId(Number(instructor.value))?.grade ?? "";
  });
  return fillCourseChoices();
}

async function saveMeeting() {
  const f = meetingForm.elements;
  const approvals = [...meetingForm.querySelectorAll(".approval-row")].map((row) => ({
    instructor_id: Number(row.querySelector("[name=instructor_id]").value),
    course_id: Number(row.querySelector("[name=course_id]").value),
    grade: row.querySelector("[name=grade]").value.trim(),
  }));
  const body = { held_on: f.held_on.value, title: f.title.value.trim(), approvals };
  if (
    !body.held_on ||
    !body.title ||
    approvals.some((a) => !a.instructor_id || !a.course_id || !a.grade)
  ) {
    formError(meetingForm, t("ins.error.meeting"));
    return;
  }
  try {
    const saved = await api("POST", "/api/v1/selection-meetings", body);
    formError(meetingForm, "");
    f.title.value = "";
    meetingsFind.elements.year.value = saved.held_on.slice(0, 4);
    await showMeetings();
  } catch (error) {
    formError(meetingForm, problemText(error));
  }
}

// ---- approved vs taught ---------------------------------------------------------------------

const comparisonForm = document.getElementById("comparison-form");
const STATUSES = ["approved_and_taught", "approved_not_taught", "taught_without_approval"];

async function showComparison() {
  const f = comparisonForm.elements;
  if (!Number(f.year.value)) {
    formError(comparisonForm, t("ins.error.year"));
    return;
  }
  formError(comparisonForm, "");
  const query = new URLSearchParams({ year: f.year.value });
  if (f.as_of.value) query.set("as_of", f.as_of.value);
  try {
    state.comparison = {
      answer: await api("GET", `/api/v1/reports/instructors/approved-vs-taught?${query}`),
    };
  } catch (error) {
    state.comparison = { error };
  }
  renderComparison();
}

function renderComparison() {
  const status = document.getElementById("comparison-status");
  const result = document.getElementById("comparison-result");
  document.getElementById("comparison-csv").disabled = !state.comparison?.answer;
  if (!state.comparison) return;
  if (state.comparison.error) {
    status.textContent = problemText(state.comparison.error);
    result.replaceChildren();
    return;
  }
  const { answer } = state.comparison;
  status.textContent = t("ins.comparison.found", {
    year: answer.year,
    day: day(answer.as_of),
    count: answer.rows.length,
  });
  const most = Math.max(1, ...STATUSES.map((s) => answer.totals[s]));
  const totals = el(
    "dl",
    { class: "totals", id: "comparison-totals" },
    STATUSES.map((s) =>
      el(
        "div",
        { dataset: { status: s } },
        el("dt", {}, t(`ins.comparison.${s}`)),
        el(
          "dd",
          {},
          String(answer.totals[s]),
          el("span", {
            class: "bar",
            style: `width: ${(100 * answer.totals[s]) / most}%`,
            "aria-hidden": "true",
          }),
        ),
      ),
    ),
  );
  const rows = answer.rows.map((r) =>
    el(
      "tr",
      { dataset: { status: r.status } },
      el("td", {}, `${r.course_code} ${r.course_title}`),
      el("th", { scope: "row" }, r.instructor_name ?? t("fees.not-registered-name")),
      el("td", {}, t(`ins.comparison.${r.status}`)),
      el("td", {}, r.approved_grade ?? "—"),
      el("td", {}, r.approved_on ? day(r.approved_on) : "—"),
      el("td", { class: "num" }, String(r.sessions_taught)),
      el(
        "td",
        { class: "num" },
        t("admin.hours", { hours: Number(r.hours_taught).toLocaleString() }),
      ),
    ),
  );
  result.replaceChildren(
    totals,
    rows.length
      ? tableBox(
          "comparison-caption",
          el(
            "table",
            {},
            el(
              "caption",
              { id: "comparison-caption", class: "visually-hidden" },
              t("ins.comparison"),
            ),
            el(
              "thead",
              {},
              headerRow([
                "fees.col.course",
                "fees.col.instructor",
                "ins.comparison.status",
                "ins.approval.grade",
                "ins.comparison.approved-on",
                "ins.comparison.sessions",
                "ins.comparison.hours",
              ]),
            ),
            el("tbody", {}, rows),
          ),
        )
      : el("p", { class: "empty" }, t("ins.comparison.none")),
  );
}

function comparisonCsv() {
  const { answer } = state.comparison;
  const header = [
    "year",
    "course_id",
    "course_code",
    "course_title",
    "instructor_id",
    "instructor_name",
    "status",
    "approved_grade",
    "approved_on",
    "sessions_taught",
    "hours_taught",
  ];
  downloadCsv(
    `approved-vs-taught_${answer.year}_${answer.as_of}.csv`,
    header,
    answer.rows.map((r) => header.map((k) => r[k])),
  );
}

// ---- the page -------------------------------------------------------------------------------

function firstOfMonth(iso) {
  return `${iso.slice(0, 8)}01`;
}

async function start() {
  const main = document.getElementById("admin-main");
  const registry = new Registry(loadAll);
  const standards = new Standards();
  const renderAll = () => {
    registry.render();
    standards.render();
    fillInstructorChoices();
    fillFeeCourses().catch(() => null);
    renderFeesPart();
    renderSessions();
    renderTeaching();
    renderMeetings();
    renderComparison();
    renumberApprovals();
    for (const b of document.querySelectorAll(".remove-approval"))
      b.textContent = t("ins.approval.remove");
  };
  const user = await startPage(["admin", "instructors"], renderAll);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  const today = seoulToday();
  feesForm.elements.date_from.value = firstOfMonth(today);
  feesForm.elements.date_to.value = today;
  findForm.elements.on.value = today;
  meetingsFind.elements.year.value = today.slice(0, 4);
  comparisonForm.elements.year.value = today.slice(0, 4);
  feesForm.addEventListener("submit", (e) => {
    e.preventDefault();
    showFees();
  });
  feesForm.elements.date_from.addEventListener("change", () => fillFeeCourses().catch(() => null));
  document
    .getElementById("fees-csv")
    .addEventListener("click", () => feesCsv(state.fees.answer, state.fees.from, state.fees.to));
  findForm.addEventListener("submit", (e) => {
    e.preventDefault();
    findSessions();
  });
  findForm.elements.class_session_id.addEventListener("change", (e) => {
    if (e.target.value) loadTeaching(Number(e.target.value));
  });
  correctionForm.addEventListener("submit", (e) => {
    e.preventDefault();
    saveCorrection();
  });
  meetingsFind.addEventListener("submit", (e) => {
    e.preventDefault();
    showMeetings();
  });
  meetingForm.addEventListener("submit", (e) => {
    e.preventDefault();
    saveMeeting();
  });
  meetingForm.elements.held_on.addEventListener("change", () =>
    fillCourseChoices().catch(() => null),
  );
  document.getElementById("meeting-add-approval").addEventListener("click", async () => {
    await addApproval();
    meetingForm.querySelector(".approval-row:last-child select").focus();
  });
  comparisonForm.addEventListener("submit", (e) => {
    e.preventDefault();
    showComparison();
  });
  document.getElementById("comparison-csv").addEventListener("click", comparisonCsv);
  try {
    await Promise.all([loadAll(), registry.find(), standards.load(), fillFeeCourses()]);
    await addApproval();
    renderSessions();
  } catch (error) {
    document.getElementById("page-error").textContent = problemText(error);
  }
  main.dataset.state = "ready";
}

start();
