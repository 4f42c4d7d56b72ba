// The cohorts list (/admin/cohorts): find cohorts by year, course and status, and (the training
// staff) make a new one, which opens its own page to fill in sessions and staff. Instructors,
// assistants and captioners see the cohorts they are on the staff of, read-only.

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import {
  day,
  el,
  everything,
  headerRow,
  problemText,
  seoulToday,
  startPage,
  tableBox,
} from "/static/js/admin/page.js";
import { STATUSES, coursesOf, isStaff, showStaffParts } from "/static/js/cohorts/common.js";

const state = { user: null, items: null, error: null };
const filter = document.getElementById("filter");
const createForm = document.getElementById("create-form");

async function fillCourses(select, year, anyKey) {
  const chosen = select.value;
  const list = year ? await coursesOf(year) : [];
  const options = list.map((c) => el("option", { value: c.id }, `${c.code} ${c.title}`));
  if (anyKey) options.unshift(el("option", { value: "" }, t(anyKey)));
  else if (!list.length) options.unshift(el("option", { value: "" }, t("coh.no-courses")));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

function fillStatuses() {
  const select = filter.elements.status;
  const chosen = select.value;
  select.replaceChildren(
    el("option", { value: "" }, t("coh.status.any")),
    ...STATUSES.map((s) => el("option", { value: s }, t(`coh.status.${s}`))),
  );
  select.value = chosen;
}

async function find() {
  const f = filter.elements;
  const params = {};
  if (f.year.value) params.year = f.year.value;
  if (f.course_id.value) params.course_id = f.course_id.value;
  if (f.status.value) params.status = f.status.value;
  if (!isStaff(state.user)) params.mine = "true";
  try {
    state.items = await everything("/api/v1/cohorts", params);
    state.error = null;
  } catch (error) {
    state.error = error;
  }
  renderList();
}

function renderList() {
  const status = document.getElementById("list-status");
  const list = document.getElementById("list");
  if (state.error) {
    status.textContent = problemText(state.error);
    list.replaceChildren();
    return;
  }
  if (!state.items) return;
  status.textContent = t("coh.found", { count: state.items.length });
  const rows = state.items.map((c) =>
    el(
      "tr",
      { dataset: { cohortId: c.id, status: c.status } },
      el("td", {}, `${c.course_code} ${c.course_title}`),
      el("th", { scope: "row" }, el("a", { href: `/admin/cohorts/${c.id}` }, c.name)),
      el("td", {}, t("coh.period", { from: day(c.starts_on), to: day(c.ends_on) })),
      el("td", { class: "num" }, t("coh.seats", { enrolled: c.enrolled, capacity: c.capacity })),
      el("td", { class: "num" }, String(c.sessions)),
      el("td", {}, el("span", { class: `badge status-${c.status}` }, t(`coh.status.${c.status}`))),
    ),
  );
  list.replaceChildren(
    rows.length
      ? tableBox(
          "list-caption",
          el(
            "table",
            {},
            el("caption", { id: "list-caption", class: "visually-hidden" }, t("coh.list")),
            el(
              "thead",
              {},
              headerRow([
                "coh.field.course",
                "coh.col.cohort",
                "coh.col.period",
                "coh.col.seats",
                "coh.col.sessions",
                "coh.field.status",
              ]),
            ),
            el("tbody", {}, rows),
          ),
        )
      : el("p", { class: "empty" }, t("coh.none")),
  );
}

function formError(text) {
  createForm.querySelector(".form-error").textContent = text;
}

async function create() {
  const f = createForm.elements;
  const body = {
    course_id: Number(f.course_id.value),
    starts_on: f.starts_on.value,
    ends_on: f.ends_on.value,
    capacity: f.capacity.value === "" ? null : Number(f.capacity.value),
  };
  if (f.number.value) body.number = Number(f.number.value);
  if (f.name.value.trim()) body.name = f.name.value.trim();
  const missing = [
    [!body.course_id, f.course_id],
    [!body.starts_on, f.starts_on],
    [!body.ends_on, f.ends_on],
    [body.capacity === null, f.capacity],
  ].find(([bad]) => bad);
  if (missing) {
    formError(t("coh.error.required"));
    missing[1].focus();
    return;
  }
  if (body.starts_on > body.ends_on) {
    formError(t("coh.error.dates"));
    f.ends_on.focus();
    return;
  }
  try {
    const made = await api("POST", "/api/v1/cohorts", body);
    location.assign(`/admin/cohorts/${made.id}`);
  } catch (error) {
    formError(
      error.type === "cohort-number-taken" ? t("coh.error.number-taken") : problemText(error),
    );
  }
}

async function start() {
  const main = document.getElementById("admin-main");
  const render = () => {
    fillStatuses();
    fillCourses(filter.elements.course_id, Number(filter.elements.year.value), "coh.course.any");
    fillCourses(createForm.elements.course_id, Number(createForm.elements.year.value), null);
    renderList();
  };
  state.user = await startPage(["admin", "cohorts"], render);
  if (!state.user) {
    main.dataset.state = "failed";
    return;
  }
  showStaffParts(state.user);
  document.getElementById("read-only").hidden = isStaff(state.user);
  const year = seoulToday().slice(0, 4);
  filter.elements.year.value = year;
  createForm.elements.year.value = year;
  fillStatuses();
  filter.addEventListener("submit", (e) => {
    e.preventDefault();
    find();
  });
  filter.elements.year.addEventListener("change", () =>
    fillCourses(filter.elements.course_id, Number(filter.elements.year.value), "coh.course.any"),
  );
  createForm.elements.year.addEventListener("change", () =>
    fillCourses(createForm.elements.course_id, Number(createForm.elements.year.value), null),
  );
  createForm.addEventListener("submit", (e) => {
    e.preventDefault();
    create();
  });
  try {
    await Promise.all([
      fillCourses(filter.elements.course_id, Number(year), "coh.course.any"),
      isStaff(state.user) ? fillCourses(createForm.elements.course_id, Number(year), null) : null,
      find(),
    ]);
  } catch (error) {
    document.getElementById("page-error").textContent = problemText(error);
  }
  main.dataset.state = "ready";
}

start();
