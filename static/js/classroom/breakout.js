// Breakout groups (분임) in the class page. Everyone: where they are (their group's name,
// members and countdown), a help button, the main room's broadcasts, and the way back. The
// instructor: prepare a set (create, fill at random or balanced, paste from a spreadsheet,
// drag people between groups or move them from a list), open it for some minutes, extend,
// close, broadcast, speak into every group, answer help calls, visit groups, see them all.

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";

const $ = (id) => document.getElementById(id);
const WARNINGS_S = [120, 30];
const OVERVIEW_EVERY_MS = 5000;

function clock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** What every participant sees of an open round. */
export class BreakoutView {
  constructor(live, meId, { say, names, onRoom, chooses = false }) {
    this.chooses = chooses; // trainees choose their group where a set lets them
    this.live = live;
    this.meId = meId;
    this.say = say;
    this.names = names; // user id → name
    this.onRoom = onRoom; // (group id | null) → the page shows that room
    this.round = null;
    this.skew = 0;
    this.timer = null;
    live.on("breakout_opened", (round) => this.show(round));
    live.on("breakout_moved", ({ user_id: userId, group_id: groupId }) => this.moved(userId, groupId));
    live.on("breakout_timer", (timer) => { if (this.round) Object.assign(this.round, timer); this.tick(); });
    live.on("breakout_warning", ({ seconds_left: left }) =>
      this.say(t("breakout.warning", { time: clock(left * 1000) }), true));
    live.on("breakout_closed", () => this.closed());
    live.on("breakout_message", ({ text, from_name: from, from_id: fromId }) => {
      if (fromId === this.meId) return; // the sender knows what they sent
      $("breakout-message").textContent = t("breakout.message", { name: from, text });
      $("breakout-message").hidden = false;
      this.say(t("breakout.message", { name: from, text }), true);
    });
    live.on("help_answered", () => {
      $("group-help").setAttribute("aria-pressed", "false");
      this.say(t("breakout.help_answered"));
    });
    $("group-help").addEventListener("click", () => this.callHelp());
    live.on("breakout_choices", () => this.loadChoices().catch(() => null));
    // words drawn from pushes, again in the language that finished loading (no announcements)
    document.addEventListener("baeum:language", () => {
      this.label(this.group(this.myGroup));
      if (this.choices) this.renderChoices(this.choices);
    });
  }

  /** Sets in which trainees pick their own group: the groups, how full, and mine. */
  async loadChoices(classId = this.classId) {
    this.classId = classId;
    if (!this.chooses) return;
    const choices = await api("GET", `/api/v1/class-sessions/${classId}/breakout-choices`);
    this.renderChoices(choices);
  }

