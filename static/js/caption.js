// The captioner's page (속기사, /class/{id}/caption): type live captions into the class.
// What is typed goes out as drafts (at most one per DRAFT_EVERY_MS); Enter makes it a final
// line; a sent line's "Correct" button loads it back into the box and Enter sends the
// correction (send_caption with `corrects`). Lines wait in an outbox while the socket is away
// and go out, in order, once it has joined again: the text in the box is never lost.
// Protocol: docs/api.md, "The live class: socket.io namespace /class".

import { api, ApiError } from "/static/js/api.js";
import { formatTime, languageButton, loadCatalogs, t } from "/static/js/i18n.js";

const DRAFT_EVERY_MS = 250;
const ACK_TIMEOUT_MS = 10_000;
const MAX_LINES = 300; // lines kept on the page; the transcript has them all
const SIZE_STORE = "baeum.caption.size";

const classId = Number(location.pathname.split("/")[2]);
const $ = (id) => document.getElementById(id);
const box = $("line");
const sendButton = $("send");
const statusLine = $("status");
const alertBox = $("error");
const modeBox = $("mode");
const list = $("lines");

const clientId = sessionStorage.getItem("baeum.client") ||
  (crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "") : String(Math.random()).slice(2, 18));
sessionStorage.setItem("baeum.client", clientId);

let socket = null;
let joined = false;
let canCaption = false;
let classTitle = "";
let lastEventId = 0;
let status = { key: "caption.status.connecting", state: "connecting" };
let problem = null; // what the alert says: { key, vars } (re-said on a language switch)
let correcting = null; // { id, stash }: the line being corrected, and the text put aside for it
const lines = new Map(); // event id -> { id, text, at, correctionId, li }
const outbox = []; // { text, corrects, li, tag, failed } waiting for an acknowledgement
let flushing = false;
let draft = { at: 0, timer: null, sent: "" };
let previewDraft = "";

// ---- words on the page ---------------------------------------------------------------------

function setStatus(key, state) {
  status = { key, state };
  statusLine.textContent = t(key);
  statusLine.dataset.state = state;
}

const KNOWN_PROBLEMS = new Set([
  "not-in-class", "forbidden", "not-found", "validation-error", "rate-limited", "class-ended",
  "class-locked", "class-not-open", "class-full", "removed-from-class", "not-enrolled", "timeout",
]);

/** Say what went wrong: a problem type (from an ack, a refusal or the API) or an error. */
function showProblem(error) {
  const type = error?.type || (error instanceof ApiError ? error.type : null);
  if (type === "not-authenticated") problem = { key: "error.not-authenticated" };
  else if (KNOWN_PROBLEMS.has(type)) problem = { key: `caption.error.${type}` };
  else if (error instanceof TypeError) problem = { key: "error.network" };
  else problem = { key: "error.generic", vars: { detail: error?.detail || error?.message || type } };
  alertBox.textContent = t(problem.key, problem.vars);
}

function clearProblem() {
  problem = null;
  alertBox.textContent = "";
}

const clock = (iso) => formatTime(iso, { timeStyle: "medium" });

// ---- the lines list ------------------------------------------------------------------------

function lineItem(line) {
  const li = document.createElement("li");
  li.dataset.id = String(line.id);
  const time = document.createElement("time");
  time.className = "time";
  time.dateTime = line.at;
  const text = document.createElement("span");
  text.className = "text";
  const tag = document.createElement("span");
  tag.className = "tag";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "correct";
  button.addEventListener("click", () => startCorrection(line.id));
  li.append(time, text, tag, button);
  return li;
}

function renderLine(line) {
  const li = line.li;
  li.querySelector(".time").textContent = clock(line.at);
  li.querySelector(".text").textContent = line.text;
  li.classList.toggle("corrected", line.correctionId > 0);
  li.classList.toggle("editing", correcting?.id === line.id);
  const tag = li.querySelector(".tag");
  tag.textContent = line.correctionId > 0 ? t("caption.tag.corrected") : "";
  tag.hidden = !line.correctionId;
  const button = li.querySelector("button.correct");
  button.hidden = !canCaption;
  button.textContent = t("caption.correct");
  const which = document.createElement("span");
  which.className = "visually-hidden";
  which.textContent = ` ${t("caption.correct-which", { time: clock(line.at), text: line.text })}`;
  button.append(which);
}

