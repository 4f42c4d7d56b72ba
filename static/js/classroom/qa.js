// Live Q&A (질문과 답변). Everyone: ask (anonymously unless they choose otherwise), the class's
// questions (pinned first; popular, recent or answered first), one upvote each, their own
// questions to edit or withdraw, and word when theirs waits for approval and why. The
// instructor (moderate grant): the approval queue with what was flagged, pre-moderation,
// replies, "answered live", pinning, merging duplicates and pausing an asker (who stays unknown).
//
// Broadcasts never say whose question it is or who voted (`mine` and `voted` are false in
// them), so the page keeps its own question ids and votes from the answers to qa_list and
// qa_ask. Each question carries a revision: the page keeps the newest it has seen of each one
// and drops an older or equal one (vote counts come apart, in qa_votes, and are no revision).
// The question being typed is kept in this tab's session storage with the request id of its
// last sending, so a retry after a reconnect (or a reload) is the same question.

import { catalogLanguage, formatTime, language, t } from "/static/js/i18n.js";

const $ = (id) => document.getElementById(id);
const DRAFT = "baeum.qa-draft";
const SORTS = ["popular", "recent", "answered"];
const FLAGS = ["phone", "rrn", "email", "profanity"];

function newRequestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** "a phone number and an e-mail address" in the page's language. */
function listOf(words) {
  try {
    return new Intl.ListFormat(language(), { type: "conjunction" }).format(words);
  } catch {
    return words.join(", ");
  }
}

function flagsText(flags) {
  return listOf(flags.filter((f) => FLAGS.includes(f)).map((f) => t(`qa.flag_${f}`)));
}

