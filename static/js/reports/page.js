// The reports pages (static/reports.html), one view per path:
//   /reports              the reports this person may read; for staff, the frozen reports
//   /reports/{name}       one report: year and as-of, table, chart, notes, CSV/XLSX downloads,
//                         print (PDF), and for staff freezing it after a confirmation
//   /frozen-reports/{id}  a frozen report as submitted, and its diff against a re-run
// Everything comes from /api/v1/reports and /api/v1/frozen-reports (server/reports/api.py);
// who may read what is the server's decision, the page only lists what it is given.

import { ApiError, api, resetSession, session } from "/static/js/api.js";
import { formatTime, language, languageButton, loadCatalogs, t } from "/static/js/i18n.js";
import { columnTitle, formatCell, inLanguage, rowLabel } from "/static/js/reports/format.js";
import { element, renderReport } from "/static/js/reports/render.js";

const STAFF = ["admin", "operator"]; // server/core/auth/roles.py STAFF: freeze and frozen copies
const PAGE = 100;

const main = document.getElementById("reports");
const state = {
  user: null, view: null, reports: null, frozenList: null, report: null, frozen: null,
  diff: null, names: new Map(), notice: null,
};

const byId = (id) => document.getElementById(id);
const isStaff = () => state.user !== null && state.user.roles.some((r) => STAFF.includes(r));

/** Which view the path asks for: ["list"], ["report", name] or ["frozen", id]. */
function route(path = location.pathname) {
  const report = path.match(/^\/reports\/([a-z0-9-]+)\/?$/);
  if (report) return ["report", report[1]];
  const frozen = path.match(/^\/frozen-reports\/(\d+)\/?$/);
  if (frozen) return ["frozen", Number(frozen[1])];
  return ["list"];
}

/** The year the institute is in (the server's day in Seoul, carried by the page). */
function currentYear() {
  const given = document.querySelector('meta[name="baeum-today"]')?.content || "";
  return /^\d{4}-/.test(given) ? Number(given.slice(0, 4)) : new Date().getFullYear();
}

const titleOf = (info) => (language() === "ko" ? info.title_ko : info.title_en);

function reportTitle(name) {
  const info = state.reports?.find((r) => r.name === name);
  return info ? titleOf(info) : name;
}

function personName(id) {
  if (id === null || id === undefined) return t("reports.actor.system");
  return state.names.get(id) ?? t("reports.actor.id", { id });
}

/** Names of the people who froze reports or changed records (staff may read any user). */
async function loadNames(ids) {
  const missing = [...new Set(ids)].filter((id) => id !== null && !state.names.has(id));
  await Promise.all(missing.map(async (id) => {
    try {
      state.names.set(id, (await api("GET", `/api/v1/users/${id}`)).name);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // a person gone: shown by number
    }
  }));
}

