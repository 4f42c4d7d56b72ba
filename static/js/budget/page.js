// The budget page (/admin/budget): the year's lines as a tree with their budget, commitments,
// expenditures and rates as of a day; a chosen line's amendments, ledger and forecasts with
// forms that only ever add (a correction is a new entry naming the one it corrects); posting
// instructors' fees; cost per completed trainee; and a link to the execution report on
// /reports, which does the table, chart, CSV, XLSX and print. Unknown figures read 자료 없음.

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import {
  day,
  el,
  headerRow,
  problemText,
  seoulToday,
  startPage,
  tableBox,
  won,
} from "/static/js/admin/page.js";
import { entryLabel, formBody, lineName, money, rate, showError } from "/static/js/budget/words.js";

const state = { year: null, asOf: null, lines: null, line: null, detail: null, costs: null };
const byId = (id) => document.getElementById(id);

// ---- the lines --------------------------------------------------------------------------------

function params() {
  const query = new URLSearchParams({ year: String(state.year) });
  if (state.asOf) query.set("as_of", state.asOf);
  return query;
}

async function loadLines() {
  state.lines = await api("GET", `/api/v1/budget/lines?${params()}`);
  byId("report-link").href = `/reports/budget-execution?${params()}`;
}

function renderLines() {
  const box = byId("lines-table");
  const status = byId("lines-status");
  if (!state.lines) return;
  status.textContent = state.lines.length
    ? t("budget.lines.found", { year: state.year, as_of: state.asOf || seoulToday() })
    : t("budget.lines.none", { year: state.year });
  if (!state.lines.length) {
    box.replaceChildren();
    return;
  }
  const cols = ["budget.col.line", "budget.col.budget", "budget.col.commitments",
    "budget.col.commitment-rate", "budget.col.expenditures", "budget.col.expenditure-rate",
    "budget.col.forecast"];
  const rows = state.lines.map((line) => {
    const name = line.leaf
      ? el("button", { type: "button", class: "link-button", dataset: { line: line.id },
        "aria-pressed": String(state.line === line.id),
        onclick: () => chooseLine(line.id) }, lineName(line))
      : lineName(line);
    const num = (text, column) =>
      el("td", { class: `num${text === t("admin.no-data") ? " no-data" : ""}`,
        dataset: { column } }, text);
    return el("tr", { dataset: { code: line.code, kind: line.kind } },
      el("th", { scope: "row", class: `depth-${Math.min(line.depth, 3)}` }, name),
      num(money(line.budget_won), "budget"),
      num(money(line.commitments_won), "commitments"),
      num(rate(line.commitment_rate), "commitment_rate"),
      num(money(line.expenditures_won), "expenditures"),
      num(rate(line.expenditure_rate), "expenditure_rate"),
      num(money(line.forecast_won), "forecast"));
  });
  const table = el("table", {},
    el("caption", { id: "lines-caption" },
      t("budget.lines.caption", { year: state.year, as_of: state.asOf || seoulToday() })),
    el("thead", {}, headerRow(cols)), el("tbody", {}, rows));
  box.replaceChildren(tableBox("lines-caption", table));
}

async function showLines() {
  const form = byId("year-form");
  const year = Number(form.elements.year.value);
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    showError(form, t("budget.error.year"));
    form.elements.year.focus();
    return;
  }
  showError(form, "");
  state.year = year;
  state.asOf = form.elements.as_of.value || null;
  try {
    await loadLines();
    if (state.line && !state.lines.some((l) => l.id === state.line)) closeLine();
  } catch (error) {
    showError(form, problemText(error));
  }
  renderLines();
  if (state.line) await loadLine();
}

// ---- one line -----------------------------------------------------------------------------------

function closeLine() {
  state.line = null;
  state.detail = null;
  byId("line-body").hidden = true;
  byId("line-hint").hidden = false;
}

async function chooseLine(id) {
  state.line = id;
  await loadLine();
  renderLines();
  byId("line").focus();
}

async function loadLine() {
  const base = `/api/v1/budget/lines/${state.line}`;
  try {
    const [amendments, entries, forecasts] = await Promise.all([
      api("GET", `${base}/amendments`), api("GET", `${base}/entries`),
      api("GET", `${base}/forecasts`)]);
    state.detail = { amendments, entries, forecasts };
  } catch (error) {
    byId("line-status").textContent = problemText(error);
  }
  renderLine();
}