/** Add a line (or bring a known one up to date), keeping the list in event-id order. */
function upsertLine({ id, text, at, correctionId = 0 }) {
  lastEventId = Math.max(lastEventId, id, correctionId);
  const known = lines.get(id);
  if (known) {
    if (correctionId >= known.correctionId) Object.assign(known, { text, correctionId });
    renderLine(known);
    return known;
  }
  const line = { id, text, at, correctionId };
  line.li = lineItem(line);
  const later = [...list.children].find((li) => li.classList.contains("pending") ||
    (li.dataset.id && Number(li.dataset.id) > id));
  list.insertBefore(line.li, later || null);
  lines.set(id, line);
  renderLine(line);
  while (lines.size > MAX_LINES) {
    const [oldest] = lines.keys();
    lines.get(oldest).li.remove();
    lines.delete(oldest);
  }
  afterListChange();
  return line;
}

function applyCorrection(id, text, correctionId) {
  lastEventId = Math.max(lastEventId, correctionId);
  const line = lines.get(id);
  if (!line || correctionId < line.correctionId) return;
  line.text = text;
  line.correctionId = correctionId;
  renderLine(line);
  renderPreview();
}

function afterListChange() {
  $("lines-empty").hidden = list.children.length > 0;
  renderPreview();
}

function fromEvent(event) {
  const payload = event.payload || {};
  return { id: event.id, text: payload.text, at: event.at, correctionId: payload.correction_id || 0 };
}

// ---- the preview: what trainees see --------------------------------------------------------

function renderPreview() {
  const finals = [...lines.values()].slice(-2).map((line) => line.text);
  $("preview-past").textContent = finals.length || previewDraft ? finals.join("\n")
    : t("caption.preview-empty");
  $("preview-draft").textContent = previewDraft;
}

// ---- sending: drafts, lines, corrections ---------------------------------------------------

function updateCount() {
  $("line-count").textContent = t("caption.count", { count: box.value.length });
}

function scheduleDraft() {
  if (correcting || !joined || !canCaption || draft.timer) return;
  const wait = draft.at + DRAFT_EVERY_MS - performance.now();
  if (wait <= 0) sendDraft();
  else draft.timer = setTimeout(() => { draft.timer = null; sendDraft(); }, wait);
}

function sendDraft() {
  const text = box.value.trim().slice(0, 500);
  if (!text || text === draft.sent || correcting || !joined) return;
  draft.at = performance.now();
  draft.sent = text;
  socket.volatile.timeout(ACK_TIMEOUT_MS).emit("send_caption", { text, final: false },
    (err, answer) => {
      if (!err && !answer.ok && !["rate-limited", "not-in-class"].includes(answer.error.type)) {
        showProblem(answer.error);
      }
    });
}

function stopDraft() {
  clearTimeout(draft.timer);
  draft = { at: draft.at, timer: null, sent: "" };
}

function setTag(item, key) {
  item.tag = key;
  const of = item.corrects && lines.get(item.corrects);
  const prefix = of ? `${t("caption.tag.correction", { time: clock(of.at) })} · ` : "";
  item.li.querySelector(".tag").textContent = prefix + t(key);
  item.li.classList.toggle("failed", key === "caption.tag.failed");
}

function pendingItem(item) {
  const li = document.createElement("li");
  li.className = "pending";
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = item.text;
  const tag = document.createElement("span");
  tag.className = "tag";
  li.append(text, tag);
  list.append(li);
  item.li = li;
  setTag(item, joined ? "caption.tag.sending" : "caption.tag.waiting");
  afterListChange();
}

