// The person's own record (/my): their courses (current, then past), each with its class
// sessions and the time present in each (a bar and the figure in words), the completion
// result with its explanation, the certificate's code and PDF, and surveys to answer; all
// from GET /api/v1/users/{me}/record. A session not held yet says "scheduled", never "0 min".

import { api } from "/static/js/api.js";
import { formatTime, language, t } from "/static/js/i18n.js";
import { day, el, problemText, startPage } from "/static/js/admin/page.js";

const main = document.getElementById("my-main");
const state = { record: null, error: null };

function bar(pct) {
  const track = el("span", { class: "track", "aria-hidden": "true" });
  track.append(el("span", { style: `width: ${Math.max(0, Math.min(100, pct))}%` }));
  return track;
}

function deviceWords(devices) {
  return devices.map((d) => t(`my.device.${d}`)).join(", ");
}

function sessionItem(s) {
  const when = el(
    "p",
    {},
    el("time", { datetime: s.starts_at }, formatTime(s.starts_at)),
    " – ",
    el("time", { datetime: s.ends_at }, formatTime(s.ends_at, { timeStyle: "short" })),
  );
  const item = el("li", { dataset: { sessionId: String(s.id), attendance: s.attendance } },
    el("p", { class: "title" }, s.title), when);
  if (s.attendance === "scheduled") {
    item.append(el("p", { class: "no-figure" },
      t("my.session.scheduled", { minutes: s.scheduled_minutes })));
  } else if (s.attendance === "in_person") {
    item.append(el("p", { class: "no-figure" }, t("my.session.in-person")));
  } else {
    const key = s.attendance === "in_progress" ? "my.session.so-far" : "my.session.present";
    item.append(
      el("p", { class: "figure" }, t(key, {
        present: s.present_minutes, of: s.counted_minutes, pct: s.present_pct,
      })),
      bar(s.present_pct),
    );
    const notes = [];
    if (s.devices.length) notes.push(t("my.session.devices", { devices: deviceWords(s.devices) }));
    if (s.bridged_drops) notes.push(t("my.session.bridged", { count: s.bridged_drops }));
    if (s.dropouts) notes.push(t("my.session.dropouts", { count: s.dropouts }));
    if (notes.length) item.append(el("p", { class: "muted" }, notes.join(" · ")));
  }
  if (s.excused) item.append(el("p", {}, el("span", { class: "badge" }, t("my.session.excused"))));
  return item;
}

function completionBlock(e, titleId) {
  const c = e.completion;
  const block = el("div", { class: "completion" });
  block.append(el("h4", {}, t("my.completion")));
  if (c.state === "not_applicable") {
    block.append(el("p", { class: "muted" }, t("my.completion.not-applicable")));
    return block;
  }
  const explanation = language() === "en" ? c.explanation_en : c.explanation_ko;
  if (c.state === "pending") {
    block.append(el("p", {}, el("span", { class: "badge pending" }, t("my.completion.pending"))));
    block.append(el("p", { class: "explanation" }, explanation
      ? t("my.completion.so-far", { explanation }) : t("my.completion.no-rule")));
  } else {
    const badge = el("span", { class: `badge outcome-${c.outcome}` }, t(`my.outcome.${c.outcome}`));
    block.append(el("p", {}, badge));
    block.append(el("p", { class: "explanation" }, explanation || t("my.completion.recorded")));
    if (c.finalised_at) {
      block.append(el("p", { class: "muted" },
        t("my.completion.finalised", { when: formatTime(c.finalised_at) })));
    }
  }
  if (e.certificate) {
    const cert = el("div", { class: "certificate" }, el("h4", {}, t("my.certificate")));
    cert.append(el("p", {}, e.certificate.code
      ? [t("my.certificate.code"), " ", el("span", { class: "code" }, e.certificate.code)]
      : t("my.certificate.not-issued")));
    if (e.certificate.pdf_url) {
      cert.append(el("p", {}, el("a", {
        class: "button primary", href: e.certificate.pdf_url, download: "",
        "aria-describedby": titleId,
      }, t("my.certificate.download"))));
    }
    block.append(cert);
  }
  return block;
}

function surveysBlock(e, titleId) {
  if (!e.surveys.length) return null;
  const list = el("ul", { class: "surveys" });
  for (const s of e.surveys) {
    list.append(el("li", { dataset: { surveyId: String(s.id) } }, s.submitted
      ? [s.title, " ", el("span", { class: "badge" }, t("my.survey.submitted"))]
      : el("a", { href: s.url, "aria-describedby": titleId }, t("my.survey.answer", { title: s.title }))));
  }
  return el("div", { class: "surveys-block" }, el("h4", {}, t("my.surveys")), list);
}

function courseCard(e) {
  const titleId = `course-${e.enrolment_id}-title`;
  const card = el("li", { class: "course", dataset: { cohortId: String(e.cohort.id) } });
  card.append(
    el("h3", { id: titleId }, e.course.title),
    el("p", {}, `${e.cohort.name} · ${day(e.cohort.starts_on)} – ${day(e.cohort.ends_on)}`),
    el("p", { class: "muted" }, `${t(`my.mode.${e.course.mode}`)} · ${e.course.year} · `,
      el("span", { class: "badge" }, t(`my.status.${e.status}`))),
  );
  const total = e.presence
    ? [el("p", { class: "figure" }, t("my.presence", {
        present: e.presence.present_minutes, of: e.presence.of_minutes, pct: e.presence.pct,
      })), bar(e.presence.pct)]
    : [el("p", { class: "no-figure" }, t("my.presence.none"))];
  card.append(el("div", { class: "presence" }, el("h4", {}, t("my.attendance")), ...total));
  card.append(completionBlock(e, titleId));
  const surveys = surveysBlock(e, titleId);
  if (surveys) card.append(surveys);
  if (e.sessions.length) {
    const sessionsId = `course-${e.enrolment_id}-sessions`;
    card.append(el("h4", { id: sessionsId }, t("my.sessions")),
      el("ul", { class: "sessions", "aria-labelledby": sessionsId }, e.sessions.map(sessionItem)));
  }
  return card;
}

function renderList(container, items, emptyKey) {
  if (state.record === null) {
    container.replaceChildren(el("p", {}, t(state.error ? "my.load-failed" : "my.loading")));
  } else if (!items.length) {
    container.replaceChildren(el("p", { class: "empty" }, t(emptyKey)));
  } else {
    container.replaceChildren(el("ul", { class: "courses" }, items.map(courseCard)));
  }
}

function render() {
  const all = state.record?.enrolments || [];
  renderList(document.getElementById("current"), all.filter((e) => e.current), "my.no-current");
  renderList(document.getElementById("past"), all.filter((e) => !e.current), "my.no-past");
  document.getElementById("page-error").textContent = state.error ? problemText(state.error) : "";
}

async function start() {
  const user = await startPage(["admin", "my"], render);
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  try {
    state.record = await api("GET", `/api/v1/users/${user.id}/record`);
  } catch (error) {
    state.error = error;
  }
  render();
  main.dataset.state = state.error ? "failed" : "ready";
}

start();