function current() {
  return state.lines?.find((l) => l.id === state.line) ?? null;
}

function lineTable(id, caption, cols, rows, empty) {
  if (!rows.length) return el("p", { class: "muted" }, empty);
  const table = el("table", {}, el("caption", { id }, caption),
    el("thead", {}, headerRow(cols)), el("tbody", {}, rows));
  return tableBox(id, table);
}

function renderLine() {
  const line = current();
  if (!line || !state.detail) return;
  byId("line-hint").hidden = true;
  byId("line-body").hidden = false;
  byId("line-heading").textContent = t("budget.line.named", { name: lineName(line) });
  const names = new Map(state.lines.map((l) => [l.id, lineName(l)]));
  const { amendments, entries, forecasts } = state.detail;
  byId("amendments-list").replaceChildren(lineTable("amendments-caption",
    t("budget.amendments.caption", { name: lineName(line) }),
    ["budget.col.day", "budget.col.kind", "budget.col.amount", "budget.col.counter",
      "budget.col.reason"],
    amendments.map((a) => el("tr", {},
      el("td", {}, day(a.effective_on)), el("td", {}, t(`budget.kind.${a.kind}`)),
      el("td", { class: "num" }, won(a.amount_won)),
      el("td", {}, a.counter_line_id ? names.get(a.counter_line_id) ?? "" : ""),
      el("td", {}, a.reason))),
    t("budget.amendments.none")));
  byId("ledger-list").replaceChildren(lineTable("ledger-caption",
    t("budget.ledger.caption", { name: lineName(line) }),
    ["budget.col.day", "budget.col.kind", "budget.col.amount", "budget.col.counterparty",
      "budget.col.memo"],
    entries.map((e) => el("tr", { dataset: { entry: e.id } },
      el("td", {}, day(e.entry_on)),
      el("td", {}, e.corrects_id
        ? t("budget.entry.correction-of", { kind: t(`budget.kind.${e.kind}`), id: e.corrects_id })
        : `${t(`budget.kind.${e.kind}`)} #${e.id}`),
      el("td", { class: "num" }, won(e.amount_won)),
      el("td", {}, e.counterparty ?? ""),
      el("td", {}, e.corrects_id ? e.reason ?? "" : e.memo ?? ""))),
    t("budget.ledger.none")));
  byId("forecasts-list").replaceChildren(lineTable("forecasts-caption",
    t("budget.forecasts.caption", { name: lineName(line) }),
    ["budget.col.day", "budget.col.amount", "budget.col.note"],
    forecasts.map((f) => el("tr", {}, el("td", {}, day(f.forecast_on)),
      el("td", { class: "num" }, won(f.amount_won)), el("td", {}, f.note ?? ""))),
    t("budget.forecasts.none")));
  fillChoices(line, entries);
}

function fillChoices(line, entries) {
  const to = byId("am-to");
  const chosen = to.value;
  to.replaceChildren(el("option", { value: "" }, t("budget.choose")),
    ...state.lines.filter((l) => l.leaf && l.id !== line.id)
      .map((l) => el("option", { value: l.id }, lineName(l))));
  to.value = chosen;
  const entry = byId("co-entry");
  const picked = entry.value;
  entry.replaceChildren(el("option", { value: "" }, t("budget.choose")),
    ...entries.filter((e) => !e.corrects_id)
      .map((e) => el("option", { value: e.id }, entryLabel(e, day, won))));
  entry.value = picked;
}

async function submit(form, path, body, done) {
  showError(form, "");
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api("POST", path, body);
    form.reset();
    await loadLines();
    renderLines();
    await loadLine();
    byId("line-status").textContent = t(done);
  } catch (error) {
    showError(form, problemText(error));
    form.querySelector("input, select")?.focus();
  } finally {
    button.disabled = false;
  }
}