/** Send what waits, in order, while joined; stop (and keep it) when the socket is away. */
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    while (joined && outbox.length) {
      const item = outbox[0];
      setTag(item, "caption.tag.sending");
      const payload = { text: item.text, final: true };
      if (item.corrects) payload.corrects = item.corrects;
      let answer;
      try {
        answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("send_caption", payload);
      } catch {
        setTag(item, "caption.tag.waiting"); // no answer: try again after the next join
        showProblem({ type: "timeout" });
        break;
      }
      if (answer.ok) {
        outbox.shift();
        settle(item, answer);
        continue;
      }
      const { type } = answer.error;
      if (type === "not-in-class") {
        setTag(item, "caption.tag.waiting"); // the join after a reconnect sends it
        break;
      }
      if (type === "rate-limited") {
        setTag(item, "caption.tag.waiting");
        showProblem(answer.error);
        setTimeout(flush, Math.max(0.25, answer.error.retry_after_s || 1) * 1000);
        break;
      }
      outbox.shift();
      refuse(item, answer.error);
    }
  } finally {
    flushing = false;
  }
}

function settle(item, answer) {
  item.li.remove();
  if (item.corrects) applyCorrection(item.corrects, item.text, answer.id);
  else upsertLine({ id: answer.id, text: item.text, at: new Date().toISOString() });
  if (problem && ["caption.error.timeout", "caption.error.rate-limited",
    "caption.error.not-in-class"].includes(problem.key)) clearProblem();
  afterListChange();
}

function refuse(item, error) {
  item.failed = true;
  setTag(item, "caption.tag.failed");
  showProblem(error);
  const retry = document.createElement("button");
  retry.type = "button";
  retry.textContent = t("caption.retry");
  retry.addEventListener("click", () => {
    retry.remove();
    item.failed = false;
    outbox.push(item);
    list.append(item.li);
    setTag(item, "caption.tag.waiting");
    flush();
  });
  item.li.append(retry);
}

function submit() {
  if (!canCaption) return;
  const text = box.value.trim();
  if (!text) return;
  stopDraft();
  const item = { text, corrects: correcting ? correcting.id : null };
  outbox.push(item);
  pendingItem(item);
  if (correcting) {
    box.value = correcting.stash;
    endCorrection();
  } else {
    box.value = "";
  }
  updateCount();
  flush();
  scheduleDraft(); // the text put aside for a correction is shown again
}

// ---- correcting a line ---------------------------------------------------------------------

function renderMode() {
  const line = correcting && lines.get(correcting.id);
  modeBox.classList.toggle("active", Boolean(line));
  box.classList.toggle("correcting", Boolean(line));
  $("mode-text").textContent = line ? t("caption.correcting",
    { time: clock(line.at), text: line.text }) : "";
  $("line-label").textContent = t(line ? "caption.line-label-correcting" : "caption.line-label");
  sendButton.textContent = t(line ? "caption.send-correction" : "caption.send");
}

/** Tell screen readers what changed, apart from the connection status. */
function announce(text) {
  $("announce").textContent = text;
}

