// The signed-in home (/home): who is signed in, today's classes and the next 7 days' (from
// GET /api/v1/class-sessions?on=DAY, Asia/Seoul days), each with the links this person may
// use, and for staff the administration links (#admin-sections in home.html; later issues
// add theirs there). "Today" is the institute's day as the server has it (the page carries
// it in <meta name="baeum-today">), not the browser clock's.

import { ApiError, api, resetSession, session } from "/static/js/api.js";
import { formatTime, languageButton, loadCatalogs, t } from "/static/js/i18n.js";

const STAFF = ["admin", "operator"]; // server/core/auth/roles.py STAFF
// who the API lets read a class's attendance and readiness (server/rooms/api.py)
const CLASS_STAFF = [...STAFF, "instructor", "assistant"];
const CAPTIONING = [...STAFF, "captioner"];
const UPCOMING_DAYS = 7;
const PAGE = 200;

const main = document.getElementById("home");
const errorBox = document.getElementById("home-error");
const state = { user: null, today: null, upcoming: null, failed: false, notice: null };

/** YYYY-MM-DD of the institute's day: the server's, else the browser clock's in Seoul. */
function institutesDay() {
  const given = document.querySelector('meta[name="baeum-today"]')?.content || "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(given)) return given;
  const parts = new Intl.DateTimeFormat("en", {
    timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function addDays(day, days) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Every class session starting on that Seoul day that this person may see, by start. */
async function classesOn(day) {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ on: day, limit: String(PAGE) });
    if (cursor) query.set("cursor", cursor);
    const page = await api("GET", `/api/v1/class-sessions?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items.sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.id - b.id);
}

const has = (roles) => state.user.roles.some((role) => roles.includes(role));

function linksFor(cs) {
  const links = [];
  if (cs.state !== "ended") {
    links.push(["home.link.enter", `/class/${cs.id}`, "button primary"]);
    links.push(["home.link.check", `/check?class=${cs.id}`]);
  }
  if (has(CAPTIONING)) links.push(["home.link.captions", `/class/${cs.id}/caption`]);
  if (has(CLASS_STAFF)) {
    links.push(["home.link.attendance", `/api/v1/class-sessions/${cs.id}/attendance`]);
    links.push(["home.link.readiness", `/api/v1/class-sessions/${cs.id}/readiness`]);
  }
  return links;
}

function classItem(cs, withDate) {
  const item = document.createElement("li");
  item.dataset.classId = String(cs.id);
  const title = document.createElement("h3");
  title.id = `class-${cs.id}-title`;
  title.textContent = cs.title;
  const when = document.createElement("p");
  const start = document.createElement("time");
  start.dateTime = cs.starts_at;
  start.textContent = formatTime(cs.starts_at, withDate ? undefined : { timeStyle: "short" });
  const end = document.createElement("time");
  end.dateTime = cs.ends_at;
  end.textContent = formatTime(cs.ends_at, { timeStyle: "short" });
  const badge = document.createElement("span");
  badge.className = `state state-${cs.state}`;
  badge.textContent = t(`home.state.${cs.state}`);
  when.append(start, " – ", end, " · ", badge);
  const links = document.createElement("ul");
  links.className = "row links";
  for (const [key, href, className] of linksFor(cs)) {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = t(key);
    if (className) link.className = className;
    link.setAttribute("aria-describedby", title.id); // which class: "Enter class" alone is not enough
    const li = document.createElement("li");
    li.append(link);
    links.append(li);
  }
  item.append(title, when, links);
  return item;
}

function renderList(container, classes, emptyKey, withDate) {
  if (classes === null) {
    const text = document.createElement("p");
    text.textContent = t(state.failed ? "home.load-failed" : "home.loading");
    container.replaceChildren(text);
  } else if (classes.length === 0) {
    const text = document.createElement("p");
    text.className = "empty";
    text.textContent = t(emptyKey);
    container.replaceChildren(text);
  } else {
    const list = document.createElement("ul");
    list.className = "classes plain-list";
    list.append(...classes.map((cs) => classItem(cs, withDate)));
    container.replaceChildren(list);
  }
}

function render() {
  const day = institutesDay();
  document.getElementById("who").textContent = state.user
    ? t("home.signed-in-as", { name: state.user.name }) : "";
  document.getElementById("today-date").textContent =
    formatTime(`${day}T12:00:00+09:00`, { dateStyle: "full" });
  // exam officers too: /admin lists them the exam pages (static/js/admin/shell.js SECTIONS)
  document.getElementById("admin").hidden = !(state.user && has([...STAFF, "exam_officer"]));
  document.getElementById("nav-my-fees").hidden = !(state.user && has(["instructor"]));
  // server/core/auth/roles.py EXAM_STAFF: the exams page, linked directly too
  document.getElementById("nav-exams").hidden = !(state.user && has(["admin", "exam_officer"]));
  renderList(document.getElementById("today"), state.today, "home.no-classes-today", false);
  renderList(document.getElementById("upcoming"), state.upcoming, "home.no-classes-upcoming", true);
  errorBox.textContent = state.notice ? t(state.notice.key, state.notice.vars) : "";
}

/** What to tell the person about a failed call (shown in role="alert"). */
function noticeFor(error) {
  if (!(error instanceof ApiError)) return { key: "error.network" };
  return { key: "error.generic", vars: { detail: error.message } };
}

function fail(error) {
  state.failed = true;
  state.notice = error instanceof ApiError ? { key: "home.load-failed" } : noticeFor(error);
}

function toLogIn() {
  location.replace(`/login?next=${encodeURIComponent("/home")}`);
}

async function loadClasses() {
  const day = institutesDay();
  const days = Array.from({ length: UPCOMING_DAYS + 1 }, (_, i) => addDays(day, i));
  const lists = await Promise.all(days.map(classesOn));
  state.today = lists[0];
  state.upcoming = lists.slice(1).flat();
}

async function signOut(button) {
  button.disabled = true;
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch (error) {
    // already signed out (401) is what we wanted; anything else: still signed in, say so
    if (!(error instanceof ApiError && error.status === 401)) {
      state.notice = noticeFor(error);
      render();
      button.disabled = false;
      return;
    }
  }
  resetSession();
  location.assign("/login");
}

async function start() {
  await loadCatalogs(["home"]);
  languageButton(document.getElementById("lang"));
  document.getElementById("logout").addEventListener("click", (e) => signOut(e.currentTarget));
  document.addEventListener("baeum:language", render);
  render();
  try {
    state.user = (await session()).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return toLogIn();
    fail(error);
    render();
    main.dataset.state = "failed";
    return;
  }
  render();
  try {
    await loadClasses();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return toLogIn();
    fail(error);
  }
  render();
  main.dataset.state = state.failed ? "failed" : "ready";
}

start();