async function allFrozen() {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) query.set("cursor", cursor);
    const page = await api("GET", `/api/v1/frozen-reports?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// ---- the list -------------------------------------------------------------------------------

function renderList() {
  byId("heading").textContent = t("reports.heading");
  document.title = t("reports.page-title");
  const list = byId("report-list");
  if (state.reports === null) return;
  if (state.reports.length === 0) {
    list.replaceChildren(element("li", { className: "empty" }, t("reports.none")));
  } else {
    list.replaceChildren(...state.reports.map((info) => element("li", {},
      element("a", { href: `/reports/${info.name}`, dataset: { report: info.name } }, titleOf(info)))));
  }
  byId("frozen-section").hidden = !isStaff();
  if (isStaff() && state.frozenList !== null) byId("frozen-list").replaceChildren(frozenTable());
}

function frozenTable() {
  if (state.frozenList.length === 0) return element("p", { className: "empty" }, t("reports.frozen.none"));
  const heads = ["reports.frozen.report", "reports.year", "reports.as-of", "reports.frozen.author",
    "reports.frozen.at", "reports.frozen.hash"];
  const rows = state.frozenList.map((f) => element("tr", { dataset: { frozenId: String(f.id) } },
    element("th", { scope: "row" },
      element("a", { href: `/frozen-reports/${f.id}` }, t("reports.frozen.link", { title: reportTitle(f.name), id: f.id }))),
    element("td", { className: "num" }, String(f.year)),
    element("td", {}, f.as_of),
    element("td", {}, personName(f.author_id)),
    element("td", {}, formatTime(f.frozen_at)),
    element("td", {}, element("code", { title: f.content_sha256 }, f.content_sha256.slice(0, 12)))));
  const table = element("table", { className: "report" },
    element("caption", { id: "frozen-caption" }, t("reports.frozen.list")),
    element("thead", {}, element("tr", {}, ...heads.map((k) => element("th", { scope: "col" }, t(k))))),
    element("tbody", {}, ...rows));
  return element("div", { className: "table-wrap", role: "region", tabindex: "0",
    "aria-labelledby": "frozen-caption" }, table);
}

async function loadList() {
  state.reports = await api("GET", "/api/v1/reports");
  if (isStaff()) {
    state.frozenList = await allFrozen();
    await loadNames(state.frozenList.map((f) => f.author_id));
  }
}

// ---- one report ----------------------------------------------------------------------------

function asked() {
  const query = new URLSearchParams(location.search);
  const year = Number(query.get("year")) || currentYear();
  const asOf = /^\d{4}-\d{2}-\d{2}$/.test(query.get("as_of") || "") ? query.get("as_of") : null;
  return { year, asOf };
}

function reportUrl(name, year, asOf, format) {
  const query = new URLSearchParams({ year: String(year) });
  if (asOf) query.set("as_of", asOf);
  if (format) query.set("format", format);
  return `/api/v1/reports/${name}?${query}`;
}

function renderReportView(name) {
  const report = state.report;
  const title = report ? inLanguage(report.title) : reportTitle(name);
  byId("heading").textContent = title;
  document.title = `${title} · ${t("reports.page-title")}`;
  byId("actions").hidden = report === null;
  if (report === null) {
    byId("parameters").textContent = "";
    byId("report-body").replaceChildren();
    return;
  }
  const { year, as_of: asOf } = report.parameters;
  byId("parameters").textContent = t(report.parameters.scope ? "reports.parameters.own" : "reports.parameters",
    { year, as_of: asOf });
  byId("download-csv").href = reportUrl(name, year, asOf, "csv");
  byId("download-xlsx").href = reportUrl(name, year, asOf, "xlsx");
  byId("download-pdf").href = reportUrl(name, year, asOf, "pdf");
  byId("freeze").hidden = !isStaff() || Boolean(report.parameters.scope);
  renderReport(byId("report-body"), report, "report");
}

async function loadReport(name) {
  const { year, asOf } = asked();
  byId("year").value = String(year);
  byId("as-of").value = asOf || "";
  byId("run-form").action = `/reports/${name}`;
  state.reports = await api("GET", "/api/v1/reports"); // the title, even when the run fails
  state.report = await api("GET", reportUrl(name, year, asOf));
}

/** Freeze what is on the page (its year and as-of) after the person confirms it. */
function askToFreeze(name) {
  const dialog = byId("freeze-dialog");
  const { year, as_of: asOf } = state.report.parameters;
  byId("freeze-dialog-text").textContent = t("reports.freeze.confirm-text",
    { title: inLanguage(state.report.title), year, as_of: asOf });
  dialog.returnValue = "";
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "freeze") return byId("freeze").focus();
    const button = byId("freeze");
    button.disabled = true;
    byId("status").textContent = t("reports.freeze.working");
    try {
      const frozen = await api("POST", `/api/v1/reports/${name}/freeze`, { year, as_of: asOf });
      location.assign(`/frozen-reports/${frozen.id}`);
    } catch (error) {
      button.disabled = false;
      byId("status").textContent = "";
      showError(error);
    }
  }, { once: true });
  dialog.showModal();
  byId("freeze-cancel").focus(); // the safe choice first: a freeze is for good
}

// ---- a frozen report and its diff ----------------------------------------------------------

function renderFrozenView() {
  const frozen = state.frozen;
  if (frozen === null) return;
  const title = inLanguage(frozen.content.title);
  byId("heading").textContent = t("reports.frozen.heading", { title });
  document.title = `${byId("heading").textContent} · ${t("reports.page-title")}`;
  const entries = [
    ["reports.frozen.report", element("a", { href: `/reports/${frozen.name}?year=${frozen.year}&as_of=${frozen.as_of}` }, title)],
    ["reports.year", String(frozen.year)],
    ["reports.as-of", frozen.as_of],
    ["reports.frozen.author", personName(frozen.author_id)],
    ["reports.frozen.at", formatTime(frozen.frozen_at)],
    ["reports.frozen.hash", element("code", { className: "hash" }, frozen.content_sha256)],
  ];
  byId("frozen-meta").replaceChildren(...entries.flatMap(([key, value]) => [
    element("dt", {}, t(key)), element("dd", {}, value)]));
  const intact = byId("frozen-intact");
  intact.className = frozen.content_intact ? "notice" : "notice error";
  intact.textContent = t(frozen.content_intact ? "reports.frozen.intact" : "reports.frozen.tampered");
  renderReport(byId("frozen-body"), frozen.content, "frozen", 3);
  if (state.diff !== null) renderDiff();
}

function cellChange(content, change) {
  const column = content.columns.find((c) => c.key === change.column);
  const kind = column ? column.kind : "text";
  return [column ? columnTitle(column) : change.column, formatCell(change.old, kind), formatCell(change.new, kind)];
}

function recordChanges(record) {
  const keys = [...new Set([...Object.keys(record.before || {}), ...Object.keys(record.after || {})])];
  const show = (value) => (value === undefined ? "—" : JSON.stringify(value));
  return keys.map((key) => `${key}: ${show(record.before?.[key])} → ${show(record.after?.[key])}`);
}

function renderDiff() {
  const diff = state.diff;
  const content = state.frozen.content;
  const label = (key) => {
    const row = content.rows.find((r) => r.key === key);
    return row ? rowLabel(content, row) : key;
  };
  const parts = [element("p", { id: "diff-summary", className: diff.identical ? "notice" : "notice warn" },
    t(diff.identical ? "reports.diff.identical" : "reports.diff.changed"))];
  if (diff.rows_added.length) {
    parts.push(element("h3", {}, t("reports.diff.rows-added")),
      element("ul", { id: "rows-added" }, ...diff.rows_added.map((key) => element("li", {}, key))));
  }
  if (diff.rows_removed.length) {
    parts.push(element("h3", {}, t("reports.diff.rows-removed")),
      element("ul", { id: "rows-removed" }, ...diff.rows_removed.map((key) => element("li", {}, label(key)))));
  }
  if (diff.rows_changed.length) {
    const heads = [["reports.diff.row", ""], ["reports.diff.column", ""], ["reports.diff.old", "num"],
      ["reports.diff.new", "num"]];
    // one table row per changed cell; the report row's name spans its cells' rows
    const rows = diff.rows_changed.flatMap((row) => row.cells.map((change, index) => {
      const [column, old, now] = cellChange(content, change);
      const name = index === 0
        ? [element("th", { scope: "row", rowspan: String(row.cells.length) }, label(row.key))] : [];
      return element("tr", { dataset: { key: row.key, column: change.column } }, ...name,
        element("td", {}, column), element("td", { className: "num" }, old),
        element("td", { className: "num" }, now));
    }));
    parts.push(element("div", { className: "table-wrap", role: "region", tabindex: "0",
      "aria-labelledby": "diff-cells-caption" }, element("table", { id: "diff-cells", className: "report" },
      element("caption", { id: "diff-cells-caption" }, t("reports.diff.cells")),
      element("thead", {}, element("tr", {}, ...heads.map(([k, className]) =>
        element("th", { scope: "col", className }, t(k))))),
      element("tbody", {}, ...rows))));
  }
  parts.push(element("h3", {}, t("reports.diff.records", { count: diff.changed_records_total })));
  if (diff.changed_records.length === 0) {
    parts.push(element("p", { className: "empty" }, t("reports.diff.no-records")));
  } else {
    parts.push(element("ul", { id: "changed-records", className: "plain-list records" },
      ...diff.changed_records.map((record) => element("li", { dataset: { entity: record.entity, entityId: record.entity_id } },
        element("p", {}, element("strong", {}, record.label)),
        element("p", { className: "muted" }, t("reports.diff.record-by", {
          action: t(`reports.action.${record.action}`), who: personName(record.actor_id), at: formatTime(record.at),
        })),
        element("ul", {}, ...recordChanges(record).map((line) => element("li", {}, line))),
        element("p", {}, t("reports.diff.feeds", { rows: record.row_keys.map(label).join(", ") }))))));
    if (diff.changed_records_total > diff.changed_records.length) {
      parts.push(element("p", { className: "muted" }, t("reports.diff.more",
        { shown: diff.changed_records.length, total: diff.changed_records_total })));
    }
  }
  parts.push(element("p", { className: "muted" }, t("reports.diff.current-hash"), " ",
    element("code", { className: "hash" }, diff.current_sha256)));
  byId("diff-body").replaceChildren(...parts);
  byId("diff-section").hidden = false;
}

async function loadFrozen(id) {
  state.reports = await api("GET", "/api/v1/reports");
  state.frozen = await api("GET", `/api/v1/frozen-reports/${id}`);
  await loadNames([state.frozen.author_id]);
}

async function runDiff(button) {
  button.disabled = true;
  byId("status").textContent = t("reports.diff.working");
  try {
    state.diff = await api("GET", `/api/v1/frozen-reports/${state.frozen.id}/diff`);
    await loadNames(state.diff.changed_records.map((r) => r.actor_id));
    byId("status").textContent = "";
    renderDiff();
    const heading = byId("diff-heading");
    heading.tabIndex = -1;
    heading.focus();
  } catch (error) {
    byId("status").textContent = "";
    showError(error);
  } finally {
    button.disabled = false;
  }
}

// ---- the page --------------------------------------------------------------------------------

function noticeFor(error) {
  if (!(error instanceof ApiError)) return { key: "error.network" };
  if (error.status === 403) return { key: "reports.error.forbidden" };
  if (error.status === 404) return { key: "reports.error.not-found" };
  const first = error.problem?.errors?.[0];
  return { key: "error.generic", vars: { detail: first?.msg || error.message } };
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401) return toLogIn();
  state.notice = noticeFor(error);
  render();
}

function toLogIn() {
  location.replace(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

function render() {
  const [view, arg] = state.view;
  byId("who").textContent = state.user ? t("reports.signed-in-as", { name: state.user.name }) : "";
  byId("list-view").hidden = view !== "list";
  byId("report-view").hidden = view !== "report";
  byId("frozen-view").hidden = view !== "frozen";
  if (view === "list") {
    byId("nav-reports").setAttribute("aria-current", "page");
    renderList();
  } else if (view === "report") {
    renderReportView(arg);
  } else {
    renderFrozenView();
  }
  byId("reports-error").textContent = state.notice ? t(state.notice.key, state.notice.vars) : "";
}

async function signOut(button) {
  button.disabled = true;
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      button.disabled = false;
      return showError(error);
    }
  }
  resetSession();
  location.assign("/login");
}

async function start() {
  state.view = route();
  await loadCatalogs(["reports"]);
  languageButton(byId("lang"));
  byId("logout").addEventListener("click", (e) => signOut(e.currentTarget));
  byId("print").addEventListener("click", () => window.print());
  byId("freeze").addEventListener("click", () => askToFreeze(state.view[1]));
  byId("diff").addEventListener("click", (e) => runDiff(e.currentTarget));
  document.addEventListener("baeum:language", render);
  try {
    state.user = (await session()).user;
    const [view, arg] = state.view;
    if (view === "list") await loadList();
    else if (view === "report") await loadReport(arg);
    else await loadFrozen(arg);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return toLogIn();
    state.notice = noticeFor(error);
  }
  render();
  main.dataset.state = state.notice ? "failed" : "ready";
}

start();
