// One cohort (/admin/cohorts/{id}): its facts and seat counts, status buttons, the timetable
// of class sessions (generated per weekday, added, edited, deleted while not yet taking place)
// with their staff, staff assignment, and links to the cohort's enrolment, completion and
// survey pages. The training staff change things; a cohort's own staff read it.

import { ApiError, api } from "/static/js/api.js";
import { formatTime, t } from "/static/js/i18n.js";
import { day, el, everything, headerRow, problemText, startPage, tableBox } from "/static/js/admin/page.js";
import { isStaff, showStaffParts } from "/static/js/cohorts/common.js";

const ROLES = ["instructor", "assistant", "captioner"];
const cohortId = Number(location.pathname.split("/")[3]);
const state = { user: null, cohort: null, people: new Map(), editing: null, notice: "" };
const $ = (id) => document.getElementById(id);
const editForm = $("edit-form");
const generateForm = $("generate-form");
const sessionForm = $("session-form");
const staffForm = $("staff-form");
const formError = (form, text) => {
  form.querySelector(".form-error").textContent = text;
};
const canChange = () => isStaff(state.user) && state.cohort && !state.cohort.closed;

async function load() {
  state.cohort = await api("GET", `/api/v1/cohorts/${cohortId}`);
}

// ---- facts and status -----------------------------------------------------------------------

function fact(key, value, id) {
  return el("div", { id }, el("dt", {}, t(key)), el("dd", {}, value));
}

function renderFacts() {
  const c = state.cohort;
  const heading = $("cohort-heading");
  if (!c) return;
  heading.textContent = t("coh.one.title", { course: c.course.title, name: c.name });
  document.title = t("coh.one.page-title-of", { name: `${c.course.title} ${c.name}` });
  const n = c.counts;
  $("facts-list").replaceChildren(
    fact("coh.field.course", `${c.course.code} ${c.course.title}`),
    fact("coh.field.number", String(c.number)),
    fact("coh.col.period", t("coh.period", { from: day(c.starts_on), to: day(c.ends_on) })),
    fact("coh.field.status", t(`coh.status.${c.status}`), "fact-status"),
    fact("coh.col.seats", t("coh.seats", { enrolled: n.enrolled, capacity: n.capacity }), "fact-seats"),
    fact("coh.counts.waiting", t("coh.counts.waiting-value", { applied: n.applied, waitlisted: n.waitlisted })),
    fact("coh.field.mode", t(`coh.mode.${c.course.delivery_mode}`)),
    fact("coh.field.hours-per-day", t("admin.hours", { hours: c.course.hours_per_day })),
  );
  for (const part of ["enrolment", "completion", "surveys"])
    $(`link-${part}`).href = `/admin/cohorts/${c.id}/${part}`;
  $("status-buttons").replaceChildren(
    ...c.next_statuses.map((s) =>
      el(
        "button",
        { type: "button", class: s === "cancelled" ? "danger" : null, dataset: { status: s },
          onclick: () => changeStatus(s) },
        t(`coh.to.${s}`),
      ),
    ),
  );
  if (!c.next_statuses.length && isStaff(state.user))
    $("status-buttons").append(el("p", { class: "muted" }, t("coh.status.final")));
  $("status-result").textContent = state.notice;
  editForm.hidden = !canChange();
  generateForm.hidden = !canChange();
  sessionForm.hidden = !canChange();
  $("staff").hidden = !canChange();
  $("read-only").hidden = isStaff(state.user);
}

async function changeStatus(status) {
  if (status === "cancelled" && !window.confirm(t("coh.confirm.cancel"))) return;
  try {
    state.cohort = await api("POST", `/api/v1/cohorts/${cohortId}/status`, { status });
    state.notice = t("coh.status.changed", { status: t(`coh.status.${status}`) });
  } catch (error) {
    state.notice = problemText(error);
  }
  renderAll();
  // the pressed button is gone: keep the keyboard in the same place, on the next one
  $("status-buttons").querySelector("button")?.focus();
}

function fillEditForm() {
  const c = state.cohort;
  const f = editForm.elements;
  f.number.value = c.number;
  f.name.value = c.name;
  f.starts_on.value = c.starts_on;
  f.ends_on.value = c.ends_on;
  f.capacity.value = c.capacity;
}

