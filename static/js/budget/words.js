// How the budget page says things: line names in the person's language, won amounts and
// rates with "no data" (자료 없음) for unknown figures (never 0 or 0%), form bodies as the API
// takes them (integers for amounts, empty fields left out), and a form's own error box.

import { language, t } from "/static/js/i18n.js";
import { won } from "/static/js/admin/page.js";

/** A line's name in the person's language. */
export const lineName = (line) => (language() === "ko" ? line.name_ko : line.name_en);

/** Won, or 자료 없음 for an unknown amount. */
export const money = (amount) => (amount === null || amount === undefined ? t("admin.no-data")
  : won(amount));

/** A rate the API gave as a decimal string ("56.3"), or 자료 없음 with no base. */
export function rate(value) {
  if (value === null || value === undefined) return t("admin.no-data");
  const number = new Intl.NumberFormat(language() === "ko" ? "ko-KR" : "en-GB", {
    minimumFractionDigits: 1, maximumFractionDigits: 1,
  }).format(Number(value));
  return `${number}%`;
}

/** A form's fields as a JSON body: empty fields left out, the named ones as integers. */
export function formBody(form, integers) {
  const body = {};
  for (const [name, value] of new FormData(form).entries()) {
    const text = String(value).trim();
    if (text === "") continue;
    body[name] = integers.includes(name) ? Number(text) : text;
  }
  return body;
}

/** Say (or clear) what went wrong in the form's alert box. */
export function showError(form, text) {
  const box = form.querySelector(".form-error");
  if (box) box.textContent = text;
}

/** An entry as a choice in the correction form: kind, number, day and amount. */
export function entryLabel(entry, day, amount) {
  return t("budget.entry.choice", {
    kind: t(`budget.kind.${entry.kind}`), id: entry.id, day: day(entry.entry_on),
    amount: amount(entry.amount_won),
  });
}
