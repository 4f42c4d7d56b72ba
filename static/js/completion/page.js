// The completion records page (/admin/cohorts/{id}/completion): the course's rule in words,
// every trainee's live result with its criteria and explanation (filterable), a corrections
// panel per trainee (new entries with a reason, never edits), finalising after a confirmation
// that names what changes, certificate links, and the CSV / XLSX export. Every figure comes
// from the API; a figure the records do not have is shown as "no data", never as 0.

import { ApiError, api } from "/static/js/api.js";
import { formatTime, language, t } from "/static/js/i18n.js";
import { day, el, problemText, startPage, tableBox } from "/static/js/admin/page.js";

const byId = (id) => document.getElementById(id);
const cohortId = Number(location.pathname.match(/^\/admin\/cohorts\/(\d+)\/completion/)[1]);
const base = `/api/v1/cohorts/${cohortId}`;
const CRITERIA = ["presence", "required_sessions", "breakout", "polls", "quiz", "survey",
  "elearning"];

const state = { user: null, results: null, status: null, corrections: [], noRule: false,
  open: null, finalised: null };

const isStaff = () => state.user?.roles.some((r) => r === "admin" || r === "operator");
const explanation = (r) => (language() === "ko" ? r.explanation_ko : r.explanation_en);
const outcomeWord = (o) => t(`cw.outcome.${o}`);
const person = (userId) => state.status.trainees.find((p) => p.user_id === userId);

function ruleWords(rule) {
  const words = [];
  if (rule.min_presence_pct !== null) words.push(t("cw.rule.presence", { pct: rule.min_presence_pct }));
  if (rule.required_sessions.length)
    words.push(t("cw.rule.required_sessions", { list: rule.required_sessions.join(", ") }));
  if (rule.min_breakout_rounds !== null) words.push(t("cw.rule.breakout", { n: rule.min_breakout_rounds }));
  if (rule.min_poll_pct !== null) words.push(t("cw.rule.polls", { pct: rule.min_poll_pct }));
  if (rule.min_quiz_points !== null) words.push(t("cw.rule.quiz", { n: rule.min_quiz_points }));
  if (rule.survey_required) words.push(t("cw.rule.survey"));
  if (rule.min_elearning_pct !== null) words.push(t("cw.rule.elearning", { pct: rule.min_elearning_pct }));
  return words;
}

/** One criterion's cell: its figure and mark, or "no data" when the records have none. */
function criterionCell(criterion) {
  if (!criterion) return el("td", {}, "—");
  if (criterion.actual === null || criterion.met === null) {
    return el("td", { class: "no-data", dataset: { criterion: criterion.criterion } },
      t("admin.no-data"));
  }
  const figure = t(`cw.cell.${criterion.criterion}`, { actual: criterion.actual, of: criterion.of });
  const mark = criterion.met ? "✓" : "✗";
  return el("td", { class: "num", dataset: { criterion: criterion.criterion, met: String(criterion.met) } },
    `${figure} `,
    el("span", { class: `mark-${criterion.met}`, "aria-hidden": "true" }, mark),
    el("span", { class: "visually-hidden" }, t(`cw.met.${criterion.met}`)));
}

function certificateCell(trainee) {
  const cell = el("td", { class: "certificate" });
  if (trainee.finalised_outcome !== "completed") {
    cell.append(t("cw.certificate.none"));
    return cell;
  }
  if (isStaff()) {
    cell.append(el("a", {
      href: `${base}/completion/${trainee.user_id}/certificate`, download: "",
      "aria-label": t("cw.certificate.pdf-of", { name: trainee.name }),
    }, t("cw.certificate.pdf")));
  }
  if (trainee.certificate_code) {
    cell.append(" ", el("a", { href: `/certificates/${trainee.certificate_code}`, class: "code" },
      t("cw.certificate.code", { code: trainee.certificate_code })));
  } else if (!isStaff()) {
    cell.append(t("cw.certificate.none"));
  }
  return cell;
}