async function saveCohort() {
  const f = editForm.elements;
  const c = state.cohort;
  const body = {};
  const number = Number(f.number.value);
  const capacity = Number(f.capacity.value);
  if (!number || !f.name.value.trim() || !f.starts_on.value || !f.ends_on.value || !capacity) {
    formError(editForm, t("coh.error.required"));
    return;
  }
  if (number !== c.number) body.number = number;
  if (f.name.value.trim() !== c.name) body.name = f.name.value.trim();
  if (f.starts_on.value !== c.starts_on) body.starts_on = f.starts_on.value;
  if (f.ends_on.value !== c.ends_on) body.ends_on = f.ends_on.value;
  if (capacity !== c.capacity) body.capacity = capacity;
  try {
    state.cohort = await api("PATCH", `/api/v1/cohorts/${cohortId}`, body);
    formError(editForm, "");
    state.notice = t("coh.saved");
    fillEditForm();
    renderAll();
  } catch (error) {
    formError(editForm, explain(error));
  }
}

/** Problems this page expects, in the person's words. */
function explain(error) {
  if (error instanceof ApiError) {
    const words = {
      "cohort-number-taken": () => t("coh.error.number-taken"),
      "sessions-outside-dates": () => t("coh.error.outside", { days: error.problem.days.map(day).join(", ") }),
      "capacity-below-enrolled": () => t("coh.error.capacity", { enrolled: error.problem.enrolled }),
      "session-locked": () => t("coh.error.locked"),
      "cohort-closed": () => t("coh.error.closed"),
    }[error.type];
    if (words) return words();
  }
  return problemText(error);
}

// ---- sessions -------------------------------------------------------------------------------

function weekday(iso) {
  return formatTime(`${iso}T12:00:00+09:00`, { weekday: "short" });
}

function staffCell(s) {
  if (!s.staff.length) return el("span", { class: "muted" }, t("coh.staff.none"));
  return el(
    "ul",
    { class: "plain-list staff-list" },
    s.staff.map((p) =>
      el(
        "li",
        {},
        t("coh.staff.line", { name: p.name, role: t(`coh.role.${p.role}`) }),
        canChange() && s.state !== "ended"
          ? el(
              "button",
              {
                type: "button",
                class: "small",
                "aria-label": t("coh.staff.remove-label", {
                  name: p.name, role: t(`coh.role.${p.role}`), day: day(s.day) }),
                onclick: () => removeStaff(s, p),
              },
              t("coh.staff.remove"),
            )
          : null,
      ),
    ),
  );
}

function renderSessions() {
  const c = state.cohort;
  if (!c) return;
  const list = $("sessions-list");
  $("sessions-status").textContent = t("coh.sessions.count", {
    count: c.sessions.length,
    hours: c.sessions.reduce((sum, s) => sum + Number(s.teaching_hours), 0).toLocaleString(),
  });
  const withActions = canChange();
  const rows = c.sessions.map((s) =>
    el(
      "tr",
      { dataset: { sessionId: s.id, state: s.state } },
      el("th", { scope: "row" }, `${day(s.day)} (${weekday(s.day)})`),
      el(
        "td",
        {},
        s.overnight
          ? t("coh.times.overnight", { start: s.start, end: s.end })
          : t("coh.times", { start: s.start, end: s.end }),
      ),
      el("td", { class: "num" }, t("admin.hours", { hours: Number(s.teaching_hours).toLocaleString() })),
      el("td", {}, t(s.live ? "coh.kind.live" : "coh.kind.in-person")),
      el("td", {}, s.title),
      el("td", {}, t(`coh.state.${s.state}`)),
      el("td", {}, staffCell(s)),
      withActions
        ? el(
            "td",
            {},
            s.editable
              ? el(
                  "div",
                  { class: "row" },
                  el("button", { type: "button", class: "small",
                    "aria-label": t("coh.session.edit-label", { day: day(s.day) }),
                    onclick: () => startEdit(s) }, t("coh.session.edit")),
                  el("button", { type: "button", class: "small danger",
                    "aria-label": t("coh.session.delete-label", { day: day(s.day) }),
                    onclick: () => deleteSession(s) }, t("coh.session.delete")),
                )
              : el("span", { class: "muted" }, t("coh.session.locked")),
          )
        : null,
    ),
  );
  const keys = ["coh.col.day", "coh.col.times", "coh.col.hours", "coh.field.kind",
    "coh.field.title", "coh.col.state", "coh.col.staff"];
  if (withActions) keys.push("coh.col.action");
  list.replaceChildren(
    rows.length
      ? tableBox(
          "sessions-caption",
          el(
            "table",
            { class: "sessions" },
            el("caption", { id: "sessions-caption", class: "visually-hidden" }, t("coh.sessions")),
            el("thead", {}, headerRow(keys)),
            el("tbody", {}, rows),
          ),
        )
      : el("p", { class: "empty" }, t("coh.sessions.none")),
  );
}

