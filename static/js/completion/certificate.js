// The public certificate check (/certificates/{code}): what the code on a certificate proves,
// from the public GET /api/v1/certificates/{code}, or that the code does not verify.

import { ApiError, api } from "/static/js/api.js";
import { formatTime, languageButton, loadCatalogs, t } from "/static/js/i18n.js";
import { day, el } from "/static/js/admin/page.js";

const code = decodeURIComponent(location.pathname.split("/").pop());
let facts = null;
let failed = false;

function render() {
  const verdict = document.getElementById("verdict");
  const list = document.getElementById("facts");
  if (failed || !facts) {
    verdict.textContent = t("cw.verify.invalid");
    list.hidden = true;
    return;
  }
  verdict.textContent = t("cw.verify.valid");
  const rows = [
    ["cw.verify.code", facts.code], ["cw.verify.name", facts.name],
    ["cw.verify.course", facts.course_title], ["cw.verify.cohort", facts.cohort_name],
    ["cw.verify.period", `${day(facts.starts_on)} ~ ${day(facts.ends_on)}`],
    ["cw.verify.completed", formatTime(facts.completed_at)],
    ["cw.verify.issued", formatTime(facts.issued_at)],
  ];
  list.replaceChildren(...rows.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
  list.hidden = false;
}

async function start() {
  await loadCatalogs(["completion"]);
  languageButton(document.getElementById("lang"));
  document.addEventListener("baeum:language", render);
  try {
    facts = await api("GET", `/api/v1/certificates/${encodeURIComponent(code)}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    failed = true;
  }
  render();
  document.getElementById("certificate").dataset.state = "ready";
}

start();