  renderChoices(choices) {
    this.choices = choices;
    const open = choices.find((c) => c.groups.length);
    $("group-choice").hidden = !open || Boolean(this.round);
    if (!open) return;
    $("group-choice-set").textContent = open.name;
    $("group-choice-list").replaceChildren(...open.groups.map((g) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      const mine = open.my_group === g.id;
      button.setAttribute("aria-pressed", String(mine));
      button.textContent = g.capacity ? t("breakout.choice_of", { group: g.name, n: g.count, cap: g.capacity })
        : t("breakout.choice", { group: g.name, n: g.count });
      button.disabled = !mine && g.capacity !== null && g.count >= g.capacity;
      button.addEventListener("click", async () => {
        try {
          this.renderChoices(await api("POST", `/api/v1/breakout-sets/${open.set_id}/choice`, { group_id: g.id }));
          this.say(t("breakout.chosen", { group: g.name }));
        } catch (error) { this.say(error.message, true); }
      });
      item.append(button);
      return item;
    }));
  }

  /** The round from the class state on (re)joining, with my group in it. */
  apply(round, myGroup) {
    if (!round) { if (this.round) this.closed(true); return; }
    this.show(round, myGroup);
  }

  show(round, myGroup) {
    this.round = round;
    $("group-choice").hidden = true;
    this.skew = new Date(round.server_time).getTime() - Date.now();
    const mine = myGroup ?? round.groups.find((g) => g.members.includes(this.meId))?.id ?? null;
    this.setGroup(mine);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), 1000);
    this.tick();
  }

  group(id) { return this.round?.groups.find((g) => g.id === id) ?? null; }

  setGroup(groupId) {
    this.myGroup = groupId;
    const group = this.group(groupId);
    $("group-bar").hidden = !group;
    this.label(group);
    if (group) this.say(t("breakout.moved_to", { group: group.name }), true);
    const to = $("chat-to");
    let option = to.querySelector("option[value=group]");
    if (group && !option) {
      option = new Option(t("breakout.chat_to_group"), "group");
      option.dataset.i18n = "breakout.chat_to_group";
      to.prepend(option);
    }
    if (group) to.value = "group";
    else if (option) { option.remove(); to.value = "all"; }
    this.onRoom(groupId);
  }

  label(group) {
    if (!group) return;
    $("group-name").textContent = t("breakout.you_are_in", { group: group.name });
    $("group-members").textContent = group.members.map((id) => this.names(id)).join(", ");
  }

  moved(userId, groupId) {
    if (!this.round) return;
    for (const g of this.round.groups) g.members = g.members.filter((id) => id !== userId);
    this.group(groupId)?.members.push(userId);
    if (userId === this.meId) this.setGroup(groupId);
    else if (this.myGroup !== null) this.setGroup(this.myGroup);
  }

  tick() {
    if (!this.round) return;
    const deadline = Math.min(...[this.round.ends_at, this.round.closing_at].filter(Boolean)
      .map((iso) => new Date(iso).getTime()));
    const left = deadline - (Date.now() + this.skew);
    $("group-timer").textContent = clock(left);
    $("group-timer").dateTime = `PT${Math.max(0, Math.ceil(left / 1000))}S`;
    this.left = left;
  }

  async callHelp() {
    try {
      const { queue_position: n } = await this.live.call("breakout_help");
      $("group-help").setAttribute("aria-pressed", "true");
      this.say(t("breakout.help_called", { n }));
    } catch (error) { this.say(error.message, true); }
  }

  closed(quiet = false) {
    clearInterval(this.timer);
    this.round = null;
    $("breakout-message").hidden = true;
    $("group-help").setAttribute("aria-pressed", "false");
    const wasIn = this.myGroup !== null && this.myGroup !== undefined;
    this.setGroup(null);
    if (wasIn && !quiet) this.say(t("breakout.back"), true);
    this.loadChoices().catch(() => null);
  }
}

/** The instructor's breakout panel. */
export class BreakoutConsole {
  constructor(live, classId, { say, names, people }) {
    this.live = live;
    this.classId = classId;
    this.say = say;
    this.names = names;
    this.people = people; // () → trainees known to the page, for moving by list
    this.sets = [];
    this.overviewTimer = null;
    this.skew = 0;
    $("toggle-breakout").hidden = false;
    $("breakout-new").addEventListener("submit", (e) => { e.preventDefault(); this.run(() => this.create()); });
    $("breakout-set").addEventListener("change", () => this.render());
    $("breakout-fill-go").addEventListener("click", () => this.run(() => this.fill()));
    $("breakout-import").addEventListener("click", () => this.run(() => this.importCsv()));
    $("breakout-open").addEventListener("click", () => this.run(() => this.open()));
    $("breakout-extend").addEventListener("click", () => this.run(() => live.call("breakout_extend", { minutes: 5 })));
    $("breakout-close-soon").addEventListener("click", () => this.run(() => live.call("breakout_close", { grace_s: 30 })));
    $("breakout-close").addEventListener("click", () => this.run(() => live.call("breakout_close", {})));
    $("breakout-voice").addEventListener("click", () => this.run(async () => {
      const on = $("breakout-voice").getAttribute("aria-pressed") !== "true";
      await live.call("breakout_voice", { on });
      $("breakout-voice").setAttribute("aria-pressed", String(on));
    }));
    $("breakout-broadcast").addEventListener("submit", (e) => {
      e.preventDefault();
      this.run(async () => {
        await live.call("breakout_broadcast", { text: $("breakout-broadcast-text").value });
        $("breakout-broadcast-text").value = "";
      });
    });
    live.on("help_calls", ({ queue }) => this.helpCalls(queue));
    live.on("breakout_opened", (round) => this.running(round));
    live.on("breakout_timer", (timer) => { Object.assign(this.round || {}, timer); });
    live.on("breakout_closed", () => this.stopped());
    live.on("breakout_choices", () => this.load().catch(() => null)); // trainees chose
    this.queue = [];
    document.addEventListener("baeum:language", () => { // what pushes drew, in the new words
      this.renderSets(Number($("breakout-set").value) || undefined);
      this.drawHelpCalls();
      if (this.round) this.overview().catch(() => null);
    });
  }