function kindOptions(select) {
  const chosen = select.value || "true";
  select.replaceChildren(
    el("option", { value: "true" }, t("coh.kind.live")),
    el("option", { value: "false" }, t("coh.kind.in-person")),
  );
  select.value = chosen;
}

// "2020-10-05, 2020-10-06" (commas, spaces or new lines between): the days, or null if one
// is not a date
function closedDays(text) {
  const days = text.split(/[\s,]+/).filter(Boolean);
  return days.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)) ? days : null;
}

function renderClosed(closed) {
  const list = $("sessions-closed");
  list.replaceChildren(
    ...closed.map((c) => el("li", {}, `${day(c.day)} ${c.holiday ?? t("coh.closed-day")}`)),
  );
  list.hidden = !closed.length;
}

async function generate() {
  const f = generateForm.elements;
  if (!f.start.value || !f.end.value) {
    formError(generateForm, t("coh.error.times"));
    return;
  }
  const closed = closedDays(f.closed_days.value);
  if (closed === null) {
    formError(generateForm, t("coh.error.closed-days"));
    f.closed_days.focus();
    return;
  }
  try {
    const made = await api("POST", `/api/v1/cohorts/${cohortId}/sessions/generate`, {
      start: f.start.value,
      end: f.end.value,
      live: f.live.value === "true",
      skip_public_holidays: f.skip_public_holidays.checked,
      closed_days: closed,
    });
    formError(generateForm, "");
    state.notice = "";
    await load();
    renderAll();
    $("sessions-status").textContent = t("coh.generated", {
      created: made.created.length,
      skipped: made.skipped_days.length,
      closed: made.closed.length,
    });
    renderClosed(made.closed);
  } catch (error) {
    formError(generateForm, explain(error));
  }
}

function startEdit(s) {
  state.editing = s.id;
  const f = sessionForm.elements;
  f.day.value = s.day;
  f.start.value = s.start;
  f.end.value = s.end;
  f.live.value = String(s.live);
  f.title.value = s.title;
  renderSessionForm();
  f.day.focus();
}

function stopEdit() {
  state.editing = null;
  sessionForm.reset();
  kindOptions(sessionForm.elements.live);
  formError(sessionForm, "");
  renderSessionForm();
}

function renderSessionForm() {
  const editing = state.editing !== null;
  $("session-form-legend").textContent = t(editing ? "coh.session.edit-legend" : "coh.session.add");
  $("session-submit").textContent = t(editing ? "coh.session.edit.submit" : "coh.session.add.submit");
  $("session-cancel").hidden = !editing;
  $("session-cancel").textContent = t("coh.session.edit.cancel");
}

async function saveSession() {
  const f = sessionForm.elements;
  if (!f.day.value || !f.start.value || !f.end.value) {
    formError(sessionForm, t("coh.error.session"));
    return;
  }
  const body = { day: f.day.value, start: f.start.value, end: f.end.value, live: f.live.value === "true" };
  if (f.title.value.trim()) body.title = f.title.value.trim();
  try {
    if (state.editing === null) await api("POST", `/api/v1/cohorts/${cohortId}/sessions`, body);
    else await api("PATCH", `/api/v1/class-sessions/${state.editing}`, body);
    stopEdit();
    await load();
    renderAll();
  } catch (error) {
    formError(sessionForm, explain(error));
  }
}

async function deleteSession(s) {
  if (!window.confirm(t("coh.confirm.delete", { day: day(s.day) }))) return;
  try {
    await api("DELETE", `/api/v1/class-sessions/${s.id}`);
    await load();
    renderAll();
  } catch (error) {
    $("sessions-status").textContent = explain(error);
  }
}

