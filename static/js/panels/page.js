// The panel assignment page (/admin/exams/panels, exam officers and admins): the member pool
// (list; add and edit a member with only the fields of their kind; deactivate), panels for an
// exam round (year, round, seed, candidates per slot, slot length: the server builds the slots
// from the round's interview times and candidates), or from slots typed one per line; the
// assignments run, and one opened with its panels by time, members' names and the spread
// (every pool member's number of panels, min–max). An impossible request shows the server's
// words (the problem's detail) naming what is missing; nothing is stored then.

import { api, ApiError } from "/static/js/api.js";
import { formatTime, t } from "/static/js/i18n.js";
import { day, el, headerRow, problemText, seoulToday, startPage, tableBox } from "/static/js/admin/page.js";

const KINDS = ["outside_expert", "retired_official", "serving_official"];
const state = { list: null, chosen: null, members: null, editing: null, rounds: null };
const byId = (id) => document.getElementById(id);

/** "u1, 행정 7급, 행정, 2026-12-07 09:00, c1@구청01; c2@시청" → a slot, or null. */
function parseSlot(line) {
  const parts = line.split(",").map((p) => p.trim());
  if (parts.length < 4 || parts.slice(0, 4).some((p) => p === "")) return null;
  const [ref, label, series, start] = parts;
  const when = start.replace(" ", "T");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(when)) return null;
  const candidates = parts.slice(4).join(",").split(";").map((c) => c.trim()).filter(Boolean)
    .map((c) => {
      const [cref, org] = c.split("@").map((x) => x.trim());
      return org ? { ref: cref, org_unit: org } : { ref: cref };
    });
  return { ref, label, job_series: series, starts_at: `${when}:00+09:00`, candidates };
}

/** A refused request in words: the problem's own detail for the panel problems. */
function refusal(error) {
  const named = ["panels-infeasible", "interview-unscheduled", "nobody-to-interview"];
  if (error instanceof ApiError && named.includes(error.type))
    return t("panels.infeasible", { detail: error.message });
  return problemText(error);
}

// ---- the pool ----------------------------------------------------------------------------

async function loadMembers() {
  state.members = await api("GET", "/api/v1/exams/panels/members");
}

function showKindFields(form) {
  const kind = form.elements.kind.value;
  for (const box of form.querySelectorAll("[data-for]")) box.hidden = box.dataset.for !== kind;
}

/** The member as the form says it, with only the fields of its kind. */
function memberBody(form, active) {
  const f = form.elements;
  const kind = f.kind.value;
  const body = {
    name: f.name.value.trim(), kind, org_unit: f.org_unit.value.trim() || null,
    relations: f.relations.value.split(",").map((r) => r.trim()).filter(Boolean), active,
  };
  if (kind === "serving_official") {
    body.job_series = f.job_series.value.trim() || null;
    body.grade = Number(f.grade.value);
  }
  if (kind === "retired_official") body.retired_on = f.retired_on.value || null;
  return body;
}

/** A stored member back as a body (to deactivate them unchanged otherwise). */
function asBody(m, active) {
  const body = { name: m.name, kind: m.kind, org_unit: m.org_unit, relations: m.relations, active };
  if (m.kind === "serving_official") Object.assign(body, { job_series: m.job_series, grade: m.grade });
  if (m.kind === "retired_official") body.retired_on = m.retired_on;
  return body;
}

function resetMemberForm() {
  const form = byId("member-form");
  form.reset();
  state.editing = null;
  byId("member-legend").textContent = t("panels.member.add");
  byId("member-cancel").hidden = true;
  showKindFields(form);
}

function editMember(m) {
  const form = byId("member-form");
  const f = form.elements;
  state.editing = m;
  f.name.value = m.name;
  f.kind.value = m.kind;
  f.org_unit.value = m.org_unit ?? "";
  f.job_series.value = m.job_series ?? "";
  f.grade.value = String(m.grade ?? 5);
  f.retired_on.value = m.retired_on ?? "";
  f.relations.value = m.relations.join(", ");
  byId("member-legend").textContent = t("panels.member.edit", { name: m.name });
  byId("member-cancel").hidden = false;
  form.querySelector(".form-error").textContent = "";
  showKindFields(form);
  f.name.focus();
}

async function saveMember(form) {
  const box = form.querySelector(".form-error");
  box.textContent = "";
  if (!form.elements.name.value.trim()) {
    box.textContent = t("panels.member.need-name");
    return;
  }
  const editing = state.editing;
  try {
    if (editing) {
      await api("PUT", `/api/v1/exams/panels/members/${editing.id}`, memberBody(form, editing.active));
    } else {
      await api("POST", "/api/v1/exams/panels/members", memberBody(form, true));
    }
    await loadMembers();
    resetMemberForm();
    renderPool();
    byId("pool-status").textContent = t(editing ? "panels.member.saved" : "panels.member.added",
      { count: state.members.length });
  } catch (error) {
    box.textContent = refusal(error);
  }
}

