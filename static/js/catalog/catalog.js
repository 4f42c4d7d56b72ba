// The catalog section of the administration (/admin/catalog): a year's courses by competency
// area and sub-area with their original (당초) and revised (변경) plans, one course's plan
// change form (a reason is required) and its plan history (who, when, why, before → after),
// and one form that adds a course or edits the chosen one. The API checks every call again.

import { api } from "/static/js/api.js";
import { formatTime, language, t } from "/static/js/i18n.js";
import {
  el,
  headerRow,
  problemText,
  seoulToday,
  startPage,
  tableBox,
} from "/static/js/admin/page.js";

const VERSIONS = ["original", "revised"];
const FIGURES = ["offered", "runs", "people"];

const state = {
  years: [],
  year: null,
  catalog: null, // {year, areas} or {error}
  open: new Set(), // area ids folded open
  course: null, // the chosen course (from the catalog)
  history: null, // {items} or {error}
  editing: null, // the course the form edits (null: adding)
  notice: null,
};

const $ = (id) => document.getElementById(id);
const nameOf = (row) => (language() === "ko" ? row.name_ko : row.name_en);
const formError = (form, text) => {
  form.querySelector(".form-error").textContent = text;
};
const planOf = (course, version) => course.plans.find((p) => p.version === version) ?? null;

/** A plan's figures in words: "2회 · 60명", "상시 · 500명", "미운영"; no plan: 자료 없음. */
function figures(plan) {
  if (!plan) return el("span", { class: "no-data" }, t("admin.no-data"));
  if (!plan.offered) return t("cat.not-offered");
  const runs = plan.runs === null ? t("cat.always-open") : t("cat.runs", { runs: plan.runs });
  return t("cat.figures", { runs, people: plan.people.toLocaleString() });
}

/** Which figures of the revised plan differ from the original ([] when either is missing). */
function changedFigures(course) {
  const original = planOf(course, "original");
  const revised = planOf(course, "revised");
  if (!original || !revised) return [];
  return FIGURES.filter((key) => original[key] !== revised[key]);
}

function revisedCell(course) {
  const changed = changedFigures(course);
  const plan = planOf(course, "revised");
  if (!changed.length) return el("td", { class: "plan" }, figures(plan));
  return el(
    "td",
    { class: "plan", dataset: { changed: changed.join(" ") } },
    el("span", { class: "changed" }, figures(plan)),
    el("span", { class: "changed-badge" }, t("cat.changed")),
  );
}

// ---- the year's catalog ---------------------------------------------------------------------

async function loadYear(year) {
  state.year = year;
  try {
    state.catalog = await api("GET", `/api/v1/catalog/years/${year}`);
  } catch (error) {
    state.catalog = { error };
  }
  if (state.course) {
    const again = allCourses().find((c) => c.id === state.course.id);
    state.course = again ?? null;
  }
  renderCatalog();
  renderCourse();
  fillSubAreas();
}

function allCourses() {
  if (!state.catalog?.areas) return [];
  return state.catalog.areas.flatMap((a) => a.sub_areas.flatMap((s) => s.courses));
}

function renderYears() {
  const select = $("year-select");
  select.replaceChildren(
    ...state.years.map((y) => el("option", { value: y }, t("cat.year.option", { year: y }))),
  );
  if (state.year) select.value = String(state.year);
}

function courseRow(course) {
  return el(
    "tr",
    { dataset: { courseId: course.id, code: course.code } },
    el("th", { scope: "row" }, `${course.code} ${course.title}`),
    el("td", {}, t(`cat.mode.${course.delivery_mode}`)),
    el("td", { class: "plan" }, figures(planOf(course, "original"))),
    revisedCell(course),
    el("td", { class: "num" }, String(course.revisions)),
    el(
      "td",
      {},
      el(
        "button",
        {
          type: "button",
          onclick: () => choose(course),
          "aria-label": t("cat.choose.label", { title: course.title }),
        },
        t("cat.choose"),
      ),
    ),
  );
}