function startCorrection(id) {
  const line = lines.get(id);
  if (!line || !canCaption) return;
  stopDraft();
  const previous = correcting && lines.get(correcting.id);
  correcting = { id, stash: correcting ? correcting.stash : box.value };
  if (previous) renderLine(previous);
  renderLine(line);
  box.value = line.text;
  renderMode();
  updateCount();
  announce($("mode-text").textContent);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

function endCorrection() {
  const line = correcting && lines.get(correcting.id);
  correcting = null;
  if (line) renderLine(line);
  renderMode();
}

function cancelCorrection() {
  if (!correcting) return;
  box.value = correcting.stash;
  endCorrection();
  updateCount();
  announce(t("caption.correction-cancelled"));
  box.focus();
  scheduleDraft();
}

// ---- the live class ------------------------------------------------------------------------

let firstToken = null;

async function classToken() {
  const grant = await api("POST", `/api/v1/class-sessions/${classId}/class-token`);
  return grant.token;
}

function connect() {
  socket = io("/class", {
    transports: ["websocket"],
    // a fresh class token on every (re)connection: the first one expires in minutes
    auth: (send) => {
      const token = firstToken;
      firstToken = null;
      (token ? Promise.resolve(token) : classToken()).then(
        (fresh) => send({ token: fresh, client_id: clientId }),
        (error) => { showProblem(error); send({ client_id: clientId }); },
      );
    },
  });
  let refusedAuth = 0;
  socket.on("connect", () => { refusedAuth = 0; join(); });
  socket.on("disconnect", (reason) => {
    joined = false;
    stopDraft();
    if (reason === "io server disconnect") setStatus("caption.status.offline", "offline");
    else setStatus("caption.status.reconnecting", "reconnecting");
  });
  socket.on("connect_error", (error) => {
    const type = error.data?.type;
    if (!type) { // the network: socket.io tries again by itself
      setStatus("caption.status.reconnecting", "reconnecting");
      return;
    }
    showProblem(error.data);
    setStatus("caption.status.offline", "offline");
    if (type === "not-authenticated" && refusedAuth++ < 3) {
      setTimeout(() => socket.connect(), 1000 * refusedAuth); // the token ran out: a new one
    }
  });
  socket.on("caption", (event) => {
    previewDraft = "";
    upsertLine(fromEvent(event));
  });
  socket.on("caption_corrected", (c) => applyCorrection(c.id, c.text, c.correction_id));
  socket.on("caption_draft", (d) => { previewDraft = d.text; renderPreview(); });
  socket.on("removed", () => showProblem({ type: "removed-from-class" }));
  socket.on("class_state_changed", (s) => {
    if (s.state === "ended") showProblem({ type: "class-ended" });
  });
}

async function join() {
  let state;
  try {
    state = await socket.timeout(ACK_TIMEOUT_MS)
      .emitWithAck("join", lastEventId ? { last_event_id: lastEventId } : {});
  } catch {
    return; // no answer: the socket is going; the next connect joins again
  }
  if (!state.ok) {
    showProblem(state.error);
    return;
  }
  canCaption = state.grants.includes("caption");
  classTitle = state.class_session.title;
  $("class-title").textContent = t("caption.class-title", { title: classTitle });
  $("watch-only").hidden = canCaption;
  box.disabled = !canCaption;
  sendButton.disabled = !canCaption;
  for (const event of state.captions) upsertLine(fromEvent(event));
  for (const event of state.missed || []) { // what happened while this page was away
    if (event.kind === "caption") upsertLine(fromEvent(event));
    if (event.kind === "caption_correction") {
      applyCorrection(event.payload.corrects, event.payload.text, event.id);
    }
  }
  lastEventId = Math.max(lastEventId, state.last_event_id);
  lines.forEach(renderLine);
  joined = true;
  setStatus("caption.status.joined", "joined");
  if (problem && !["caption.error.class-ended"].includes(problem.key)) clearProblem();
  window.baeumCaption = { ready: true, socket, state };
  outbox.forEach((item) => setTag(item, "caption.tag.waiting"));
  await flush();
  if (!correcting) scheduleDraft();
}

// ---- the page ------------------------------------------------------------------------------

function applySize(value) {
  document.documentElement.style.setProperty("--caption-scale", value);
}

function renderAll() {
  setStatus(status.key, status.state);
  if (problem) alertBox.textContent = t(problem.key, problem.vars);
  if (classTitle) $("class-title").textContent = t("caption.class-title", { title: classTitle });
  lines.forEach(renderLine);
  outbox.forEach((item) => setTag(item, item.tag));
  renderMode();
  renderPreview();
  updateCount();
}

async function main() {
  await loadCatalogs(["caption"]);
  languageButton($("lang"));
  document.addEventListener("baeum:language", renderAll);
  $("transcript-txt").href = `/api/v1/class-sessions/${classId}/transcript?format=txt`;
  $("transcript-vtt").href = `/api/v1/class-sessions/${classId}/transcript?format=vtt`;
  $("class-link").href = `/class/${classId}`;
  const size = $("size");
  size.value = localStorage.getItem(SIZE_STORE) || "1";
  applySize(size.value);
  size.addEventListener("change", () => {
    localStorage.setItem(SIZE_STORE, size.value);
    applySize(size.value);
  });
  box.addEventListener("input", () => { updateCount(); scheduleDraft(); });
  box.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return; // a Hangul syllable being composed
    if (event.key === "Enter") {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && correcting) {
      event.preventDefault();
      cancelCorrection();
    }
  });
  sendButton.addEventListener("click", () => { submit(); box.focus(); });
  $("cancel").addEventListener("click", cancelCorrection);
  renderAll();
  afterListChange();
  setStatus("caption.status.connecting", "connecting");
  try {
    firstToken = await classToken();
  } catch (error) {
    showProblem(error);
    setStatus("caption.status.offline", "offline");
    return;
  }
  connect();
}

main();
