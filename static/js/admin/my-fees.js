// "My fees" (/my/fees): an instructor's own fees owed for a period, from the same API the
// operators use; the server answers only this person's rows (and 403 to someone not in the
// registry, which the page says in words). Opens on this month so far.

import { ApiError } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import { seoulToday, startPage } from "/static/js/admin/page.js";
import { feesCsv, loadFees, renderFees } from "/static/js/admin/fees.js";

const form = document.getElementById("fees-form");
let result = null;

function render() {
  renderFees(
    document.getElementById("fees-result"),
    document.getElementById("fees-status"),
    result,
    { captionId: "fees-caption", withInstructor: false },
  );
  if (result?.error instanceof ApiError && result.error.status === 403) {
    document.getElementById("fees-status").textContent = t("fees.mine.not-registered");
  }
  document.getElementById("fees-csv").disabled = !result?.answer;
}

async function show() {
  const f = form.elements;
  if (!f.date_from.value || !f.date_to.value) {
    form.querySelector(".form-error").textContent = t("fees.error.period");
    return;
  }
  form.querySelector(".form-error").textContent = "";
  const from = f.date_from.value;
  const to = f.date_to.value;
  try {
    result = { answer: await loadFees(from, to), from, to };
  } catch (error) {
    result = { error };
  }
  render();
}

async function start() {
  const main = document.getElementById("admin-main");
  const user = await startPage(["admin"], render);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  const today = seoulToday();
  form.elements.date_from.value = `${today.slice(0, 8)}01`;
  form.elements.date_to.value = today;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    show();
  });
  document
    .getElementById("fees-csv")
    .addEventListener("click", () => feesCsv(result.answer, result.from, result.to));
  await show();
  main.dataset.state = "ready";
}

start();