function subAreaBlock(sub) {
  const heading = `sub-${sub.id}`;
  return el(
    "div",
    { dataset: { subArea: sub.code } },
    el("h3", { id: heading }, nameOf(sub)),
    sub.courses.length
      ? tableBox(
          `${heading}-caption`,
          el(
            "table",
            {},
            el(
              "caption",
              { id: `${heading}-caption`, class: "visually-hidden" },
              t("cat.table.caption", { name: nameOf(sub) }),
            ),
            el(
              "thead",
              {},
              headerRow([
                "cat.col.course",
                "cat.col.mode",
                "cat.col.original",
                "cat.col.revised",
                "cat.col.revisions",
                "cat.col.action",
              ]),
            ),
            el("tbody", {}, sub.courses.map(courseRow)),
          ),
        )
      : el("p", { class: "empty muted" }, t("cat.no-courses")),
  );
}

function renderCatalog() {
  const status = $("catalog-status");
  const box = $("areas");
  if (!state.catalog) return;
  if (state.catalog.error) {
    status.textContent = problemText(state.catalog.error);
    box.replaceChildren();
    return;
  }
  const courses = allCourses();
  status.textContent = t("cat.found", {
    year: state.catalog.year,
    count: courses.length,
    changed: courses.filter((c) => changedFigures(c).length).length,
  });
  box.className = "areas";
  box.replaceChildren(
    ...state.catalog.areas.map((area) => {
      const count = area.sub_areas.reduce((n, s) => n + s.courses.length, 0);
      const details = el(
        "details",
        { dataset: { area: area.code }, open: state.open.has(area.id) },
        el("summary", {}, t("cat.area.summary", { name: nameOf(area), count })),
        ...area.sub_areas.map(subAreaBlock),
      );
      details.addEventListener("toggle", () => {
        if (details.open) state.open.add(area.id);
        else state.open.delete(area.id);
      });
      return details;
    }),
  );
}

// ---- one course: facts, plan change, history ------------------------------------------------

async function choose(course) {
  state.course = course;
  state.history = null;
  const form = $("plan-form");
  formError(form, "");
  fillPlanForm();
  renderCourse();
  $("course").focus();
  await loadHistory();
}

async function loadHistory() {
  if (!state.course) return;
  try {
    state.history = {
      items: await api("GET", `/api/v1/courses/${state.course.id}/plan-revisions`),
    };
  } catch (error) {
    state.history = { error };
  }
  renderHistory();
}

/** The form starts from the chosen version's current figures. */
function fillPlanForm() {
  const f = $("plan-form").elements;
  const plan = state.course ? planOf(state.course, f.version.value) : null;
  f.offered.checked = plan ? plan.offered : true;
  f.runs.value = plan?.runs ?? "";
  f.people.value = plan?.people ?? "";
  f.reason.value = "";
  syncOffered();
}

function syncOffered() {
  const f = $("plan-form").elements;
  const off = !f.offered.checked;
  if (off) {
    f.runs.value = "0";
    f.people.value = "0";
  }
  f.runs.disabled = off;
  f.people.disabled = off;
}

function subAreaName(id) {
  for (const area of state.catalog?.areas ?? [])
    for (const sub of area.sub_areas)
      if (sub.id === id) return `${nameOf(area)} · ${nameOf(sub)}`;
  return `#${id}`;
}

