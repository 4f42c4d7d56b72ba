// The fees owed for a period (GET /api/v1/instructor-fees), as a table with the total of the
// known amounts. Unknown is not zero: a row the server could not price shows 자료 없음 / "no
// data" and why, and the total says how many rows it leaves out. Shared by the operators'
// instructors page and the instructor's own "my fees" page.

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import {
  day,
  downloadCsv,
  el,
  headerRow,
  problemText,
  tableBox,
  won,
} from "/static/js/admin/page.js";

/** The fees owed from ``from`` to ``to`` (Seoul days, both included). */
export function loadFees(from, to, { instructorId = null, courseId = null } = {}) {
  const query = new URLSearchParams({ date_from: from, date_to: to });
  if (instructorId) query.set("instructor_id", String(instructorId));
  if (courseId) query.set("course_id", String(courseId));
  return api("GET", `/api/v1/instructor-fees?${query}`);
}

function hours(row) {
  const text = t("admin.hours", { hours: Number(row.hours).toLocaleString() });
  return row.corrected ? [text, " ", el("span", { class: "badge" }, t("fees.corrected"))] : text;
}

function amount(row) {
  if (row.amount_won !== null) return won(row.amount_won);
  return el(
    "span",
    { class: "no-data" },
    t("admin.no-data"),
    " — ",
    t(`fees.no-fee.${row.no_fee}`),
  );
}

/** The table (its caption id ``captionId``) for one answer, and the note of how many rows the
 * total leaves out; ``onCorrect(row)``, when given, adds a button per row to correct its
 * teaching hours. */
export function feesTable(answer, { captionId, withInstructor = true, onCorrect = null }) {
  // the amount early: a phone shows the first columns without scrolling sideways
  const keys = [
    "fees.col.day",
    ...(withInstructor ? ["fees.col.instructor"] : []),
    "fees.col.amount",
    "fees.col.hours",
    "fees.col.grade",
    "fees.col.state",
    "fees.col.session",
    "fees.col.course",
    ...(onCorrect ? ["fees.col.action"] : []),
  ];
  const body = answer.items.map((row) =>
    el(
      "tr",
      {
        dataset: {
          sessionId: row.class_session_id,
          unknown: row.amount_won === null ? "yes" : "no",
        },
      },
      el("td", {}, day(row.taught_on)),
      withInstructor ? el("td", {}, row.instructor_name ?? t("fees.not-registered-name")) : null,
      el("td", { class: "num" }, amount(row)),
      el("td", { class: "num" }, hours(row)),
      el("td", {}, row.grade ?? t("admin.no-data")),
      el("td", {}, t(row.session_state === "ended" ? "fees.state.taught" : "fees.state.to-come")),
      el("td", {}, row.class_session_title),
      el("td", {}, `${row.course_title} · ${row.cohort_name}`),
      onCorrect
        ? el(
            "td",
            {},
            el(
              "button",
              {
                type: "button",
                onclick: () => onCorrect(row),
                "aria-label": t("fees.correct-label", {
                  session: row.class_session_title,
                  name: row.instructor_name ?? "",
                }),
              },
              t("fees.correct"),
            ),
          )
        : null,
    ),
  );
  const before = withInstructor ? 2 : 1;
  const after = keys.length - before - 1;
  const total =
    answer.total_won === null
      ? el("span", { class: "no-data" }, t("admin.no-data"))
      : won(answer.total_won);
  const foot = [
    el(
      "tr",
      {},
      el("th", { scope: "row", colspan: String(before) }, t("fees.total")),
      el(
        "td",
        {
          class: "num",
          id: `${captionId}-total`,
          "aria-describedby": answer.rows_without_amount > 0 ? `${captionId}-unknown` : null,
        },
        total,
      ),
      el("td", { colspan: String(after) }),
    ),
  ];
  const table = el(
    "table",
    {},
    el("caption", { id: captionId, class: "visually-hidden" }, t("fees.caption")),
    el("thead", {}, headerRow(keys)),
    el("tbody", {}, body),
    el("tfoot", {}, foot),
  );
  // said outside the scroll box, so a phone shows it without scrolling sideways
  const unknown =
    answer.rows_without_amount > 0
      ? el(
          "p",
          { class: "no-data", id: `${captionId}-unknown` },
          t("fees.rows-without-amount", { count: answer.rows_without_amount }),
        )
      : null;
  return [tableBox(captionId, table), unknown].filter(Boolean);
}

/** Render an answer (or a failure, or "nothing in this period") into ``container``. */
export function renderFees(container, status, result, options) {
  if (result === null) {
    container.replaceChildren();
    return;
  }
  if (result.error) {
    status.textContent = problemText(result.error);
    container.replaceChildren();
    return;
  }
  const { answer, from, to } = result;
  status.textContent = t("fees.found", {
    count: answer.items.length,
    from: day(from),
    to: day(to),
  });
  container.replaceChildren(
    ...(answer.items.length
      ? feesTable(answer, options)
      : [el("p", { class: "empty" }, t("fees.none"))]),
  );
}

/** The rows as a CSV file: amounts as plain integers, unknown left empty with its reason. */
export function feesCsv(answer, from, to) {
  const header = [
    "taught_on",
    "instructor_id",
    "instructor_name",
    "course_title",
    "cohort_name",
    "class_session_id",
    "class_session_title",
    "session_state",
    "minutes",
    "hours",
    "corrected",
    "grade",
    "fee_standard_id",
    "amount_won",
    "no_fee",
  ];
  const rows = answer.items.map((r) => header.map((key) => r[key]));
  rows.push([
    "total_won",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    answer.total_won,
    `rows_without_amount=${answer.rows_without_amount}`,
  ]);
  downloadCsv(`instructor-fees_${from}_${to}.csv`, header, rows);
}
