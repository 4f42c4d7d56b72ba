// How a report's cells read on the page, from the column's kind (server/reports/base.py Kind):
// counts with thousands separators, percentages with one decimal, scores with two, text as
// it is. null is "no data" (자료 없음), never 0: the council was once shown a satisfaction of
// 0 that only meant "not known yet". "always_open" is 상시 (e-learning has no runs).

import { language, t } from "/static/js/i18n.js";

export const ALWAYS_OPEN = "always_open";

const locale = () => (language() === "ko" ? "ko-KR" : "en-GB");

function number(value, digits) {
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

/** True for a cell that carries a figure (a number), not "no data" nor 상시 nor text. */
export const isFigure = (value) => typeof value === "number" && Number.isFinite(value);

/** A decrease (△) before the magnitude's text. */
const triangle = (value, text) => (value < 0 ? `△${text}` : text);

/** A cell's text in the person's language. */
export function formatCell(value, kind) {
  if (value === null || value === undefined) return t("reports.no-data");
  if (value === ALWAYS_OPEN) return t("reports.always-open");
  if (!isFigure(value)) return String(value);
  if (kind === "percent") return `${number(value, 1)}%`;
  // money held in won, shown in thousand won (half up); decreases read △ as in the seed tables
  if (kind === "thousand_won") {
    return triangle(value, number(Math.floor((Math.abs(value) + 500) / 1000), 0));
  }
  if (kind === "change_percent") return triangle(value, `${number(Math.abs(value), 1)}%`);
  if (kind === "score") return number(value, 2);
  if (kind === "int") return number(value, 0);
  return String(value);
}

/** A column's title in the person's language. */
export const columnTitle = (column) => (language() === "ko" ? column.title_ko : column.title_en);

/** A report's (or a note's) words in the person's language. */
export const inLanguage = (pair) => (language() === "ko" ? pair.ko : pair.en);

/** A row's name for people: its text cells joined (a total's empty ones left out), else its key. */
export function rowLabel(report, row) {
  const parts = report.columns
    .filter((column) => column.kind === "text")
    .map((column) => row.cells[column.key])
    .filter((value) => typeof value === "string" && value.trim() !== "");
  return parts.length ? parts.join(" · ") : row.key;
}