  async run(work) {
    try { await work(); } catch (error) { this.say(error.message, true); }
  }

  async load(round) {
    this.sets = await api("GET", `/api/v1/class-sessions/${this.classId}/breakout-sets`);
    this.renderSets(Number($("breakout-set").value) || undefined);
    if (round) this.running(round);
  }

  current() { return this.sets.find((s) => s.id === Number($("breakout-set").value)) ?? null; }

  renderSets(selected) {
    const select = $("breakout-set");
    select.replaceChildren(...this.sets.map((s) => new Option(s.name, s.id)));
    if (!this.sets.length) select.append(new Option(t("breakout.no_sets"), ""));
    if (selected) select.value = String(selected);
    this.render();
  }

  replace(updated) {
    this.sets = this.sets.map((s) => (s.id === updated.id ? updated : s));
    if (!this.sets.some((s) => s.id === updated.id)) this.sets.push(updated);
    this.renderSets(updated.id);
  }

  async create() {
    const capacity = Number($("breakout-new-cap").value) || null;
    const made = await api("POST", `/api/v1/class-sessions/${this.classId}/breakout-sets`,
      { name: $("breakout-new-name").value, groups: Number($("breakout-new-count").value),
        self_select: $("breakout-new-choose").checked, capacity });
    $("breakout-new-name").value = "";
    this.replace(made);
    this.say(t("breakout.created", { name: made.name }));
  }

  async fill() {
    const set = this.current();
    if (!set) return;
    const [attribute, together] = $("breakout-fill").value.split(":");
    const body = attribute === "random" ? { mode: "random" }
      : { mode: "balanced", attribute, together: together === "together" };
    const { set: filled } = await api("POST", `/api/v1/breakout-sets/${set.id}/fill`, body);
    this.replace(filled);
    this.say(t("breakout.filled"));
  }

  async importCsv() {
    const set = this.current();
    if (!set) return;
    const placed = await api("POST", `/api/v1/breakout-sets/${set.id}/import`, { csv: $("breakout-csv").value });
    this.replace(placed);
    this.say(t("breakout.imported"));
  }

  async place(userId, groupId) {
    const set = this.current();
    if (this.round) {
      await this.live.call("breakout_move", { user_id: userId, group_id: groupId });
    }
    if (set) this.replace(await api("PUT", `/api/v1/breakout-sets/${set.id}/members`,
      { assignments: [{ user_id: userId, group_id: groupId }] }));
  }

  /** The set's groups: drop a person on a group, or pick a group from the list by them. */
  render() {
    const set = this.current();
    const holder = $("breakout-groups");
    if (!set) { holder.replaceChildren(); return; }
    const column = (title, groupId, members) => {
      const box = document.createElement("section");
      box.className = "breakout-group";
      box.dataset.group = groupId ?? "";
      const h = document.createElement("h4");
      h.textContent = `${title} (${members.length})`;
      const list = document.createElement("ul");
      list.append(...members.map((id) => this.member(id, set, groupId)));
      box.append(h, list);
      box.addEventListener("dragover", (e) => e.preventDefault());
      box.addEventListener("drop", (e) => {
        e.preventDefault();
        this.run(() => this.place(Number(e.dataTransfer.getData("text/plain")), groupId));
      });
      return box;
    };
    holder.replaceChildren(...set.groups.map((g) => column(g.name, g.id, g.members)),
      column(t("breakout.unassigned"), null, set.unassigned));
  }

  member(userId, set, groupId) {
    const item = document.createElement("li");
    item.draggable = true;
    item.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/plain", String(userId)));
    const name = this.names(userId);
    const label = document.createElement("label");
    label.className = "inline";
    label.textContent = name;
    const select = document.createElement("select");
    select.id = `breakout-member-${userId}`;
    label.htmlFor = select.id;
    select.setAttribute("aria-label", t("breakout.move_person", { name }));
    select.append(new Option(t("breakout.unassigned"), ""),
      ...set.groups.map((g) => new Option(g.name, g.id)));
    select.value = groupId ?? "";
    select.addEventListener("change", () =>
      this.run(() => this.place(userId, select.value ? Number(select.value) : null)));
    item.append(label, " ", select);
    return item;
  }

  async open() {
    const set = this.current();
    if (!set) return;
    const minutes = Number($("breakout-minutes").value);
    await this.live.call("breakout_open", { set_id: set.id, minutes, warnings_s: WARNINGS_S });
  }