async function deactivate(m) {
  try {
    await api("PUT", `/api/v1/exams/panels/members/${m.id}`, asBody(m, false));
    await loadMembers();
    renderPool();
  } catch (error) {
    byId("pool-status").textContent = problemText(error);
  }
}

function seriesGrade(m) {
  return m.kind === "serving_official" ? t("panels.series-grade", { series: m.job_series, grade: m.grade }) : "";
}

function renderPool() {
  if (!state.members) return;
  const status = byId("pool-status");
  if (state.members.length === 0) {
    status.textContent = t("panels.pool.none");
    byId("pool-table").replaceChildren();
    return;
  }
  status.textContent = t("panels.pool.count", { count: state.members.length,
    active: state.members.filter((m) => m.active).length });
  const rows = state.members.map((m) => el("tr", { dataset: { member: String(m.id) } },
    el("td", {}, m.name),
    el("td", {}, t(`panels.kind.${m.kind}`)),
    el("td", {}, m.org_unit ?? ""),
    el("td", {}, seriesGrade(m)),
    el("td", {}, m.retired_on ? day(m.retired_on) : ""),
    el("td", { dataset: { active: String(m.active) } }, t(m.active ? "panels.active.yes" : "panels.active.no")),
    el("td", {}, el("div", { class: "row" },
      el("button", { type: "button", "aria-label": t("panels.member.edit", { name: m.name }),
        onclick: () => editMember(m) }, t("panels.edit")),
      m.active ? el("button", { type: "button", "aria-label": t("panels.member.deactivate", { name: m.name }),
        onclick: () => deactivate(m) }, t("panels.deactivate")) : "")),
  ));
  byId("pool-table").replaceChildren(tableBox("pool-caption", el("table", {},
    el("caption", { id: "pool-caption" }, t("panels.pool.caption")),
    el("thead", {}, headerRow(["panels.col.member", "panels.col.kind", "panels.member.org",
      "panels.col.series-grade", "panels.member.retired", "panels.col.active", "panels.col.actions"])),
    el("tbody", {}, rows))));
}

// ---- panels for an exam round ------------------------------------------------------------

async function loadRounds() {
  const form = byId("round-form");
  const year = Number(form.elements.year.value);
  const status = byId("round-status");
  const select = form.elements.round_id;
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    status.textContent = t("panels.round.bad-year");
    state.rounds = [];
    select.replaceChildren();
    return;
  }
  try {
    state.rounds = await api("GET", `/api/v1/exams/rounds?year=${year}`);
  } catch (error) {
    status.textContent = problemText(error);
    return;
  }
  select.replaceChildren(...state.rounds.map((r) => el("option", { value: String(r.id) }, r.name)));
  status.textContent = state.rounds.length
    ? t("panels.round.found", { year, count: state.rounds.length })
    : t("panels.round.none", { year });
}

async function runRound(form) {
  const box = form.querySelector(".form-error");
  box.textContent = "";
  const f = form.elements;
  const round = state.rounds?.find((r) => String(r.id) === f.round_id.value);
  if (!round) {
    box.textContent = t("panels.round.need-round");
    return;
  }
  const body = {
    label: round.name, seed: Number(f.seed.value || 0),
    candidates_per_slot: Number(f.candidates_per_slot.value || 5),
    slot_minutes: Number(f.slot_minutes.value || 30),
  };
  try {
    const made = await api("POST", `/api/v1/exams/rounds/${round.id}/panels`, body);
    await loadList();
    state.chosen = made;
    renderList();
    renderChosen();
    byId("assignment").focus();
  } catch (error) {
    box.textContent = refusal(error);
  }
}

// ---- slots typed by hand -----------------------------------------------------------------

async function run(form) {
  const box = form.querySelector(".form-error");
  box.textContent = "";
  const data = new FormData(form);
  const lines = String(data.get("slots")).split("\n").map((l) => l.trim()).filter(Boolean);
  const slots = [];
  for (const [i, line] of lines.entries()) {
    const slot = parseSlot(line);
    if (!slot) {
      box.textContent = t("panels.slots.bad", { line: i + 1 });
      return;
    }
    slots.push(slot);
  }
  const body = { label: String(data.get("label")).trim(), seed: Number(data.get("seed") || 0), slots };
  try {
    const made = await api("POST", "/api/v1/exams/panels/assignments", body);
    await loadList();
    state.chosen = made;
    renderList();
    renderChosen();
    byId("assignment").focus();
  } catch (error) {
    box.textContent = refusal(error);
  }
}

