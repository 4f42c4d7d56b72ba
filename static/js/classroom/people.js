// Who is in the class: the list with hands, microphones and connection quality, the queue of
// raised hands, and for the instructor the console beside it: ask to mute, lower hands,
// spotlight, remove, lock, start and end, and attendance at a glance.

import { t } from "/static/js/i18n.js";

const $ = (id) => document.getElementById(id);

export class People {
  constructor(live, state, { say }) {
    this.live = live;
    this.classId = state.class_session.id;
    this.meId = state.me.user_id;
    this.moderator = state.grants.includes("moderate");
    this.say = say;
    this.people = new Map();
    this.queue = [];
    this.dropped = 0;
    this.rows = new Map();
    this.spotlight = state.spotlight;
    $("console").hidden = !this.moderator;
    if (this.moderator) this.console();
  }

  console() {
    $("attendance-link").href = `/api/v1/class-sessions/${this.classId}/attendance`;
    $("readiness-link").href = `/api/v1/class-sessions/${this.classId}/readiness`;
    const act = (id, event, data, done) => $(id).addEventListener("click", () =>
      this.live.call(event, typeof data === "function" ? data() : data).then(done).catch((e) => this.say(e.message, true)));
    act("lower-all", "lower_all_hands", {});
    act("lock", "lock_class", () => ({ locked: $("lock").getAttribute("aria-pressed") !== "true" }));
    act("start-class", "start_class", {}, () => this.say(t("console.started")));
    $("end-class").addEventListener("click", () => {
      if (!confirm(t("console.end_confirm"))) return;
      this.live.call("end_class", {}).catch((e) => this.say(e.message, true));
    });
  }

  setAll(state) {
    this.people = new Map(state.participants.map((p) => [p.user_id, p]));
    this.queue = state.hand_queue;
    this.setLocked(state.locked);
    this.setState(state.class_session.state);
    this.render();
  }

  setLocked(locked) {
    $("lock").setAttribute("aria-pressed", String(locked));
    $("lock").textContent = t(locked ? "console.unlock" : "class.lock");
  }

  setState(state) { $("start-class").hidden = state === "live" || state === "ended"; }

  upsert(person) {
    const known = this.people.get(person.user_id);
    if (!known && person.name === undefined) return; // a change about someone we never saw
    this.people.set(person.user_id, { ...known, ...person });
    this.render();
  }

  remove(userId) { this.people.delete(userId); this.render(); }

  setQueue(queue) {
    this.queue = queue;
    for (const person of this.people.values()) {
      person.hand_raised_at = queue.includes(person.user_id) ? (person.hand_raised_at || new Date().toISOString()) : null;
    }
    this.render();
  }

  render() {
    const everyone = [...this.people.values()].sort((a, b) => a.name.localeCompare(b.name));
    $("people-count").textContent = String(everyone.length);
    const list = $("people-list");
    const rows = everyone.map((p) => this.row(p));
    const same = rows.length === list.children.length && rows.every((row, n) => list.children[n] === row);
    if (!same) list.replaceChildren(...rows);
    $("hand-queue").replaceChildren(...this.queue.map((id) => {
      const item = document.createElement("li");
      item.textContent = this.people.get(id)?.name ?? String(id);
      return item;
    }));
    $("no-hands").hidden = this.queue.length > 0;
    const away = everyone.filter((p) => p.status === "reconnecting").length;
    $("attendance-glance").textContent = t("console.glance", { present: everyone.length - away, away,
      hands: this.queue.length });
  }

  row(person) {
    let row = this.rows.get(person.user_id);
    if (!row) {
      row = document.createElement("li");
      row.innerHTML = '<span class="who"></span><span class="state"></span><span class="actions row"></span>';
      this.rows.set(person.user_id, row);
      if (this.moderator && person.user_id !== this.meId) this.controls(row, person.user_id);
    }
    row.querySelectorAll(".actions button").forEach((b) => {
      b.textContent = t(b.dataset.i18n);
      b.setAttribute("aria-label", t(`${b.dataset.i18n}_of`, { name: person.name }));
    });
    row.querySelector(".who").textContent = person.user_id === this.meId ? t("class.me", { name: person.name }) : person.name;
    const marks = [
      person.hand_raised_at ? t("people.hand") : null,
      person.mic ? t("people.mic_on") : t("people.mic_off"),
      person.status === "reconnecting" ? t("class.away") : null,
      person.connection ? t(`people.connection_${person.connection}`) : null,
    ].filter(Boolean);
    row.querySelector(".state").textContent = marks.join(" · ");
    row.dataset.connection = person.connection || "";
    return row;
  }

  controls(row, userId) {
    const name = () => this.people.get(userId)?.name ?? "";
    const button = (key, event, data) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = t(`console.${key}`);
      b.dataset.i18n = `console.${key}`;
      b.setAttribute("aria-label", t(`console.${key}_of`, { name: name() }));
      b.addEventListener("click", () => {
        if (key === "remove" && !confirm(t("console.remove_confirm", { name: name() }))) return;
        this.live.call(event, data()).catch((e) => this.say(e.message, true));
      });
      return b;
    };
    row.querySelector(".actions").append(
      button("ask_mute", "request_mute", () => ({ user_id: userId })),
      button("lower_hand", "lower_hand_of", () => ({ user_id: userId })),
      button("spotlight", "spotlight", () => ({ user_id: this.spotlight === userId ? null : userId })),
      button("remove", "remove_participant", () => ({ user_id: userId, reason: t("console.removed_reason") })),
    );
  }
}