function wireLineForms() {
  const amendment = byId("amendment-form");
  amendment.elements.kind.addEventListener("change", (e) => {
    amendment.elements.to_line_id.disabled = e.target.value !== "transfer";
  });
  amendment.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = formBody(amendment, ["amount_won", "to_line_id"]);
    if (body.kind !== "transfer") delete body.to_line_id;
    submit(amendment, `/api/v1/budget/lines/${state.line}/amendments`, body,
      "budget.amendment.saved").then(() => {
      amendment.elements.to_line_id.disabled = amendment.elements.kind.value !== "transfer";
    });
  });
  const entry = byId("entry-form");
  entry.addEventListener("submit", (e) => {
    e.preventDefault();
    submit(entry, `/api/v1/budget/lines/${state.line}/entries`,
      formBody(entry, ["amount_won"]), "budget.entry.saved");
  });
  const correction = byId("correction-form");
  correction.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = formBody(correction, ["amount_won", "entry_id"]);
    const id = body.entry_id;
    delete body.entry_id;
    if (!id) {
      showError(correction, t("budget.error.entry"));
      correction.elements.entry_id.focus();
      return;
    }
    submit(correction, `/api/v1/budget/entries/${id}/corrections`, body,
      "budget.correction.saved");
  });
  const forecast = byId("forecast-form");
  forecast.addEventListener("submit", (e) => {
    e.preventDefault();
    submit(forecast, `/api/v1/budget/lines/${state.line}/forecasts`,
      formBody(forecast, ["amount_won"]), "budget.forecast.saved");
  });
}

// ---- fees and costs ---------------------------------------------------------------------------

async function postFees() {
  const form = byId("fees-form");
  showError(form, "");
  try {
    const done = await api("POST", "/api/v1/budget/fee-postings", formBody(form, []));
    byId("fees-status").textContent = t("budget.fees.done", {
      commitments: done.commitments_posted, expenditures: done.expenditures_posted,
      adjustments: done.adjustments_posted, already: done.already_posted,
      unknown: done.unknown_fee, unmapped: done.unmapped_course, amount: won(done.posted_won),
    });
    await loadLines();
    renderLines();
    if (state.line) await loadLine();
  } catch (error) {
    showError(form, problemText(error));
  }
}

async function showCosts() {
  try {
    state.costs = await api("GET", `/api/v1/budget/costs?${params()}`);
  } catch (error) {
    byId("costs-status").textContent = problemText(error);
    return;
  }
  renderCosts();
}

function renderCosts() {
  if (!state.costs) return;
  byId("costs-status").textContent = t("budget.costs.found", { count: state.costs.length });
  byId("costs-table").replaceChildren(lineTable("costs-caption",
    t("budget.costs.caption", { year: state.year }),
    ["budget.col.scope", "budget.col.name", "budget.col.expenditures", "budget.col.completed",
      "budget.col.per-completed"],
    state.costs.map((c) => el("tr", {}, el("td", {}, t(`budget.scope.${c.scope}`)),
      el("th", { scope: "row" }, c.name), el("td", { class: "num" }, won(c.expenditures_won)),
      el("td", { class: "num" }, String(c.completed)),
      el("td", { class: `num${c.per_completed_won === null ? " no-data" : ""}` },
        money(c.per_completed_won)))),
    t("budget.costs.none")));
}

// ---- the page -------------------------------------------------------------------------------------

function renderAll() {
  renderLines();
  renderLine();
  renderCosts();
}

async function start() {
  const main = byId("admin-main");
  const user = await startPage(["admin", "budget"], renderAll);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  const today = seoulToday();
  const form = byId("year-form");
  form.elements.year.value = today.slice(0, 4);
  state.year = Number(today.slice(0, 4));
  byId("fees-form").elements.date_from.value = `${today.slice(0, 8)}01`;
  byId("fees-form").elements.date_to.value = today;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    showLines();
  });
  form.elements.as_of.addEventListener("change", () => {
    state.asOf = form.elements.as_of.value || null;
    byId("report-link").href = `/reports/budget-execution?${params()}`;
  });
  byId("fees-form").addEventListener("submit", (e) => {
    e.preventDefault();
    postFees();
  });
  byId("costs-show").addEventListener("click", showCosts);
  wireLineForms();
  try {
    await loadLines();
  } catch (error) {
    byId("page-error").textContent = problemText(error);
  }
  renderLines();
  main.dataset.state = "ready";
}

start();