// ---- staff ----------------------------------------------------------------------------------

async function peopleWith(role) {
  if (!state.people.has(role)) state.people.set(role, await everything("/api/v1/users", { role }));
  return state.people.get(role);
}

async function fillStaffForm() {
  const f = staffForm.elements;
  const role = f.role.value || "instructor";
  f.role.replaceChildren(...ROLES.map((r) => el("option", { value: r }, t(`coh.role.${r}`))));
  f.role.value = role;
  const chosenSession = f.class_session_id.value;
  const open = (state.cohort?.sessions ?? []).filter((s) => s.state !== "ended");
  f.class_session_id.replaceChildren(
    el("option", { value: "" }, t("coh.staff.every-session")),
    ...open.map((s) => el("option", { value: s.id }, `${day(s.day)} ${s.start}–${s.end} ${s.title}`)),
  );
  if ([...f.class_session_id.options].some((o) => o.value === chosenSession))
    f.class_session_id.value = chosenSession;
  if (!canChange()) return;
  const chosen = f.user_id.value;
  const people = await peopleWith(role);
  f.user_id.replaceChildren(
    el("option", { value: "" }, t(people.length ? "coh.staff.choose" : "coh.staff.nobody")),
    ...people.map((p) => el("option", { value: p.id }, `${p.name} (${p.login})`)),
  );
  if ([...f.user_id.options].some((o) => o.value === chosen)) f.user_id.value = chosen;
}

async function assign() {
  const f = staffForm.elements;
  const userId = Number(f.user_id.value);
  if (!userId) {
    formError(staffForm, t("coh.error.person"));
    f.user_id.focus();
    return;
  }
  const body = { role: f.role.value, user_id: userId };
  const name = f.user_id.selectedOptions[0].textContent;
  try {
    let count = 1;
    if (f.class_session_id.value)
      await api("POST", `/api/v1/class-sessions/${f.class_session_id.value}/staff`, body);
    else count = (await api("POST", `/api/v1/cohorts/${cohortId}/staff`, body)).assigned.length;
    formError(staffForm, "");
    await load();
    renderAll();
    $("staff-status").textContent = t("coh.staff.assigned", { name, count });
  } catch (error) {
    formError(staffForm, explain(error));
  }
}

async function removeStaff(s, person) {
  try {
    await api("DELETE", `/api/v1/class-sessions/${s.id}/staff/${person.id}`);
    await load();
    renderAll();
    $("sessions-status").textContent = t("coh.staff.removed", { name: person.name, day: day(s.day) });
  } catch (error) {
    $("sessions-status").textContent = explain(error);
  }
}

// ---- the page -------------------------------------------------------------------------------

function renderAll() {
  renderFacts();
  renderSessions();
  renderSessionForm();
  kindOptions(generateForm.elements.live);
  kindOptions(sessionForm.elements.live);
  fillStaffForm().catch((error) => formError(staffForm, problemText(error)));
}

async function start() {
  const main = $("admin-main");
  state.user = await startPage(["admin", "cohorts"], renderAll);
  if (!state.user) {
    main.dataset.state = "failed";
    return;
  }
  showStaffParts(state.user);
  try {
    await load();
  } catch (error) {
    $("page-error").textContent = problemText(error);
    for (const part of ["facts", "sessions", "staff"]) $(part).hidden = true;
    main.dataset.state = "failed";
    return;
  }
  fillEditForm();
  renderAll();
  editForm.addEventListener("submit", (e) => {
    e.preventDefault();
    saveCohort();
  });
  generateForm.addEventListener("submit", (e) => {
    e.preventDefault();
    generate();
  });
  sessionForm.addEventListener("submit", (e) => {
    e.preventDefault();
    saveSession();
  });
  $("session-cancel").addEventListener("click", () => {
    stopEdit();
    sessionForm.elements.day.focus();
  });
  staffForm.addEventListener("submit", (e) => {
    e.preventDefault();
    assign();
  });
  staffForm.elements.role.addEventListener("change", () =>
    fillStaffForm().catch((error) => formError(staffForm, problemText(error))),
  );
  main.dataset.state = "ready";
}

start();