/** The server's order (service._rank): pinned first; then by votes, newest, or answered. */
function rank(sort) {
  const key = (q) => (sort === "recent" ? [!q.pinned, 0, -q.id]
    : sort === "answered" ? [!q.pinned, q.answered ? 0 : 1, -q.id]
      : [!q.pinned, -q.votes, -q.id]);
  return (a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  };
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "className" || name === "type" || name === "id" || name === "hidden") node[name] = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** Put rows in a list in order, moving only what moved (and keeping the keyboard's place). */
function arrange(list, rows) {
  const same = rows.length === list.children.length && rows.every((row, n) => list.children[n] === row);
  if (same) return;
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  list.replaceChildren(...rows);
  if (focused?.isConnected) focused.focus({ preventScroll: true });
}

/** The newer of two states of one question (by revision); the list's own counts and flags. */
function newer(held, listed) {
  if (!held || held.revision <= listed.revision) return listed;
  return { ...held, votes: listed.votes, mine: listed.mine, voted: listed.voted };
}

export class QAPanel {
  constructor(live, state, { say }) {
    this.live = live;
    this.say = say;
    this.moderator = state.grants.includes("moderate");
    this.questions = new Map(); // id → the latest QuestionOut
    this.mine = new Set(); // ids of my questions (broadcasts do not say)
    this.voted = new Set(); // ids I upvoted
    this.items = new Map(); // id → <li> in the list
    this.queued = new Map(); // id → <li> in the moderation queue
    this.sort = "popular";
    this.mode = "none";
    this.loading = null; // the qa_list on its way, if any
    this.again = false; // and another wanted after it
    this.held = null; // what arrived while qa_list was on its way, applied again after it
    this.unseen = 0;
    this.statusText = null; // () → the notice about my own question, in the current language
    this.sending = false;
    this.untold = []; // announcements held while my own question is on its way
    this.form();
    this.controls();
    live.on("qa_question", (q) => this.received(q));
    live.on("qa_votes", ({ counts }) => this.counts(counts));
    live.on("qa_mode", ({ mode }) => this.setMode(mode, true));
    // Questions asked in a breakout group stay in it: a change of room is a new list.
    live.on("breakout_opened", () => this.reload().catch(() => null));
    live.on("breakout_closed", () => this.reload().catch(() => null));
    live.on("breakout_moved", ({ user_id: userId }) => {
      if (userId === state.me.user_id) this.reload().catch(() => null);
    });
    document.addEventListener("baeum:language", () => { this.anonymityNote(); this.showStatus(); this.render(); });
    new MutationObserver(() => { if (!$("panel-qa").hidden) { this.unseen = 0; this.badge(); } })
      .observe($("panel-qa"), { attributes: true, attributeFilter: ["hidden"] });
  }

  // ---- asking -----------------------------------------------------------------------------

  draft() {
    try { return JSON.parse(sessionStorage.getItem(DRAFT)) || {}; } catch { return {}; }
  }

  keep(changes) { sessionStorage.setItem(DRAFT, JSON.stringify({ ...this.draft(), ...changes })); }

  form() {
    const text = $("qa-text");
    const anonymous = $("qa-anonymous");
    const kept = this.draft();
    text.value = kept.text || text.value;
    if (typeof kept.anonymous === "boolean") anonymous.checked = kept.anonymous;
    this.anonymityNote();
    text.addEventListener("input", () => this.keep({ text: text.value }));
    anonymous.addEventListener("change", () => { this.keep({ anonymous: anonymous.checked }); this.anonymityNote(); });
    $("qa-form").addEventListener("submit", (event) => { event.preventDefault(); this.ask(); });
  }

  anonymityNote() {
    const note = $("qa-anon-note");
    note.dataset.i18n = $("qa-anonymous").checked ? "qa.anonymous_note" : "qa.named_note";
    note.textContent = t(note.dataset.i18n);
  }

  async ask() {
    const box = $("qa-text");
    const text = box.value.trim();
    if (!text || this.sending) return;
    const anonymous = $("qa-anonymous").checked;
    // The same words sent again (after a lost answer) carry the same request id: one question.
    const what = JSON.stringify([text, anonymous]);
    let { request_id: requestId, request_for: requestFor } = this.draft();
    if (!requestId || requestFor !== what) {
      requestId = newRequestId();
      this.keep({ request_id: requestId, request_for: what });
    }
    this.sending = true;
    try {
      const question = await this.live.call("qa_ask", { text, anonymous, request_id: requestId });
      this.mine.add(question.id);
      this.upsert(question);
      if (box.value.trim() === text) box.value = "";
      this.keep({ text: box.value, request_id: null, request_for: null });
      this.setStatus(question.status === "pending" ? () => this.waiting(question) : () => t("qa.sent"));
      this.render();
    } catch (error) {
      const why = error.type === "forbidden" ? t("qa.paused") : this.problem(error);
      this.setStatus(() => t("qa.not_sent", { detail: why }), true);
    } finally {
      this.sending = false;
      this.untold.splice(0).forEach((tell) => tell());
    }
  }

  waiting(question) {
    const flags = (question.flags || []).filter((f) => FLAGS.includes(f));
    return flags.length ? t("qa.waiting_flagged", { flags: flagsText(flags) }) : t("qa.waiting");
  }

  /** The notice under the form about my own question (kept as a function: a language switch
   * says it again in the other language). */
  setStatus(text, urgent = false) {
    this.statusText = text;
    this.statusUrgent = urgent;
    this.showStatus();
  }

  showStatus() {
    const holder = $("qa-status");
    if (!this.statusText) { holder.replaceChildren(); return; }
    holder.replaceChildren(el("p", { className: this.statusUrgent ? "notice error" : "notice" }, this.statusText()));
  }

  problem(error) {
    if (error.type === "rate-limited") return t("qa.too_fast");
    if (error.type === "timeout" || error.type === "network") return t("error.network");
    return error.message;
  }

  async run(work) {
    try { await work(); } catch (error) { this.say(this.problem(error), true); }
  }

  // ---- what the class sends -----------------------------------------------------------------

  /** The whole list again (on joining, after a reconnect, on a change of room). */
  reload() {
    if (this.loading) { this.again = true; return this.loading; }
    this.loading = (async () => {
      try {
        do { this.again = false; await this.load(); } while (this.again);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  async load() {
    const held = [];
    this.held = held;
    let answer;
    try {
      answer = await this.live.call("qa_list", { sort: this.sort });
    } finally {
      this.held = null;
    }
    const before = this.questions;
    this.questions = new Map(answer.questions.map((q) => [q.id, newer(before.get(q.id), q)]));
    for (const q of answer.questions) if (q.mine) this.mine.add(q.id);
    this.voted = new Set(answer.questions.filter((q) => q.voted).map((q) => q.id));
    for (const apply of held) apply(); // newer than the list: they came while it was made
    this.setMode(answer.mode, false);
    const waiting = answer.questions.filter((q) => q.mine && q.status === "pending").at(-1);
    if (waiting) this.setStatus(() => this.waiting(waiting));
    this.render();
  }

  /** A question from a broadcast or an answer, applied only if newer than the one held: two
   * changes in flight at once can arrive in either order (the one a pin replaced is sent too). */
  upsert(question) {
    const apply = () => {
      if (question.mine) this.mine.add(question.id);
      const held = this.questions.get(question.id);
      if (held && held.revision >= question.revision) return;
      this.questions.set(question.id, { ...question });
    };
    apply();
    this.held?.push(apply);
  }

  received(question) {
    const before = this.questions.get(question.id);
    if (before && before.revision >= question.revision) return; // overtaken by a newer change
    const mine = this.mine.has(question.id);
    this.upsert(question);
    if (mine && before?.status !== question.status) {
      if (question.status === "published" && before?.status === "pending") this.setStatus(() => t("qa.approved"));
      if (question.status === "rejected") this.setStatus(() => t("qa.rejected"));
      if (question.status === "merged") this.setStatus(() => t("qa.merged"));
    }
    if (mine && question.answered && !before?.answered) this.say(t("qa.replied"));
    if (!before && !mine) this.announce(question);
    this.render();
  }

  /** A new question is said once, politely (votes are not). The server sends my own question
   * to the class before it answers me, so while I am asking, wait for the answer to tell. */
  announce(question) {
    const tell = () => {
      if (this.mine.has(question.id)) return;
      if (question.status === "published") {
        this.say(t("qa.new_question", { text: question.text }));
        if ($("panel-qa").hidden) this.unseen += 1;
        this.badge();
      } else if (question.status === "pending" && this.moderator) {
        this.say(t("qa.new_pending"));
      }
    };
    if (this.sending) this.untold.push(tell);
    else tell();
  }

  counts(counts) {
    const apply = () => {
      for (const [id, votes] of Object.entries(counts)) {
        const q = this.questions.get(Number(id));
        if (q) q.votes = votes;
      }
    };
    apply();
    this.held?.push(apply);
    this.render();
  }

  setMode(mode, announce) {
    const changed = mode !== this.mode;
    this.mode = mode;
    $("qa-premod").checked = mode === "pre";
    $("qa-mode-note").hidden = mode !== "pre" || this.moderator;
    if (announce && changed) this.say(t(mode === "pre" ? "qa.mode_on" : "qa.mode_off"));
  }

  // ---- the instructor's controls and the sort -----------------------------------------------

  controls() {
    $("qa-console").hidden = !this.moderator;
    for (const sort of SORTS) {
      $(`qa-sort-${sort}`).addEventListener("click", () => { this.sort = sort; this.render(); });
    }
    if (!this.moderator) return;
    $("qa-premod").addEventListener("change", () => this.run(async () => {
      const want = $("qa-premod").checked ? "pre" : "none";
      try {
        const { mode } = await this.live.call("qa_mode", { mode: want });
        this.setMode(mode, true);
      } catch (error) {
        $("qa-premod").checked = this.mode === "pre";
        throw error;
      }
    }));
  }

  // ---- drawing ------------------------------------------------------------------------------

  listed(q) {
    return q.status === "published" || (q.status === "pending" && this.mine.has(q.id) && !this.moderator);
  }

  render() {
    const all = [...this.questions.values()];
    const shown = all.filter((q) => this.listed(q)).sort(rank(this.sort));
    const published = all.filter((q) => q.status === "published").sort((a, b) => a.id - b.id);
    published.signature = published.map((p) => `${p.id}:${p.text}`).join("\n") + catalogLanguage();
    for (const id of this.items.keys()) if (!shown.some((q) => q.id === id)) this.items.delete(id);
    arrange($("qa-list"), shown.map((q) => this.item(q, published)));
    $("qa-empty").hidden = shown.length > 0;
    for (const sort of SORTS) $(`qa-sort-${sort}`).setAttribute("aria-pressed", String(sort === this.sort));
    if (this.moderator) {
      const pending = all.filter((q) => q.status === "pending").sort((a, b) => a.id - b.id);
      for (const id of this.queued.keys()) if (!pending.some((q) => q.id === id)) this.queued.delete(id);
      arrange($("qa-queue"), pending.map((q) => this.queueItem(q)));
      $("qa-queue-empty").hidden = pending.length > 0;
    }
    this.badge();
  }

  badge() {
    const n = this.moderator ? [...this.questions.values()].filter((q) => q.status === "pending").length : this.unseen;
    $("qa-count").textContent = String(n);
    $("qa-count").hidden = n === 0;
  }

  who(q) {
    const name = q.author_name ?? t("qa.anonymous_author");
    return `${name} · ${formatTime(q.created_at, { timeStyle: "short" })}`;
  }

  button(key, onClick, props = {}) {
    const b = el("button", { type: "button", ...props });
    b.dataset.key = key;
    b.addEventListener("click", onClick);
    return b;
  }

  /** One question in the list: built once, its words and state filled on every change. */
  item(q, published) {
    let li = this.items.get(q.id);
    if (!li) {
      li = this.build(q.id);
      this.items.set(q.id, li);
    }
    this.fill(li, q, published);
    return li;
  }

  build(id) {
    const textId = `qa-q-${id}`;
    const q = () => this.questions.get(id);
    const li = el("li", { className: "qa-item" });
    li.dataset.id = String(id);
    const vote = this.button("qa.vote", () => this.run(() => this.vote(id)),
      { className: "qa-vote", "aria-pressed": "false", "aria-describedby": textId });
    vote.append(el("span", { "aria-hidden": "true" }, "▲"), el("span", { className: "qa-vote-label" }), " ",
      el("span", { className: "qa-vote-count" }));
    const edit = this.button("qa.edit", () => this.editing(id, true), { className: "qa-edit", "aria-describedby": textId });
    const withdraw = this.button("qa.withdraw", () => this.run(() => this.withdraw(id)),
      { className: "qa-withdraw", "aria-describedby": textId });
    const pin = this.button("qa.pin", () => this.run(() => this.staff("qa_pin", { question_id: id, pinned: !q().pinned })),
      { className: "qa-pin", "aria-pressed": "false", "aria-describedby": textId });
    const answeredLive = this.button("qa.mark_live",
      () => this.run(() => this.staff("qa_reply", { question_id: id, live: true })),
      { className: "qa-live", "aria-describedby": textId });

    const editText = el("textarea", { id: `qa-edit-${id}`, rows: "2", maxlength: "1000", required: "" });
    const editForm = el("form", { className: "qa-edit-form", hidden: true },
      el("label", { for: editText.id, "data-key": "qa.edit_label" }), editText,
      el("div", { className: "row" }, el("button", { type: "submit", className: "primary", "data-key": "qa.save" }),
        this.button("qa.cancel", () => this.editing(id, false))));
    editForm.addEventListener("submit", (e) => { e.preventDefault(); this.run(() => this.saveEdit(id)); });
    editText.addEventListener("keydown", (e) => { if (e.key === "Escape") this.editing(id, false); });

    const replyText = el("textarea", { id: `qa-reply-${id}`, rows: "2", maxlength: "2000", required: "" });
    const replyForm = el("form", { className: "qa-reply-form" },
      el("label", { for: replyText.id, "data-key": "qa.reply_label" }), replyText,
      el("button", { type: "submit", "data-key": "qa.reply_send" }));
    replyForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = replyText.value.trim();
      if (!text) return;
      this.run(async () => {
        await this.staff("qa_reply", { question_id: id, text });
        replyText.value = "";
        this.say(t("qa.reply_sent"));
      });
    });
    const into = el("select", { id: `qa-merge-${id}` });
    const merge = el("div", { className: "row qa-merge" },
      el("label", { for: into.id, className: "inline", "data-key": "qa.merge_label" }), into,
      this.button("qa.merge", () => this.run(() => this.merge(id, Number(into.value))), { className: "qa-merge-go" }));
    const mute = this.button("qa.mute", () => this.run(() => this.mute(id)), { "aria-describedby": textId });
    const manage = el("details", { className: "qa-manage" },
      el("summary", { "data-key": "qa.manage", "aria-describedby": textId }), replyForm, merge, mute);

    li.append(
      el("p", { className: "qa-meta" }, el("span", { className: "qa-badges" }), el("span", { className: "qa-who" })),
      el("p", { className: "qa-text", id: textId }),
      el("p", { className: "qa-reply" }),
      el("div", { className: "row qa-actions" }, vote, edit, withdraw, pin, answeredLive),
      editForm, manage,
    );
    return li;
  }

  fill(li, q, published) {
    const mine = this.mine.has(q.id);
    const open = q.status === "published";
    const staff = this.moderator && open;
    li.classList.toggle("mine", mine);
    li.classList.toggle("pinned", q.pinned);
    li.querySelectorAll("[data-key]").forEach((node) => {
      const label = node.matches(".qa-vote") ? node.querySelector(".qa-vote-label") : node;
      label.textContent = t(node.dataset.key);
    });
    const badges = [
      q.pinned && ["pinned", "qa.pinned"],
      q.answered === "live" && ["answered", "qa.answered_live"],
      q.answered === "text" && ["answered", "qa.answered"],
      mine && ["mine", "qa.mine"],
      q.status === "pending" && ["pending", "qa.pending"],
    ].filter(Boolean);
    li.querySelector(".qa-badges").replaceChildren(...badges.map(([kind, key]) =>
      el("span", { className: `qa-badge qa-badge-${kind}` }, t(key))));
    li.querySelector(".qa-who").textContent = this.who(q);
    const text = li.querySelector(".qa-text");
    text.replaceChildren(q.text);
    if (q.edited_at) text.append(" ", el("span", { className: "muted" }, `(${t("qa.edited")})`));
    const reply = li.querySelector(".qa-reply");
    reply.hidden = !q.reply;
    reply.replaceChildren(el("strong", {}, t("qa.reply_from")), " ", q.reply || "");
    const vote = li.querySelector(".qa-vote");
    vote.hidden = !open;
    vote.setAttribute("aria-pressed", String(this.voted.has(q.id)));
    vote.querySelector(".qa-vote-count").textContent = String(q.votes);
    const editable = mine && (open || q.status === "pending");
    li.querySelector(".qa-edit").hidden = !editable || !li.querySelector(".qa-edit-form").hidden;
    li.querySelector(".qa-withdraw").hidden = !editable;
    if (!editable) li.querySelector(".qa-edit-form").hidden = true;
    li.querySelector(".qa-pin").hidden = !staff;
    li.querySelector(".qa-pin").setAttribute("aria-pressed", String(q.pinned));
    // (a written answer stays: marking it live afterwards would replace it)
    li.querySelector(".qa-live").hidden = !staff || Boolean(q.answered);
    li.querySelector(".qa-manage").hidden = !staff;
    if (staff) this.mergeChoices(li.querySelector(".qa-merge select"), q, published);
  }

  /** The published questions this one may be merged into (the select keeps its choice). */
  mergeChoices(select, q, published) {
    const others = published.filter((p) => p.id !== q.id);
    if (select.dataset.signature !== published.signature) {
      const chosen = select.value;
      select.replaceChildren(...others.map((p) => new Option(`#${p.id} ${p.text.slice(0, 60)}`, String(p.id))));
      if (!others.length) select.append(new Option(t("qa.merge_none"), ""));
      if (others.some((p) => String(p.id) === chosen)) select.value = chosen;
      select.dataset.signature = published.signature;
    }
    select.closest(".qa-merge").querySelector(".qa-merge-go").disabled = !others.length;
  }

  /** One question waiting for approval, with what the filter found in it. */
  queueItem(q) {
    let li = this.queued.get(q.id);
    if (!li) {
      const textId = `qa-p-${q.id}`;
      const act = (action) => () => this.run(async () => {
        const had = li.contains(document.activeElement);
        await this.staff("qa_moderate", { question_id: q.id, action });
        if (had && !li.isConnected) ($("qa-queue").querySelector(".qa-approve") ?? $("qa-premod")).focus();
      });
      li = el("li", { className: "qa-item" },
        el("p", { className: "qa-meta" }, el("span", { className: "qa-who" })),
        el("p", { className: "qa-text", id: textId }),
        el("p", { className: "qa-flags" }),
        el("div", { className: "row qa-actions" },
          this.button("qa.approve", act("approve"), { className: "primary qa-approve", "aria-describedby": textId }),
          this.button("qa.reject", act("reject"), { className: "qa-reject", "aria-describedby": textId })));
      li.dataset.id = String(q.id);
      this.queued.set(q.id, li);
    }
    li.querySelectorAll("[data-key]").forEach((node) => { node.textContent = t(node.dataset.key); });
    li.querySelector(".qa-who").textContent = this.who(q);
    li.querySelector(".qa-text").textContent = q.text;
    const flags = (q.flags || []).filter((f) => FLAGS.includes(f));
    li.querySelector(".qa-flags").hidden = !flags.length;
    li.querySelector(".qa-flags").textContent = flags.length ? t("qa.flagged", { flags: flagsText(flags) }) : "";
    return li;
  }

  // ---- acting on a question -----------------------------------------------------------------

  async vote(id) {
    const up = !this.voted.has(id);
    const answer = await this.live.call("qa_vote", { question_id: id, up });
    if (answer.voted) this.voted.add(id);
    else this.voted.delete(id);
    const q = this.questions.get(id);
    if (q) q.votes = answer.votes;
    this.render();
  }

  editing(id, on) {
    const li = this.items.get(id);
    if (!li) return;
    const form = li.querySelector(".qa-edit-form");
    form.hidden = !on;
    li.querySelector(".qa-edit").hidden = on;
    if (on) {
      const box = form.querySelector("textarea");
      box.value = this.questions.get(id)?.text ?? "";
      box.focus();
    } else {
      li.querySelector(".qa-edit").focus();
    }
  }

  async saveEdit(id) {
    const li = this.items.get(id);
    const text = li.querySelector(".qa-edit-form textarea").value.trim();
    if (!text) return;
    const question = await this.live.call("qa_edit", { question_id: id, text });
    this.upsert(question);
    this.render();
    this.editing(id, false);
    if (question.status === "pending") this.setStatus(() => this.waiting(question));
  }

  async withdraw(id) {
    if (!confirm(t("qa.withdraw_confirm"))) return;
    this.upsert(await this.live.call("qa_withdraw", { question_id: id }));
    this.render();
    this.setStatus(() => t("qa.withdrawn"));
    $("qa-text").focus();
  }

  async staff(event, data) {
    this.upsert(await this.live.call(event, data));
    this.render();
  }

  async merge(id, into) {
    if (!into || !confirm(t("qa.merge_confirm"))) return;
    this.upsert(await this.live.call("qa_merge", { question_id: id, into }));
    const duplicate = this.questions.get(id);
    if (duplicate) Object.assign(duplicate, { status: "merged", merged_into: into, pinned: false });
    this.render();
    this.say(t("qa.merged_done"));
  }

  async mute(id) {
    if (!confirm(t("qa.mute_confirm"))) return;
    await this.live.call("qa_mute", { question_id: id });
    this.say(t("qa.muted"));
  }
}