  running(round) {
    this.round = round;
    this.skew = new Date(round.server_time).getTime() - Date.now();
    $("breakout-running").hidden = false;
    $("breakout-open").disabled = true;
    clearInterval(this.overviewTimer);
    this.overviewTimer = setInterval(() => this.overview().catch(() => null), OVERVIEW_EVERY_MS);
    clearInterval(this.timerTick);
    this.timerTick = setInterval(() => this.tick(), 1000);
    this.tick();
    this.overview().catch(() => null);
  }

  tick() {
    if (!this.round) return;
    const deadline = Math.min(...[this.round.ends_at, this.round.closing_at].filter(Boolean)
      .map((iso) => new Date(iso).getTime()));
    $("breakout-timer").textContent = clock(deadline - (Date.now() + this.skew));
  }

  stopped() {
    this.round = null;
    clearInterval(this.overviewTimer);
    clearInterval(this.timerTick);
    $("breakout-running").hidden = true;
    $("breakout-open").disabled = false;
    $("breakout-voice").setAttribute("aria-pressed", "false");
    this.helpCalls([]);
    this.say(t("breakout.closed_all"));
  }

  async overview() {
    const view = await this.live.call("breakout_overview");
    const list = $("breakout-overview");
    list.replaceChildren(...view.groups.map((g) => {
      const item = document.createElement("li");
      const title = document.createElement("strong");
      title.textContent = g.name;
      const who = document.createElement("span");
      who.textContent = ` ${t("breakout.present_n", { n: g.present.length })}`
        + (g.away.length ? ` · ${t("breakout.away_n", { n: g.away.length })}` : "")
        + (g.help.length ? ` · ${t("breakout.help_n", { n: g.help.length })}` : "")
        + (g.talking.length ? ` · ${t("breakout.talking", { names: g.talking.map(this.names).join(", ") })}` : "")
        + (g.silence_alert ? ` · ${t("breakout.silent", { minutes: Math.floor(g.quiet_s / 60) })}` : "");
      item.classList.toggle("alert", g.silence_alert || g.help.length > 0);
      const visit = document.createElement("button");
      visit.type = "button";
      visit.textContent = t("breakout.visit");
      visit.setAttribute("aria-label", t("breakout.visit_group", { group: g.name }));
      visit.addEventListener("click", () => this.run(() => this.live.call("breakout_visit", { group_id: g.id })));
      item.append(title, who, " ", visit);
      if (g.board?.length) { // the newest post-its on the group's board: what it is working on
        const newest = document.createElement("ul");
        newest.className = "breakout-board-newest";
        newest.setAttribute("aria-label", t("breakout.board_newest", { group: g.name }));
        for (const post of g.board) {
          const line = document.createElement("li");
          line.textContent = post.title ? `${post.title}: ${post.text}` : post.text;
          newest.append(line);
        }
        item.append(newest);
      }
      return item;
    }));
    const back = document.createElement("li");
    const home = document.createElement("button");
    home.type = "button";
    home.textContent = t("breakout.back_to_main");
    home.addEventListener("click", () => this.run(() => this.live.call("breakout_visit", { group_id: null })));
    back.append(home);
    list.append(back);
  }

  helpCalls(queue) {
    this.queue = queue;
    this.drawHelpCalls();
    if (queue.length) this.say(t("breakout.help_from", { name: this.names(queue[queue.length - 1].user_id) }));
  }

  drawHelpCalls() {
    const queue = this.queue;
    $("breakout-help").replaceChildren(...queue.map((call) => {
      const item = document.createElement("li");
      const group = this.round?.groups.find((g) => g.id === call.group_id)?.name ?? "";
      item.textContent = `${this.names(call.user_id)} (${group}) `;
      const go = document.createElement("button");
      go.type = "button";
      go.textContent = t("breakout.go_help");
      go.setAttribute("aria-label", t("breakout.go_help_of", { name: this.names(call.user_id) }));
      go.addEventListener("click", () => this.run(async () => {
        await this.live.call("breakout_visit", { group_id: call.group_id });
        await this.live.call("breakout_help_done", { user_id: call.user_id });
      }));
      item.append(go);
      return item;
    }));
    $("breakout-no-help").hidden = queue.length > 0;
    $("help-count").hidden = queue.length === 0;
    $("help-count").textContent = String(queue.length);
  }
}