function renderTable() {
  const results = state.results.results;
  const filter = byId("filter").value;
  const shown = results.filter((r) => !filter || r.outcome === filter);
  byId("shown").textContent = t("cw.shown", { shown: shown.length, total: results.length });
  if (!shown.length) {
    byId("table").replaceChildren(el("p", {}, t("cw.none")));
    return;
  }
  const keys = CRITERIA.filter((k) => results[0]?.criteria.some((c) => c.criterion === k));
  const head = el("tr", {},
    el("th", { scope: "col" }, t("cw.col.name")),
    keys.map((k) => el("th", { scope: "col" }, t(`cw.criterion.${k}`))),
    el("th", { scope: "col" }, t("cw.col.outcome")),
    el("th", { scope: "col" }, t("cw.col.explanation")),
    el("th", { scope: "col" }, t("cw.col.finalised")),
    el("th", { scope: "col" }, t("cw.col.certificate")),
    el("th", { scope: "col" }, t("cw.col.corrections")));
  const rows = shown.map((r) => {
    const who = person(r.user_id);
    const count = state.corrections.filter((c) => c.user_id === r.user_id).length;
    const outcome = el("td", { class: `outcome outcome-${r.outcome}` }, outcomeWord(r.outcome));
    if (r.outcome !== r.derived_outcome) {
      outcome.append(" ", el("span", { class: "muted" },
        t("cw.overridden", { derived: outcomeWord(r.derived_outcome) })));
    }
    const finalised = who.finalised_outcome ? outcomeWord(who.finalised_outcome) : t("cw.not-finalised");
    return el("tr", { dataset: { userId: String(r.user_id), outcome: r.outcome } },
      el("th", { scope: "row" }, who.name, el("br"), el("span", { class: "muted" },
        [who.login, who.org_unit, who.grade].filter(Boolean).join(" · "))),
      keys.map((k) => criterionCell(r.criteria.find((c) => c.criterion === k))),
      outcome,
      el("td", { class: "explanation" }, explanation(r)),
      el("td", { class: "finalised" }, finalised),
      certificateCell(who),
      el("td", {}, el("button", {
        type: "button", class: "open-corrections",
        "aria-label": t("cw.corrections.open-of", { name: who.name, count }),
        onclick: () => openPanel(r.user_id),
      }, t("cw.corrections.open", { count }))));
  });
  const table = el("table", {}, el("caption", { class: "visually-hidden" }, t("cw.caption")),
    el("thead", {}, head), el("tbody", {}, rows));
  byId("table").replaceChildren(tableBox("results-heading", table));
}

function renderPanel() {
  const panel = byId("panel");
  if (state.open === null) {
    panel.hidden = true;
    return;
  }
  const who = person(state.open);
  panel.hidden = false;
  byId("panel-heading").textContent = t("cw.panel.heading", { name: who.name });
  const titles = Object.fromEntries(state.status.sessions.map((s) => [s.id, s.title]));
  const mine = state.corrections.filter((c) => c.user_id === state.open);
  byId("panel-list").replaceChildren(...(mine.length ? mine.map((c) => {
    const what = c.kind === "excused_absence"
      ? t("cw.correction.excused", { session: titles[c.class_session_id] ?? `#${c.class_session_id}` })
      : t("cw.correction.override", { outcome: outcomeWord(c.outcome) });
    const author = state.status.authors[String(c.author_id)] ?? `#${c.author_id}`;
    return el("li", { dataset: { correctionId: String(c.id), kind: c.kind } },
      el("strong", {}, what), ` — ${c.reason} `,
      el("span", { class: "muted" }, `(${t("cw.correction.by", { author, time: formatTime(c.created_at) })})`));
  }) : [el("li", {}, t("cw.panel.none"))]));
  byId("corr-session").replaceChildren(...state.status.sessions.map((s) =>
    el("option", { value: String(s.id) }, `${s.title} (${formatTime(s.starts_at)})`)));
  showKindFields();
}

function showKindFields() {
  const excused = byId("corr-kind").value === "excused_absence";
  byId("corr-session-field").hidden = !excused;
  byId("corr-outcome-field").hidden = excused;
}

function openPanel(userId) {
  state.open = userId;
  byId("panel-status").textContent = "";
  byId("correction-form").querySelector(".form-error").textContent = "";
  renderPanel();
  byId("panel-heading").focus();
}

function renderFinaliseResult() {
  const box = byId("finalise-result");
  if (!state.finalised) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const { at, changes } = state.finalised;
  box.replaceChildren(el("p", {}, t("cw.finalise.done", { time: formatTime(at) })), changeList(changes));
}

function render() {
  if (!state.status) return;
  const s = state.status;
  byId("cohort-line").textContent = t("cw.cohort", { code: s.course_code, course: s.course_title,
    cohort: s.cohort_name, from: day(s.starts_on), to: day(s.ends_on) });
  byId("nav-cohort").textContent = s.cohort_name;
  if (state.noRule || !state.results) {
    byId("rule-version").textContent = "";
    byId("rule-list").replaceChildren(el("li", {}, t("cw.rule.none")));
    byId("results").hidden = true;
    return;
  }
  const { rule } = state.results;
  byId("rule-version").textContent = t("cw.rule.version", { version: rule.version, reason: rule.reason });
  byId("rule-list").replaceChildren(...ruleWords(rule).map((w) => el("li", {}, w)));
  byId("results").hidden = false;
  byId("as-of").textContent = t("cw.as-of", { time: formatTime(state.results.as_of) });
  byId("counts").textContent = t("cw.counts", state.results.counts);
  byId("finalised-at").textContent = s.finalised_at
    ? t("cw.finalised-at", { time: formatTime(s.finalised_at) }) : t("cw.never-finalised");
  byId("finalise").hidden = !isStaff();
  renderTable();
  renderPanel();
  renderFinaliseResult();
}