function renderCourse() {
  const section = $("course");
  const course = state.course;
  section.hidden = !course;
  if (!course) return;
  $("course-heading").textContent = t("cat.course.heading", {
    code: course.code,
    title: course.title,
  });
  const facts = [
    ["cat.fact.sub-area", subAreaName(course.sub_area_id)],
    ["cat.field.track", t(`cat.track.${course.track}`)],
    ["cat.field.mode", t(`cat.mode.${course.delivery_mode}`)],
    ["cat.field.always-open-short", t(course.always_open ? "cat.yes" : "cat.no")],
    ["cat.field.hours", t("admin.hours", { hours: course.hours_per_day })],
  ];
  $("course-facts").replaceChildren(
    ...facts.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]),
  );
  const changed = changedFigures(course);
  $("course-plans").replaceChildren(
    el(
      "dl",
      { class: "facts", id: "course-plan-figures" },
      VERSIONS.flatMap((version) => [
        el("dt", {}, t(`cat.version.${version}`)),
        el(
          "dd",
          { dataset: { version } },
          figures(planOf(course, version)),
          version === "revised" && changed.length
            ? el("span", { class: "changed-badge" }, t("cat.changed"))
            : null,
        ),
      ]),
    ),
  );
  $("plan-runs").placeholder = course.always_open ? t("cat.always-open") : "";
}

function change(revision) {
  const before = revision.before ? figures(revision.before) : t("cat.history.none-before");
  const after = figures(revision.after);
  return el("td", {}, before, " → ", after);
}

function renderHistory() {
  const status = $("history-status");
  const box = $("history");
  if (!state.history) {
    status.textContent = "";
    box.replaceChildren();
    return;
  }
  if (state.history.error) {
    status.textContent = problemText(state.history.error);
    box.replaceChildren();
    return;
  }
  const items = state.history.items;
  status.textContent = t("cat.history.found", { count: items.length });
  box.replaceChildren(
    items.length
      ? tableBox(
          "history-caption",
          el(
            "table",
            {},
            el("caption", { id: "history-caption", class: "visually-hidden" }, t("cat.history")),
            el(
              "thead",
              {},
              headerRow([
                "cat.history.when",
                "cat.history.version",
                "cat.history.change",
                "cat.history.reason",
                "cat.history.who",
              ]),
            ),
            el(
              "tbody",
              {},
              items.map((r) =>
                el(
                  "tr",
                  { dataset: { revisionId: r.id } },
                  el("td", {}, formatTime(r.at)),
                  el("td", {}, t(`cat.version.${r.version}`)),
                  change(r),
                  el("td", {}, r.reason),
                  el("td", {}, r.author_name ?? t("cat.history.loaded")),
                ),
              ),
            ),
          ),
        )
      : el("p", { class: "empty" }, t("cat.history.empty")),
  );
}

async function savePlan() {
  const form = $("plan-form");
  const f = form.elements;
  const offered = f.offered.checked;
  const body = {
    offered,
    runs: !offered ? 0 : f.runs.value === "" ? null : Number(f.runs.value),
    people: !offered ? 0 : f.people.value === "" ? null : Number(f.people.value),
    reason: f.reason.value.trim(),
  };
  if (body.people === null || !body.reason) {
    formError(form, t("cat.error.plan"));
    (body.people === null ? f.people : f.reason).focus();
    return;
  }
  try {
    await api("PUT", `/api/v1/courses/${state.course.id}/plans/${f.version.value}`, body);
    formError(form, "");
    f.reason.value = "";
    await loadYear(state.year);
    await loadHistory();
  } catch (error) {
    formError(form, problemText(error));
  }
}

// ---- add or edit a course -------------------------------------------------------------------

