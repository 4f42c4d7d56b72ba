// A report's JSON (GET /api/v1/reports/{name}, or a frozen copy's content) as the page shows
// it: the table (totals and subtotals set apart, figures right-aligned), a bar chart of the
// main figure per row, and the notes. The chart is inline SVG drawn here (no library): one
// picture with a text alternative; the table carries the same figures for everyone else.

import { t } from "/static/js/i18n.js";
import { columnTitle, formatCell, inLanguage, isFigure, rowLabel } from "/static/js/reports/format.js";

const SVG = "http://www.w3.org/2000/svg";
const NUMERIC = ["int", "percent", "score", "thousand_won", "change_percent"];
const ROW_HEIGHT = 46; // px per row of the chart: its label, then its bar
const BAR_SHARE = 78; // % of the width the longest bar takes; the rest is for its figure

function element(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "className") el.className = value;
    else el.setAttribute(name, value);
  }
  el.append(...children);
  return el;
}

function svgElement(tag, attributes = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/** The column a chart shows: the last percentage, else the last score, else the last count. */
export function mainColumn(report) {
  for (const kind of ["percent", "score", "int"]) {
    const found = report.columns.filter((column) => column.kind === kind);
    if (found.length) return found[found.length - 1];
  }
  return null;
}

/** The report as a table; ``idPrefix`` keeps ids apart when a page shows two tables. */
export function reportTable(report, idPrefix) {
  const captionId = `${idPrefix}-caption`;
  const caption = element("caption", { id: captionId },
    t("reports.table-caption", { title: inLanguage(report.title), as_of: report.parameters.as_of }));
  const head = element("tr", {}, ...report.columns.map((column) => element("th", {
    scope: "col", className: NUMERIC.includes(column.kind) ? "num" : "",
  }, columnTitle(column))));
  const body = report.rows.map((row) => element("tr", {
    className: `level-${row.level}`, dataset: { key: row.key, level: row.level },
  }, ...report.columns.map((column, index) => {
    const value = row.cells[column.key];
    const numeric = NUMERIC.includes(column.kind);
    const classes = [numeric ? "num" : "", value === null || value === undefined ? "no-data" : ""];
    return element(index === 0 ? "th" : "td", {
      ...(index === 0 ? { scope: "row" } : {}),
      className: classes.filter(Boolean).join(" "),
      dataset: { column: column.key },
    }, formatCell(value, column.kind));
  })));
  const table = element("table", { className: "report" }, caption,
    element("thead", {}, head), element("tbody", {}, ...body));
  // a wide table scrolls inside its own box on a phone, reachable by keyboard
  return element("div", {
    className: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId,
  }, table);
}

/** A bar per row for the main figure; no bar where there is no data (or 상시). */
export function reportChart(report, idPrefix) {
  const column = mainColumn(report);
  if (column === null || report.rows.length === 0) return null;
  const values = report.rows.map((row) => row.cells[column.key]);
  const largest = Math.max(0, ...values.filter(isFigure));
  const svg = svgElement("svg", {
    role: "img", width: "100%", height: report.rows.length * ROW_HEIGHT,
    "aria-labelledby": `${idPrefix}-chart-title`, class: "chart",
  });
  svg.append(svgElement("title", { id: `${idPrefix}-chart-title` }, t("reports.chart.alt", {
    column: columnTitle(column), rows: report.rows.length,
  })));
  report.rows.forEach((row, index) => {
    const top = index * ROW_HEIGHT;
    const value = values[index];
    const group = svgElement("g", { class: `bar level-${row.level}`, "data-key": row.key });
    group.append(svgElement("text", { x: 0, y: top + 16, class: "bar-label" }, rowLabel(report, row)));
    if (isFigure(value) && largest > 0) {
      const share = (Math.max(value, 0) / largest) * BAR_SHARE;
      group.append(svgElement("rect", { x: 0, y: top + 22, height: 16, width: `${share}%`, rx: 2 }));
      group.append(svgElement("text", { x: `${share}%`, dx: 6, y: top + 35, class: "bar-value" },
        formatCell(value, column.kind)));
    } else {
      group.append(svgElement("text", { x: 0, y: top + 35, class: "bar-value no-data" },
        formatCell(value, column.kind)));
    }
    svg.append(group);
  });
  const caption = element("figcaption", {}, t("reports.chart.caption", { column: columnTitle(column) }));
  return element("figure", { className: "chart-figure", dataset: { column: column.key } }, caption, svg);
}

/** The report's notes, if any, under a heading of the given level (h2 on a report's own page). */
export function reportNotes(report, idPrefix, level = 2) {
  if (!report.notes?.length) return null;
  const heading = element(`h${level}`, { id: `${idPrefix}-notes` }, t("reports.notes"));
  const list = element("ul", { className: "notes" },
    ...report.notes.map((note) => element("li", {}, inLanguage(note))));
  return element("section", { "aria-labelledby": `${idPrefix}-notes` }, heading, list);
}

/** Table, notes and chart, in that order (the table first: it is the full account). */
export function renderReport(container, report, idPrefix, headingLevel = 2) {
  container.replaceChildren(...[
    reportTable(report, idPrefix), reportNotes(report, idPrefix, headingLevel),
    reportChart(report, idPrefix),
  ].filter(Boolean));
}

export { element };
