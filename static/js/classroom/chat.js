// Chat: to everyone or to the instructors only. What is being typed is kept (in this tab's
// session storage too) through reconnects and reloads, and a message is cleared only once the
// server has acknowledged it, so nothing typed is ever lost.

import { formatTime, t } from "/static/js/i18n.js";

const $ = (id) => document.getElementById(id);
const DRAFT = "baeum.chat-draft";

export class Chat {
  constructor(live, meId, { onUnread, say }) {
    this.live = live;
    this.meId = meId;
    this.seen = new Set();
    this.onUnread = onUnread;
    this.say = say;
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
  }

  async send() {
    const text = $("chat-text");
    const body = text.value.trim();
    if (!body) return;
    try {
      await this.live.call("send_chat", { text: body, to: $("chat-to").value });
      if (text.value.trim() === body) text.value = "";
      sessionStorage.setItem(DRAFT, text.value);
    } catch (error) {
      this.say(t("chat.not_sent", { detail: error.message }), true);
    }
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
    log.append(item);
    log.parentElement.scrollTop = log.parentElement.scrollHeight;
    if (live && from !== this.meId) this.onUnread();
  }

  addAll(messages) { messages.forEach((m) => this.add(m)); }
}