function fillSubAreas() {
  const select = $("cf-sub-area");
  const chosen = select.value;
  const areas = state.catalog?.areas ?? [];
  select.replaceChildren(
    el("option", { value: "" }, t("cat.field.sub-area.choose")),
    ...areas.map((area) =>
      el(
        "optgroup",
        { label: nameOf(area) },
        area.sub_areas.map((sub) => el("option", { value: sub.id }, nameOf(sub))),
      ),
    ),
  );
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

function renderCourseForm() {
  const form = $("course-form");
  $("course-form-legend").textContent = state.editing
    ? t("cat.edit.legend", { code: state.editing.code })
    : t("cat.create");
  $("course-submit").textContent = t(state.editing ? "cat.edit.submit" : "cat.create.submit");
  $("course-cancel").hidden = !state.editing;
  form.elements.year.disabled = Boolean(state.editing); // a course's year does not change
}

function editCourse(course, { focus = true } = {}) {
  state.editing = course;
  const f = $("course-form").elements;
  f.code.value = course?.code ?? "";
  f.title.value = course?.title ?? "";
  f.year.value = course?.year ?? state.year ?? seoulToday().slice(0, 4);
  f.sub_area_id.value = course ? String(course.sub_area_id) : "";
  f.track.value = course?.track ?? "classroom";
  f.delivery_mode.value = course?.delivery_mode ?? "live_remote";
  f.hours_per_day.value = course?.hours_per_day ?? 7;
  f.always_open.checked = Boolean(course?.always_open);
  formError($("course-form"), "");
  renderCourseForm();
  if (focus) f.code.focus();
}

function courseValues() {
  const f = $("course-form").elements;
  return {
    code: f.code.value.trim(),
    title: f.title.value.trim(),
    year: Number(f.year.value),
    sub_area_id: Number(f.sub_area_id.value),
    track: f.track.value,
    delivery_mode: f.delivery_mode.value,
    always_open: f.always_open.checked,
    hours_per_day: Number(f.hours_per_day.value),
  };
}

async function saveCourse() {
  const form = $("course-form");
  const values = courseValues();
  if (!values.code || !values.title || !values.sub_area_id || !values.year) {
    formError(form, t("cat.error.course"));
    return;
  }
  try {
    let saved;
    if (state.editing) {
      const { year: _year, ...fields } = values;
      const changes = Object.fromEntries(
        Object.entries(fields).filter(([key, value]) => state.editing[key] !== value),
      );
      saved = await api("PATCH", `/api/v1/courses/${state.editing.id}`, changes);
    } else {
      saved = await api("POST", "/api/v1/courses", values);
    }
    formError(form, "");
    editCourse(null, { focus: false });
    if (!state.years.includes(saved.year)) {
      state.years = [...state.years, saved.year].sort((a, b) => b - a);
    }
    await loadYear(saved.year);
    renderYears();
    const listed = allCourses().find((c) => c.id === saved.id);
    if (listed) {
      const area = state.catalog.areas.find((a) =>
        a.sub_areas.some((s) => s.id === listed.sub_area_id),
      );
      if (area) state.open.add(area.id);
      renderCatalog();
      await choose(listed);
    }
  } catch (error) {
    formError(form, problemText(error));
  }
}

// ---- the page -------------------------------------------------------------------------------

async function start() {
  const main = $("admin-main");
  const renderAll = () => {
    renderYears();
    renderCatalog();
    renderCourse();
    renderHistory();
    fillSubAreas();
    renderCourseForm();
  };
  const user = await startPage(["admin", "catalog"], renderAll);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  $("year-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadYear(Number($("year-select").value));
  });
  $("plan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    savePlan();
  });
  $("plan-version").addEventListener("change", fillPlanForm);
  $("plan-offered").addEventListener("change", syncOffered);
  $("course-close").addEventListener("click", () => {
    state.course = null;
    renderCourse();
    $("catalog-heading").scrollIntoView();
  });
  $("course-edit").addEventListener("click", () => editCourse(state.course));
  $("course-cancel").addEventListener("click", () => editCourse(null));
  $("course-form").addEventListener("submit", (e) => {
    e.preventDefault();
    saveCourse();
  });
  const thisYear = Number(seoulToday().slice(0, 4));
  try {
    const known = (await api("GET", "/api/v1/catalog/years")).years;
    state.years = [...new Set([...known, thisYear, 2020])].sort((a, b) => b - a);
    renderYears();
    await loadYear(thisYear);
    editCourse(null, { focus: false });
  } catch (error) {
    $("page-error").textContent = problemText(error);
  }
  main.dataset.state = "ready";
}

start();
