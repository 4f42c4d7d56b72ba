// The trainee's survey form (/surveys/{survey_id}): each 5-point item a radio group (a
// fieldset whose legend is the question; the arrow keys move within it), each free-text item
// a text box, one submission. Then a thank-you; if the person has answered already, or the
// survey is closed (or not theirs), the page says so instead of showing a form.

import { ApiError, api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import { el, problemText, startPage } from "/static/js/admin/page.js";

const surveyId = Number(location.pathname.match(/\/surveys\/(\d+)/)[1]);
const form = document.getElementById("survey-form");
const stateBox = document.getElementById("survey-state");
const state = { survey: null, shown: "loading", answers: {} };

function show(kind) {
  state.shown = kind;
  const main = document.getElementById("survey-main");
  main.dataset.view = kind;
  form.hidden = kind !== "form";
  stateBox.hidden = kind === "form" || kind === "loading" || kind === "failed";
  if (!stateBox.hidden) stateBox.textContent = t(`sv.form.${kind}`);
}

function scaleItem(item, n) {
  const name = `item-${item.id}`;
  const legendId = `${name}-legend`;
  return el(
    "fieldset",
    { class: "question scale", "aria-labelledby": legendId, dataset: { item: item.id } },
    el("legend", { id: legendId }, `${n}. ${item.prompt}`),
    el(
      "div",
      { class: "points" },
      [1, 2, 3, 4, 5].map((point) => {
        const id = `${name}-${point}`;
        return el(
          "div",
          { class: "point" },
          el("input", {
            type: "radio", id, name, value: point, checked: state.answers[item.id] === point,
            onchange: () => { state.answers[item.id] = point; },
          }),
          el("label", { for: id }, el("span", { class: "number" }, String(point)), " ", el("span", { class: "word" }, t(`sv.form.point.${point}`))),
        );
      }),
    ),
  );
}

function textItem(item, n) {
  const id = `item-${item.id}`;
  return el(
    "div",
    { class: "question text", dataset: { item: item.id } },
    el("label", { for: id }, `${n}. ${item.prompt}`),
    el("textarea", {
      id, rows: "4", maxlength: "2000",
      oninput: (e) => { state.answers[item.id] = e.target.value; },
    }, state.answers[item.id] || ""),
  );
}

function render() {
  const s = state.survey;
  if (!s) return;
  document.getElementById("survey-title").textContent = s.title;
  document.title = `${s.title} · ${t("app.name")}`;
  document.getElementById("survey-context").textContent = `${s.course_title} · ${s.cohort_name}`;
  document.getElementById("survey-items").replaceChildren(
    ...s.items.map((item, i) => (item.kind === "scale5" ? scaleItem(item, i + 1) : textItem(item, i + 1))),
  );
  show(state.shown);
}

async function submit(event) {
  event.preventDefault();
  const error = form.querySelector(".form-error");
  const answers = {};
  for (const [id, value] of Object.entries(state.answers)) {
    if (typeof value === "number" || value.trim()) answers[id] = typeof value === "number" ? value : value.trim();
  }
  if (!Object.keys(answers).length) {
    error.textContent = t("sv.form.error.empty");
    form.querySelector("input, textarea")?.focus();
    return;
  }
  error.textContent = "";
  const button = document.getElementById("survey-submit");
  button.disabled = true;
  try {
    await api("POST", `/api/v1/surveys/${surveyId}/responses`, { answers });
    show("thanks");
  } catch (err) {
    button.disabled = false;
    if (err instanceof ApiError && err.type === "survey-already-submitted") show("answered");
    else if (err instanceof ApiError && err.type === "survey-not-open") show("closed");
    else {
      error.textContent = problemText(err);
      return;
    }
  }
  document.getElementById("survey-title").focus();
}

async function start() {
  const main = document.getElementById("survey-main");
  const user = await startPage(["admin", "surveys"], render);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  form.addEventListener("submit", submit);
  try {
    state.survey = await api("GET", `/api/v1/surveys/${surveyId}`);
  } catch (error) {
    const notYours = error instanceof ApiError && ["forbidden", "not-found"].includes(error.type);
    if (notYours) show("unavailable");
    else document.getElementById("page-error").textContent = problemText(error);
    main.dataset.state = notYours ? "ready" : "failed";
    return;
  }
  const s = state.survey;
  if (s.submitted === null) state.shown = "staff"; // staff and instructors read, never answer
  else if (s.submitted) state.shown = "answered";
  else if (s.status === "closed") state.shown = "closed";
  else state.shown = "form";
  render();
  main.dataset.state = "ready";
}

start();
