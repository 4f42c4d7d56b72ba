// A closed survey's results as a reader sees them: for each 5-point item the mean and how
// many gave each point (a bar per point, its count in words beside it); for each free-text
// item the answers as a plain list, with no names (there are none to show: see
// server/lms/surveys/models.py). An item no one answered says "no data", never 0.

import { t } from "/static/js/i18n.js";
import { el } from "/static/js/admin/page.js";

function scaleItem(item, id) {
  const most = Math.max(1, ...Object.values(item.distribution || {}));
  const words = item.mean === null
    ? t("sv.result.no-mean", { answers: item.answers })
    : t("sv.result.mean", { mean: item.mean.toFixed(2), answers: item.answers });
  return [
    el("p", { class: item.mean === null ? "mean no-data" : "mean", id: `${id}-mean` }, words),
    el(
      "ul",
      { class: "distribution", "aria-labelledby": `${id}-prompt ${id}-mean` },
      [5, 4, 3, 2, 1].map((point) => {
        const count = item.distribution?.[point] ?? 0;
        return el(
          "li",
          {},
          el("span", { class: "point" }, t("sv.result.point", { point, count })),
          el("span", { class: "bar", "aria-hidden": "true", style: `width: ${(count / most) * 100}%` }),
        );
      }),
    ),
  ];
}

function textItem(item) {
  if (!item.texts?.length) return [el("p", { class: "no-data" }, t("sv.result.no-texts"))];
  return [el("ul", { class: "texts" }, item.texts.map((text) => el("li", {}, text)))];
}

/** The results of a closed survey (``GET /surveys/{id}/results``), under a heading. */
export function resultsView(results, headingId) {
  const items = results.items || [];
  return el(
    "section",
    { class: "results", "aria-label": t("sv.results") },
    el("h4", {}, t("sv.results")),
    el(
      "ol",
      { class: "result-items", "aria-describedby": headingId },
      items.map((item) => {
        const id = `result-${results.survey_id}-${item.item_id}`;
        return el(
          "li",
          { dataset: { item: item.item_id } },
          el("p", { class: "prompt", id: `${id}-prompt` }, item.prompt),
          ...(item.kind === "scale5" ? scaleItem(item, id) : textItem(item)),
        );
      }),
    ),
  );
}