async function load() {
  const [status, corrections] = await Promise.all([
    api("GET", `${base}/completion-status`), api("GET", `${base}/completion-corrections`)]);
  state.status = status;
  state.corrections = corrections;
  try {
    state.results = await api("GET", `${base}/completion`);
    state.noRule = false;
  } catch (error) {
    if (!(error instanceof ApiError && error.type === "no-completion-rule")) throw error;
    state.noRule = true;
  }
  render();
}

/** Results that differ from what the last finalising recorded (all of them the first time). */
function changesSinceFinalised(results) {
  return results.flatMap((r) => {
    const before = person(r.user_id).finalised_outcome;
    return before === r.outcome ? [] : [{ name: person(r.user_id).name, before, after: r.outcome }];
  });
}

function changeList(changes) {
  if (!changes.length) return el("p", {}, t("cw.finalise.no-changes"));
  return el("div", {}, el("p", {}, t("cw.finalise.changes")), el("ul", { class: "changes" },
    changes.map((c) => el("li", {}, t("cw.finalise.change", {
      name: c.name, before: c.before ? outcomeWord(c.before) : t("cw.not-finalised"),
      after: outcomeWord(c.after) })))));
}

function askToFinalise() {
  const dialog = byId("finalise-dialog");
  const counts = t("cw.counts", state.results.counts);
  byId("finalise-dialog-text").textContent = t("cw.finalise.text", { counts });
  const changes = changesSinceFinalised(state.results.results);
  byId("finalise-dialog-changes").replaceChildren(
    state.status.finalised_at ? changeList(changes) : el("p", {}, t("cw.finalise.first")));
  dialog.returnValue = "";
  dialog.showModal();
  byId("finalise-cancel").focus();
}

async function finalise(dialog) {
  if (dialog.returnValue !== "finalise") {
    byId("finalise").focus();
    return;
  }
  const pending = changesSinceFinalised(state.results.results);
  byId("page-error").textContent = "";
  try {
    const done = await api("POST", `${base}/completion/finalise`);
    await load();
    state.finalised = { at: done.finalised_at, changes: pending };
    renderFinaliseResult();
  } catch (error) {
    byId("page-error").textContent = error instanceof ApiError && error.type === "cohort-not-finished"
      ? t("cw.finalise.not-finished") : problemText(error);
  }
  byId("finalise").focus();
}

async function addCorrection(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const errorBox = form.querySelector(".form-error");
  const reason = byId("corr-reason");
  errorBox.textContent = "";
  if (!reason.value.trim()) {
    errorBox.textContent = t("cw.form.reason-missing");
    reason.focus();
    return;
  }
  const kind = byId("corr-kind").value;
  const body = { user_id: state.open, kind, reason: reason.value.trim() };
  if (kind === "excused_absence") body.class_session_id = Number(byId("corr-session").value);
  else body.outcome = byId("corr-outcome").value;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api("POST", `${base}/completion-corrections`, body);
    reason.value = "";
    state.finalised = null; // what the last finalising changed is no longer the news
    await load();
    byId("panel-status").textContent = t("cw.form.added");
  } catch (error) {
    errorBox.textContent = problemText(error);
  } finally {
    button.disabled = false;
  }
}

async function start() {
  const main = byId("admin-main");
  state.user = await startPage(["admin", "completion"], render);
  if (!state.user) {
    main.dataset.state = "failed";
    return;
  }
  byId("nav-cohort").href = `/admin/cohorts/${cohortId}`;
  byId("nav-here").href = location.pathname;
  byId("download-csv").href = `${base}/completion/export?format=csv`;
  byId("download-xlsx").href = `${base}/completion/export?format=xlsx`;
  byId("filter").addEventListener("change", renderTable);
  byId("corr-kind").addEventListener("change", showKindFields);
  byId("correction-form").addEventListener("submit", addCorrection);
  byId("panel-close").addEventListener("click", () => {
    const userId = state.open;
    state.open = null;
    renderPanel();
    document.querySelector(`tr[data-user-id="${userId}"] .open-corrections`)?.focus();
  });
  byId("finalise").addEventListener("click", askToFinalise);
  const dialog = byId("finalise-dialog");
  dialog.addEventListener("close", () => finalise(dialog));
  try {
    await load();
    main.dataset.state = "ready";
  } catch (error) {
    byId("page-error").textContent = problemText(error);
    main.dataset.state = "failed";
  }
}

start();
