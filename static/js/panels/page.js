// The panel assignment page (/admin/exams/panels, exam officers and admins): run an assignment
// from slots typed one per line, list the assignments run, and open one to see its panels by
// time and the spread (every pool member's number of panels, min–max). An impossible request
// shows the server's words naming each slot and what is missing; nothing is stored then.

import { api, ApiError } from "/static/js/api.js";
import { formatTime, t } from "/static/js/i18n.js";
import { el, headerRow, problemText, startPage, tableBox } from "/static/js/admin/page.js";

const KINDS = ["outside_expert", "retired_official", "serving_official"];
const state = { list: null, chosen: null };
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
    box.textContent = error instanceof ApiError && error.type === "panels-infeasible"
      ? t("panels.infeasible", { detail: error.message }) : problemText(error);
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
  const names = new Map(a.loads.map((l) => [l.member_id, l.name]));
  const panelRows = a.panels.map((p) => el("tr", { dataset: { slot: p.slot_ref } },
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
  try {
    await loadList();
  } catch (error) {
    byId("page-error").textContent = problemText(error);
  }
  render();
  main.dataset.state = "ready";
}

start();
