// Chat: to everyone or to the instructors only. What is being typed is kept (in this tab's
// session storage too) through reconnects and reloads. A message sent goes to an outbox (kept
// in session storage as well) under a request id of its own, and shows as "sending…" until
// the server acknowledges it; when the answer does not come (a time-out, a dropped network, a
// node gone) it is sent again with the same request id once the class is back, until it is
// acknowledged or refused: the server keeps a retried message once, so nothing is lost or
// doubled (issue 11).

import { formatTime, t } from "/static/js/i18n.js";
import { newRequestId } from "./board-html.js";

const $ = (id) => document.getElementById(id);
const DRAFT = "baeum.chat-draft";
const OUTBOX = "baeum.chat-unsent";
/** Answers that say "not now" rather than "no": the message goes again with the same id. */
const AGAIN = new Set(["timeout", "network", "disconnected", "not-in-class", "unavailable",
  "rate-limited", "internal-error"]);
const AGAIN_MS = [2000, 5000, 10000, 20000]; // retry pace while still connected

function stored() {
  try { return new Map(Object.entries(JSON.parse(sessionStorage.getItem(OUTBOX)) ?? {})); } catch { return new Map(); }
}

export class Chat {
  constructor(live, meId, { onUnread, say }) {
    this.live = live;
    this.meId = meId;
    this.seen = new Set();
    this.onUnread = onUnread;
    this.say = say;
    this.unsent = stored(); // request id → { text, to }, in the order sent
    this.pending = new Map(); // request id → its "sending…" line in the log
    this.sending = new Set(); // request ids with a call on its way
    this.tries = new Map(); // request id → retries while connected (for the pace)
    this.timer = null;
    const text = $("chat-text");
    text.value = sessionStorage.getItem(DRAFT) || text.value;
    text.addEventListener("input", () => sessionStorage.setItem(DRAFT, text.value));
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send(); // (requestSubmit is missing on older iOS Safari)
      }
    });
    $("chat-form").addEventListener("submit", (event) => { event.preventDefault(); this.send(); });
    live.on("chat_message", (message) => this.add(message, true));
    live.on("rejoined", () => this.resend()); // back: whatever got no answer goes again
    for (const [requestId, message] of this.unsent) this.showPending(requestId, message);
    this.resend(); // left over from before a reload
  }

  /** The typed text into the outbox: it is kept there (and shown as sending) until answered,
   * so the box is free for the next message at once. */
  send() {
    const text = $("chat-text");
    const body = text.value.trim();
    if (!body) return;
    const requestId = newRequestId();
    const message = { text: body, to: $("chat-to").value };
    this.unsent.set(requestId, message);
    this.keep();
    text.value = "";
    sessionStorage.setItem(DRAFT, "");
    this.showPending(requestId, message);
    this.deliver(requestId);
  }

  keep() {
    sessionStorage.setItem(OUTBOX, JSON.stringify(Object.fromEntries(this.unsent)));
  }

  /** One attempt (the first or a retry: the same request id). */
  async deliver(requestId) {
    const message = this.unsent.get(requestId);
    if (!message || this.sending.has(requestId) || !this.live.socket?.connected) return;
    this.sending.add(requestId);
    try {
      const answer = await this.untilDropped(this.live.call("send_chat", { ...message, request_id: requestId }));
      this.settle(requestId);
      if (answer.message) this.add(answer.message); // (its broadcast may have been missed)
    } catch (error) {
      if (!this.unsent.has(requestId)) return;
      if (AGAIN.has(error.type)) { this.later(requestId); return; }
      this.settle(requestId, error);
    } finally {
      this.sending.delete(requestId);
    }
  }

  /** Answered: out of the outbox; its "sending…" line goes (the message itself is shown by
   * id), or, refused, says so and gives the text back to the box when that is empty. */
  settle(requestId, error = null) {
    const message = this.unsent.get(requestId);
    this.unsent.delete(requestId);
    this.tries.delete(requestId);
    this.keep();
    const line = this.pending.get(requestId);
    this.pending.delete(requestId);
    if (!error) { line?.remove(); return; }
    line?.classList.replace("pending", "failed");
    line?.querySelector(".chat-state")?.replaceChildren(t("chat.failed"));
    const text = $("chat-text");
    if (message && !text.value.trim()) { text.value = message.text; sessionStorage.setItem(DRAFT, text.value); }
    this.say(t("chat.not_sent", { detail: error.message }), true);
  }

  /** No answer yet: while connected, ask again at a slowing pace; when the connection is
   * away, the rejoin sends it (resend). */
  later(requestId) {
    if (!this.live.socket?.connected) return;
    const n = this.tries.get(requestId) ?? 0;
    this.tries.set(requestId, n + 1);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.resend(), AGAIN_MS[Math.min(n, AGAIN_MS.length - 1)]);
  }

  /** Every message still without an answer, in the order typed, with its own request id. */
  async resend() {
    for (const requestId of [...this.unsent.keys()]) await this.deliver(requestId);
  }

  /** A call's answer, or a "disconnected" error as soon as the connection drops (its answer
   * may never come: the message goes again, with the same request id, once back). */
  untilDropped(call) {
    return new Promise((resolve, reject) => {
      const dropped = (e) => {
        if (e.detail?.state === "connected") return;
        this.live.removeEventListener("connection", dropped);
        reject(Object.assign(new Error("disconnected"), { type: "disconnected" }));
      };
      this.live.addEventListener("connection", dropped);
      call.then((answer) => { this.live.removeEventListener("connection", dropped); resolve(answer); },
        (error) => { this.live.removeEventListener("connection", dropped); reject(error); });
    });
  }

  /** My message on its way: shown at the end of the log, marked as sending. */
  showPending(requestId, { text }) {
    const item = document.createElement("li");
    item.className = "mine pending";
    const state = document.createElement("em");
    state.className = "chat-state";
    state.textContent = t("chat.sending");
    const body = document.createElement("p");
    body.textContent = text;
    item.append(state, body);
    const log = $("chat-log");
    log.append(item);
    log.parentElement.scrollTop = log.parentElement.scrollHeight;
    this.pending.set(requestId, item);
  }

  add(message, live = false) {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    const { from_name: name, from_id: from, text, to } = message.payload;
    const item = document.createElement("li");
    item.className = from === this.meId ? "mine" : "";
    const who = document.createElement("strong");
    who.textContent = to === "staff" ? t("chat.to_staff_from", { name })
      : to === "group" ? t("chat.to_group_from", { name }) : name;
    const when = document.createElement("time");
    when.dateTime = message.at;
    when.textContent = formatTime(message.at, { timeStyle: "short" });
    const body = document.createElement("p");
    body.textContent = text;
    item.append(who, " ", when, body);
    const log = $("chat-log");
    const first = log.querySelector("li.pending"); // kept messages before those on their way
    log.insertBefore(item, first);
    log.parentElement.scrollTop = log.parentElement.scrollHeight;
    if (live && from !== this.meId) this.onUnread();
  }

  addAll(messages) { messages.forEach((m) => this.add(m)); }
}