async function loadList() {
  state.list = await api("GET", "/api/v1/exams/panels/assignments");
}

async function open(id) {
  try {
    state.chosen = await api("GET", `/api/v1/exams/panels/assignments/${id}`);
    renderChosen();
    byId("assignment").focus();
  } catch (error) {
    byId("assignment-status").textContent = problemText(error);
  }
}

function renderList() {
  const status = byId("list-status");
  const box = byId("list-table");
  if (!state.list) return;
  if (state.list.length === 0) {
    status.textContent = t("panels.list.none");
    box.replaceChildren();
    return;
  }
  status.textContent = t("panels.list.count", { count: state.list.length });
  const rows = [...state.list].reverse().map((a) => el("tr", { dataset: { id: String(a.id) } },
    el("td", {}, a.label),
    el("td", {}, formatTime(a.created_at)),
    el("td", {}, `${a.min_assignments}–${a.max_assignments}`),
    el("td", {}, el("button", { type: "button", "aria-label": t("panels.open", { label: a.label }),
      onclick: () => open(a.id) }, t("panels.col.open"))),
  ));
  const table = el("table", {},
    el("caption", { id: "list-caption" }, t("panels.list.caption")),
    el("thead", {}, headerRow(["panels.col.label", "panels.col.created", "panels.col.spread",
      "panels.col.open"])),
    el("tbody", {}, rows));
  box.replaceChildren(tableBox("list-caption", table));
}

function renderChosen() {
  const a = state.chosen;
  if (!a) return;
  byId("assignment-heading").textContent = t("panels.assignment.named", { label: a.label });
  byId("assignment-status").textContent = t("panels.hash", { hash: a.input_hash.slice(0, 12), seed: a.seed });
  byId("spread").replaceChildren(el("p", { class: "spread", dataset: { min: String(a.min_assignments), max: String(a.max_assignments) } },
    t("panels.spread", { min: a.min_assignments, max: a.max_assignments, panels: a.panels.length, members: a.loads.length })));
  const panelsByTime = [...a.panels].sort((x, y) => x.starts_at.localeCompare(y.starts_at) || x.slot_ref.localeCompare(y.slot_ref));
  const names = new Map(a.loads.map((l) => [l.member_id, l.name]));
  const panelRows = panelsByTime.map((p) => el("tr", { dataset: { slot: p.slot_ref } },
    el("td", {}, formatTime(p.starts_at)),
    el("td", {}, p.slot_ref),
    el("td", {}, p.label),
    el("td", {}, p.candidates.join(", ")),
    ...KINDS.map((k) => el("td", { dataset: { kind: k } }, names.get(p[`${k}_id`]) ?? "")),
  ));
  byId("panels-table").replaceChildren(tableBox("panels-caption", el("table", {},
    el("caption", { id: "panels-caption" }, t("panels.panels.caption")),
    el("thead", {}, headerRow(["panels.col.time", "panels.col.slot", "panels.col.unit",
      "panels.col.candidates", ...KINDS.map((k) => `panels.col.${k}`)])),
    el("tbody", {}, panelRows))));
  const loadRows = a.loads.map((l) => el("tr", { dataset: { member: String(l.member_id) } },
    el("td", {}, l.name), el("td", {}, t(`panels.kind.${l.kind}`)),
    el("td", { class: "number" }, String(l.assignments))));
  byId("loads-table").replaceChildren(tableBox("loads-caption", el("table", {},
    el("caption", { id: "loads-caption" }, t("panels.loads.caption")),
    el("thead", {}, headerRow(["panels.col.member", "panels.col.kind", "panels.col.count"])),
    el("tbody", {}, loadRows))));
}

function render() {
  renderPool();
  renderList();
  renderChosen();
}

async function start() {
  const main = byId("admin-main");
  const user = await startPage(["admin", "panels"], render);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  byId("run-form").addEventListener("submit", (e) => {
    e.preventDefault();
    run(e.currentTarget);
  });
  const memberForm = byId("member-form");
  memberForm.elements.kind.addEventListener("change", () => showKindFields(memberForm));
  memberForm.addEventListener("submit", (e) => {
    e.preventDefault();
    saveMember(e.currentTarget);
  });
  byId("member-cancel").addEventListener("click", resetMemberForm);
  showKindFields(memberForm);
  const roundForm = byId("round-form");
  roundForm.elements.year.value = seoulToday().slice(0, 4);
  roundForm.elements.year.addEventListener("change", loadRounds);
  roundForm.addEventListener("submit", (e) => {
    e.preventDefault();
    runRound(e.currentTarget);
  });
  try {
    await Promise.all([loadList(), loadMembers(), loadRounds()]);
  } catch (error) {
    byId("page-error").textContent = problemText(error);
  }
  render();
  main.dataset.state = "ready";
}

start();
