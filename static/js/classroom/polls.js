// Polls, quizzes and surveys (투표·퀴즈·설문) in the class page.
//
// Everyone: a card per poll run the class (or my breakout group) was given, each item with the
// control its kind needs (one choice, several, a 1..5 or 1..10 rating, up to three words, a
// short text, a ranking moved with buttons), a submit per item and the answer the server
// acknowledged; a poll kept with names says so before anything is answered; a quiz answer is
// final; the countdown when the poll is on a timer; the results once the instructor shows them
// (tables with counts and shares, bars drawn for the eye only, the word cloud as a list, the
// mean rating, the right quiz answer after closing, the pseudonymous leaderboard).
//
// The instructor (moderate grant): build a poll or survey (items of every kind), the polls of
// the class and its course, launch one (optionally on a timer, to one breakout group, results
// shown at once), live results per run, show or hide them, close.
//
// Each answer carries a request id; sending the same answer again (after a lost reply) reuses
// it, so the server counts it once. After a reconnect (or a reload) `poll_runs` brings back the
// runs and my answers; results pushes are whole snapshots, so a late one simply replaces.

import { api } from "/static/js/api.js";
import { language, t } from "/static/js/i18n.js";

const $ = (id) => document.getElementById(id);
const KINDS = ["single", "multiple", "rating", "wordcloud", "open", "ranking", "quiz"];
const CHOICE = new Set(["single", "multiple", "ranking", "quiz"]);
const WORDS = 3;
const REQUESTS = "baeum.poll-requests";

function newRequestId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  if (globalThis.crypto?.getRandomValues) {
    return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return `${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`.padEnd(16, "0").slice(0, 32);
}

function clock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (["className", "type", "id", "hidden", "value", "name", "checked", "disabled", "htmlFor"].includes(name)) {
      node[name] = value;
    } else {
      node.setAttribute(name, value === true ? "" : value);
    }
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** An element whose text (and listed attributes) come from the catalog, redone on a language
 * switch by words(): data-key for the text, data-key-attr="aria-label:key" for attributes. */
function say(node, key, vars) {
  if (key) node.dataset.key = key;
  if (vars) node.dataset.vars = JSON.stringify(vars);
  node.textContent = t(node.dataset.key, vars ?? varsOf(node));
  return node;
}

function sayAttr(node, attr, key, vars) {
  const pairs = (node.dataset.keyAttr || "").split(";").filter((p) => p && !p.startsWith(`${attr}:`));
  node.dataset.keyAttr = [...pairs, `${attr}:${key}`].join(";");
  if (vars) node.dataset.vars = JSON.stringify(vars);
  node.setAttribute(attr, t(key, vars ?? varsOf(node)));
  return node;
}

function varsOf(node) {
  try { return node.dataset.vars ? JSON.parse(node.dataset.vars) : {}; } catch { return {}; }
}

function words(root) {
  root.querySelectorAll("[data-key]").forEach((node) => { node.textContent = t(node.dataset.key, varsOf(node)); });
  root.querySelectorAll("[data-key-attr]").forEach((node) => {
    for (const pair of node.dataset.keyAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) node.setAttribute(attr, t(key, varsOf(node)));
    }
  });
}

function percent(part, whole) {
  const share = whole ? part / whole : 0;
  try {
    return new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 0 }).format(share);
  } catch {
    return `${Math.round(share * 100)}%`;
  }
}

function number(value, digits = 1) {
  try {
    return new Intl.NumberFormat(language(), { minimumFractionDigits: digits, maximumFractionDigits: 2 }).format(value);
  } catch {
    return String(value);
  }
}

/** An answer in words: the option chosen, the rating, the words, the order. */
function answerText(item, value) {
  if (!value) return "";
  const option = (i) => item.options[i] ?? `#${i + 1}`;
  if ("choice" in value) return option(value.choice);
  if ("choices" in value) return value.choices.map(option).join(", ");
  if ("rating" in value) return t("poll.answer_rating", { rating: value.rating, scale: item.scale || 5 });
  if ("words" in value) return value.words.join(", ");
  if ("text" in value) return value.text;
  if ("order" in value) return value.order.map((o, n) => `${n + 1}. ${option(o)}`).join(" › ");
  return "";
}

/** A bar for the eye; the numbers beside it are what a screen reader reads. */
function bar(share) {
  const fill = el("span", { className: "poll-bar-fill" });
  fill.style.width = `${Math.round(share * 100)}%`;
  return el("span", { className: "poll-bar", "aria-hidden": "true" }, fill);
}

function th(key, vars) { return say(el("th", { scope: "col" }), key, vars); }

/** One item's results as a table or list (rebuilt on every push; it holds no controls). */
function resultView(item, result, mine) {
  const box = el("div", { className: "poll-result" });
  if (!result) return box;
  const total = result.total ?? 0;
  box.append(say(el("p", { className: "poll-sum" }), "poll.answered_n", { n: total }));
  const caption = el("caption", { className: "visually-hidden" }, t("poll.results_of", { prompt: item.prompt }));
  if (["single", "multiple", "quiz"].includes(item.kind)) {
    const correct = new Set(result.correct ?? []);
    const rows = item.options.map((option, i) => {
      const n = result.counts?.[i] ?? 0;
      const name = el("th", { scope: "row" }, option);
      if (correct.has(i)) name.append(" ", el("span", { className: "poll-correct" }, `✓ ${t("poll.correct")}`));
      const row = el("tr", { className: correct.has(i) ? "correct" : "" },
        name, el("td", { className: "poll-n" }, String(n)),
        el("td", { className: "poll-share" }, el("span", { className: "poll-pct" }, percent(n, total)), bar(total ? n / total : 0)));
      row.dataset.option = String(i);
      return row;
    });
    box.append(el("table", { className: "poll-table" }, caption,
      el("thead", {}, el("tr", {}, th("poll.col_option"), th("poll.col_count"), th("poll.col_share"))),
      el("tbody", {}, ...rows)));
    if (item.kind === "quiz" && result.correct && mine && "choice" in mine) {
      const right = correct.has(mine.choice);
      box.append(el("p", { className: `poll-verdict ${right ? "right" : "wrong"}` },
        t(right ? "poll.you_right" : "poll.you_wrong", { answer: answerText(item, mine),
          correct: [...correct].map((i) => item.options[i]).join(", ") })));
    }
  } else if (item.kind === "rating") {
    const scale = item.scale || 5;
    box.append(el("p", { className: "poll-mean" }, result.mean === null || result.mean === undefined
      ? t("poll.mean_none") : t("poll.mean", { mean: number(result.mean), scale })));
    const rows = Array.from({ length: scale }, (_, i) => {
      const n = result.counts?.[i] ?? 0;
      const row = el("tr", {}, el("th", { scope: "row" }, String(i + 1)), el("td", { className: "poll-n" }, String(n)),
        el("td", { className: "poll-share" }, el("span", { className: "poll-pct" }, percent(n, total)), bar(total ? n / total : 0)));
      row.dataset.option = String(i + 1);
      return row;
    });
    box.append(el("table", { className: "poll-table" }, caption,
      el("thead", {}, el("tr", {}, th("poll.col_rating"), th("poll.col_count"), th("poll.col_share"))),
      el("tbody", {}, ...rows)));
  } else if (item.kind === "wordcloud") {
    const list = result.words ?? [];
    const top = Math.max(1, ...list.map(([, n]) => n));
    const cloud = el("ul", { className: "poll-cloud", "aria-label": t("poll.cloud_label", { prompt: item.prompt }) },
      ...list.map(([word, n]) => {
        const w = el("span", { className: "poll-word" }, word);
        w.style.fontSize = `${(0.95 + 1.1 * (n / top)).toFixed(2)}rem`;
        const li = el("li", {}, w, " ", el("span", { className: "poll-n" }, String(n)));
        li.dataset.word = word;
        return li;
      }));
    box.append(list.length ? cloud : say(el("p", { className: "muted" }), "poll.no_answers"));
  } else if (item.kind === "open") {
    const texts = result.texts ?? [];
    box.append(texts.length ? el("ul", { className: "poll-texts", "aria-label": t("poll.texts_label", { prompt: item.prompt }) },
      ...texts.map((text) => el("li", {}, text))) : say(el("p", { className: "muted" }), "poll.no_answers"));
  } else if (item.kind === "ranking") {
    const scores = result.scores ?? item.options.map(() => 0);
    const order = item.options.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const best = Math.max(1, total * item.options.length);
    const rows = order.map((i, place) => {
      const row = el("tr", {}, el("td", {}, String(place + 1)), el("th", { scope: "row" }, item.options[i]),
        el("td", { className: "poll-n" }, String(scores[i])),
        el("td", { className: "poll-share" }, bar(scores[i] / best)));
      row.dataset.option = String(i);
      return row;
    });
    box.append(el("table", { className: "poll-table" }, caption,
      el("thead", {}, el("tr", {}, th("poll.col_place"), th("poll.col_option"), th("poll.col_score"),
        el("td", { className: "poll-share" }))),
      el("tbody", {}, ...rows)),
    el("p", { className: "muted" }, t("poll.score_note", { n: item.options.length })));
  }
  return box;
}

function leaderboardView(results) {
  const board = results?.leaderboard;
  if (!board?.length) return null;
  return el("div", { className: "poll-leaderboard" },
    el("h5", {}, t("poll.leaderboard_title")),
    el("ol", {}, ...board.map((row) => el("li", {}, el("span", { className: "poll-pseudonym" }, row.name), " ",
      el("span", { className: "poll-score" }, t("poll.points_n", { n: row.score }))))));
}

export class PollPanel {
  constructor(live, state, { say: tell }) {
    this.live = live;
    this.say = tell;
    this.classId = state.class_session.id;
    this.meId = state.me.user_id;
    this.moderator = state.grants.includes("moderate");
    this.runs = new Map(); // run id → { run, mine: {item id: value}, results }
    this.cards = new Map(); // run id → its card (or the instructor's row)
    this.polls = new Map(); // poll id → PollOut (the bank, and what was made here)
    this.bankRows = new Map(); // poll id → <li>
    this.loading = null;
    this.again = false;
    this.held = null;
    this.sending = new Set(); // "run:item" on their way
    this.memory = {}; // request ids when session storage is unavailable
    this.round = state.breakout ?? null;
    // The server's clock minus this device's: the class token was just issued (open() fetched it).
    const issued = live.grant?.issued_at ? new Date(live.grant.issued_at).getTime() : NaN;
    this.skew = Number.isFinite(issued) ? issued - Date.now() : 0;
    this.timer = null;
    this.draftSeq = 0;
    $("poll-trainee").hidden = this.moderator;
    if (this.moderator) this.console();
    live.on("poll_opened", (run) => this.opened(run));
    live.on("poll_results", (results) => this.resultsIn(results));
    live.on("poll_closed", ({ run_id: runId, results }) => this.closedIn(runId, results));
    live.on("poll_shown", ({ run_id: runId, shown, results }) => this.shownIn(runId, shown, results));
    live.on("rejoined", (s) => { this.round = s.breakout ?? null; this.renderGroups(); });
    live.on("breakout_opened", (round) => { this.round = round; this.renderGroups(); this.roomChanged(); });
    live.on("breakout_closed", () => { this.round = null; this.renderGroups(); this.roomChanged(); });
    live.on("breakout_moved", ({ user_id: userId }) => { if (userId === this.meId) this.roomChanged(); });
    document.addEventListener("baeum:language", () => this.relabel());
  }

  /** Runs given to one breakout group come and go with the room I am in. */
  roomChanged() {
    if (!this.moderator) this.reload().catch(() => null);
  }

  // ---- loading ------------------------------------------------------------------------------

  /** The runs again (on joining, after a reconnect, on a change of room); the bank too. */
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
      answer = await this.live.call("poll_runs", {});
    } finally {
      this.held = null;
    }
    const fresh = new Map();
    for (const run of answer.runs) {
      const { mine = {}, results = null, ...body } = run;
      fresh.set(run.run_id, { run: body, mine: { ...mine }, results });
    }
    this.runs = fresh;
    for (const apply of held) apply(); // newer than the list: they came while it was made
    if (this.moderator) {
      for (const { run } of fresh.values()) this.rememberPoll(run);
      await this.loadBank();
    }
    this.render();
  }

  /** The class's and its course's polls. When they cannot be listed, the list is what was
   * made on this page and what the class's runs show (and a note says so). */
  async loadBank() {
    try {
      const polls = await api("GET", `/api/v1/class-sessions/${this.classId}/polls`);
      for (const poll of polls) {
        this.polls.set(poll.id, poll);
        this.bankRows.delete(poll.id); // drawn again from the full record
      }
      $("poll-bank-note").hidden = true;
    } catch {
      $("poll-bank-note").hidden = false;
    }
    this.renderBank();
  }

  rememberPoll(run) {
    if (this.polls.has(run.poll_id)) return;
    this.polls.set(run.poll_id, { id: run.poll_id, title: run.title, anonymous: run.anonymous, items: run.items });
  }

  /** Apply now, and again after a poll_runs answer that was on its way. */
  later(apply) {
    apply();
    this.held?.push(apply);
  }

  // ---- what the class sends -----------------------------------------------------------------

  opened(run) {
    const { ok: _ok, ...body } = run;
    const isNew = !this.runs.has(body.run_id);
    this.later(() => {
      const entry = this.runs.get(body.run_id);
      if (entry) entry.run = { ...entry.run, ...body };
      else this.runs.set(body.run_id, { run: body, mine: {}, results: null });
    });
    if (this.moderator) this.rememberPoll(body);
    this.render();
    if (isNew && !this.moderator) this.say(t("poll.opened", { title: body.title }));
  }

  resultsIn(results) {
    const { ok: _ok, ...body } = results;
    this.later(() => {
      const entry = this.runs.get(body.run_id);
      if (!entry || !(this.moderator || entry.run.results_shown)) return;
      // A count made just before closing can land after the closing: keep what closing revealed.
      if (entry.run.state === "closed" && entry.results) {
        for (const item of body.items) {
          const had = entry.results.items?.find((i) => i.item_id === item.item_id);
          if (had?.correct && !item.correct) item.correct = had.correct;
        }
        if (entry.results.leaderboard && !body.leaderboard) body.leaderboard = entry.results.leaderboard;
      }
      entry.results = body;
    });
    this.renderRun(body.run_id);
  }

  closedIn(runId, results) {
    const entry = this.runs.get(runId);
    const wasOpen = entry?.run.state === "open";
    this.later(() => {
      const e = this.runs.get(runId);
      if (!e) return;
      e.run.state = "closed";
      e.run.closes_at = null;
      if (results) e.results = results;
    });
    this.render();
    if (entry && wasOpen) this.say(t("poll.closed_notice", { title: entry.run.title }));
  }

  shownIn(runId, shown, results) {
    const entry = this.runs.get(runId);
    this.later(() => {
      const e = this.runs.get(runId);
      if (!e) return;
      e.run.results_shown = shown;
      if (results) e.results = results;
      else if (!this.moderator) e.results = null;
    });
    this.renderRun(runId);
    if (entry && shown && !this.moderator) this.say(t("poll.shown_notice", { title: entry.run.title }));
  }

  // ---- drawing ------------------------------------------------------------------------------

  ordered() {
    return [...this.runs.values()].sort((a, b) =>
      (a.run.state === "open" ? 0 : 1) - (b.run.state === "open" ? 0 : 1) || b.run.run_id - a.run.run_id);
  }

  render() {
    const list = $(this.moderator ? "poll-runs" : "poll-cards");
    for (const id of this.cards.keys()) if (!this.runs.has(id)) this.cards.delete(id);
    const rows = this.ordered().map((entry) => {
      let card = this.cards.get(entry.run.run_id);
      if (!card) {
        card = this.moderator ? this.buildRun(entry) : this.buildCard(entry);
        this.cards.set(entry.run.run_id, card);
      }
      this.fill(card, entry);
      return card;
    });
    const same = rows.length === list.children.length && rows.every((row, n) => list.children[n] === row);
    if (!same) {
      const focused = list.contains(document.activeElement) ? document.activeElement : null;
      list.replaceChildren(...rows);
      if (focused?.isConnected) focused.focus({ preventScroll: true });
    }
    $(this.moderator ? "poll-runs-empty" : "poll-none").hidden = rows.length > 0;
    this.badge();
    this.clockRuns();
  }

  renderRun(runId) {
    const entry = this.runs.get(runId);
    const card = this.cards.get(runId);
    if (entry && card) this.fill(card, entry);
    this.badge();
  }

  fill(card, entry) {
    if (this.moderator) this.fillRun(card, entry);
    else this.fillCard(card, entry);
  }

  /** Trainee: open runs with something still to answer; instructor: open runs. */
  badge() {
    const open = [...this.runs.values()].filter((e) => e.run.state === "open");
    const n = this.moderator ? open.length
      : open.filter((e) => e.run.items.some((item) => !(String(item.id) in e.mine))).length;
    $("poll-count").textContent = String(n);
    $("poll-count").hidden = n === 0;
  }

  clockRuns() {
    const timed = [...this.runs.values()].some((e) => e.run.state === "open" && e.run.closes_at);
    if (timed && !this.timer) this.timer = setInterval(() => this.tick(), 1000);
    if (!timed && this.timer) { clearInterval(this.timer); this.timer = null; }
    this.tick();
  }

  tick() {
    for (const [id, card] of this.cards) {
      const run = this.runs.get(id)?.run;
      const holder = card.querySelector(".poll-countdown");
      const timed = run?.state === "open" && run.closes_at;
      holder.hidden = !timed;
      if (!timed) continue;
      const left = new Date(run.closes_at).getTime() - (Date.now() + this.skew);
      const time = holder.querySelector("time");
      time.textContent = clock(left);
      time.dateTime = `PT${Math.max(0, Math.ceil(left / 1000))}S`;
    }
  }

  relabel() {
    words($("panel-polls"));
    if (this.moderator) {
      this.renderGroups();
      this.anonymityNote();
    }
    for (const [id, card] of this.cards) {
      const entry = this.runs.get(id);
      if (entry) this.fill(card, entry);
    }
  }

  // ---- a trainee's card ---------------------------------------------------------------------

  buildCard(entry) {
    const { run } = entry;
    const base = `poll-${run.run_id}`;
    const card = el("li", { className: "poll-card" });
    card.dataset.run = String(run.run_id);
    const privacy = el("p", { id: `${base}-privacy`, className: "poll-privacy" });
    // A card folds away (its summary is also what a keyboard reaches on a card with nothing
    // left to answer, so the panel can be scrolled and read by keyboard).
    card.append(el("details", { className: "poll-fold", open: true },
      el("summary", {}, el("h4", { id: `${base}-title`, className: "poll-title" }, run.title)),
      el("p", { className: "poll-meta" }, el("span", { className: "poll-state" }),
        el("span", { className: "poll-countdown", hidden: true }, " · ", say(el("span"), "poll.time_left"), " ",
          el("time", { role: "timer", "aria-live": "off" }))),
      privacy,
      el("ol", { className: "poll-items" }, ...run.items.map((item, n) => this.buildItem(run, item, n, privacy.id))),
      el("div", { className: "poll-board" }),
    ));
    return card;
  }

  buildItem(run, item, n, privacyId) {
    const base = `poll-${run.run_id}-${item.id}`;
    const li = el("li", { className: "poll-item" });
    li.dataset.item = String(item.id);
    li.dataset.kind = item.kind;
    const legend = el("legend", { id: `${base}-prompt` }, `${n + 1}. ${item.prompt}`);
    const hintKey = { rating: "poll.rating_hint", wordcloud: "poll.words_hint", ranking: "poll.rank_hint",
      quiz: "poll.quiz_final", multiple: "poll.multiple_hint" }[item.kind];
    const hint = hintKey ? say(el("p", { id: `${base}-hint`, className: item.kind === "quiz" ? "poll-hint poll-final" : "poll-hint muted" }),
      hintKey, { scale: item.scale || 5, n: WORDS }) : null;
    const fieldset = el("fieldset", { "aria-describedby": [privacyId, hint?.id].filter(Boolean).join(" ") },
      legend, hint, this.controls(run, item, base));
    const submit = el("button", { type: "submit", className: "primary poll-submit", "aria-describedby": legend.id });
    const status = el("p", { className: "poll-ack", role: "status" });
    const form = el("form", { className: "poll-answer", novalidate: true }, fieldset, el("div", { className: "row" }, submit), status);
    form.addEventListener("input", () => { form.dataset.dirty = "1"; });
    form.addEventListener("change", () => { form.dataset.dirty = "1"; });
    form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(run.run_id, item.id, li); });
    li.append(form, el("div", { className: "poll-result-box" }));
    return li;
  }

  controls(run, item, base) {
    const name = base;
    if (item.kind === "single" || item.kind === "quiz" || item.kind === "multiple") {
      const type = item.kind === "multiple" ? "checkbox" : "radio";
      return el("div", { className: "poll-options" }, ...item.options.map((option, i) =>
        el("label", { className: "check" }, el("input", { type, name, value: String(i) }), el("span", {}, option))));
    }
    if (item.kind === "rating") {
      const scale = item.scale || 5;
      return el("div", { className: "poll-scale" }, ...Array.from({ length: scale }, (_, i) =>
        el("label", { className: "check" }, el("input", { type: "radio", name, value: String(i + 1) }), el("span", {}, String(i + 1)))));
    }
    if (item.kind === "wordcloud") {
      return el("div", { className: "poll-words" }, ...Array.from({ length: WORDS }, (_, i) => {
        const id = `${base}-w${i}`;
        return el("div", {}, say(el("label", { htmlFor: id }), "poll.word_n", { n: i + 1 }),
          el("input", { id, type: "text", maxlength: "40", autocomplete: "off", className: "poll-word-input" }));
      }));
    }
    if (item.kind === "open") {
      const id = `${base}-text`;
      return el("div", {}, say(el("label", { htmlFor: id }), "poll.your_answer"),
        el("textarea", { id, rows: "3", maxlength: "500", className: "poll-text-input" }));
    }
    if (item.kind === "ranking") {
      const said = el("p", { className: "visually-hidden poll-rank-said", role: "status" });
      const list = el("ol", { className: "poll-rank" }, ...item.options.map((option, i) => {
        const up = el("button", { type: "button", className: "poll-up" });
        const down = el("button", { type: "button", className: "poll-down" });
        say(up, "poll.move_up");
        say(down, "poll.move_down");
        sayAttr(up, "aria-label", "poll.move_up_of", { option });
        sayAttr(down, "aria-label", "poll.move_down_of", { option });
        const li = el("li", {}, el("span", { className: "poll-rank-option" }, el("span", { className: "poll-rank-n" }), option),
          el("span", { className: "row" }, up, down));
        li.dataset.option = String(i);
        up.addEventListener("click", () => this.move(list, li, -1, said, option));
        down.addEventListener("click", () => this.move(list, li, 1, said, option));
        return li;
      }));
      this.rankButtons(list);
      return el("div", {}, list, said);
    }
    return el("div");
  }

  /** Move an option up or down; the focus stays on the option moved, and where it went is said. */
  move(list, li, step, said, option) {
    const other = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!other) return;
    // move the neighbour, not the focused row: the focus stays where it is
    if (step < 0) list.insertBefore(other, li.nextElementSibling);
    else list.insertBefore(other, li);
    this.rankButtons(list);
    const pressed = li.querySelector(step < 0 ? ".poll-up" : ".poll-down");
    const otherButton = li.querySelector(step < 0 ? ".poll-down" : ".poll-up");
    if (document.activeElement !== pressed || pressed.disabled) (pressed.disabled ? otherButton : pressed).focus();
    const place = [...list.children].indexOf(li) + 1;
    said.textContent = t("poll.rank_moved", { option, n: place, total: list.children.length });
    list.closest("form").dataset.dirty = "1";
  }

  rankButtons(list) {
    const rows = [...list.children];
    rows.forEach((row, n) => {
      row.querySelector(".poll-rank-n").textContent = `${n + 1}. `;
      row.querySelector(".poll-up").disabled = n === 0;
      row.querySelector(".poll-down").disabled = n === rows.length - 1;
    });
  }

  /** The item's answer from its controls, or null (and the reason said) when there is none. */
  valueOf(li, item) {
    const form = li.querySelector("form");
    const picked = () => [...form.querySelectorAll("input:checked")].map((input) => Number(input.value));
    if (item.kind === "single" || item.kind === "quiz") {
      const [choice] = picked();
      return choice === undefined ? { missing: "poll.need_choice" } : { value: { choice } };
    }
    if (item.kind === "multiple") {
      const choices = picked();
      return choices.length ? { value: { choices } } : { missing: "poll.need_choices" };
    }
    if (item.kind === "rating") {
      const [rating] = picked();
      return rating === undefined ? { missing: "poll.need_rating" } : { value: { rating } };
    }
    if (item.kind === "wordcloud") {
      const typed = [...form.querySelectorAll(".poll-word-input")].map((input) => input.value.trim()).filter(Boolean);
      return typed.length ? { value: { words: typed } } : { missing: "poll.need_words" };
    }
    if (item.kind === "open") {
      const text = form.querySelector(".poll-text-input").value.trim();
      return text ? { value: { text } } : { missing: "poll.need_text" };
    }
    if (item.kind === "ranking") {
      return { value: { order: [...form.querySelectorAll(".poll-rank > li")].map((row) => Number(row.dataset.option)) } };
    }
    return { missing: "poll.need_choice" };
  }

  /** The controls showing an answer (a restored one, after a reconnect or a reload). */
  setControls(li, item, value, force = false) {
    const form = li.querySelector("form");
    if (!value || (!force && (form.dataset.dirty || form.dataset.restored))) return;
    form.dataset.restored = "1";
    if ("choice" in value || "rating" in value || "choices" in value) {
      const chosen = new Set("choices" in value ? value.choices : [value.choice ?? value.rating]);
      form.querySelectorAll("input[type=radio], input[type=checkbox]").forEach((input) => {
        input.checked = chosen.has(Number(input.value));
      });
    } else if ("words" in value) {
      form.querySelectorAll(".poll-word-input").forEach((input, i) => { input.value = value.words[i] ?? ""; });
    } else if ("text" in value) {
      form.querySelector(".poll-text-input").value = value.text;
    } else if ("order" in value) {
      const list = form.querySelector(".poll-rank");
      const rows = new Map([...list.children].map((row) => [Number(row.dataset.option), row]));
      list.replaceChildren(...value.order.map((o) => rows.get(o)).filter(Boolean));
      this.rankButtons(list);
    }
  }

  /** Request ids of answers not yet acknowledged, by "run:item" (kept across a reload). */
  requests() {
    let kept = {};
    try { kept = JSON.parse(sessionStorage.getItem(REQUESTS)) || {}; } catch { /* storage off */ }
    return { ...kept, ...this.memory }; // this page's own word is the latest
  }

  keepRequest(key, request) {
    this.memory = { ...this.memory, [key]: request };
    const all = this.requests();
    for (const [k, v] of Object.entries(all)) if (!v) delete all[k];
    try { sessionStorage.setItem(REQUESTS, JSON.stringify(all)); } catch { /* storage off: this page only */ }
  }

  async submit(runId, itemId, li) {
    const entry = this.runs.get(runId);
    const item = entry?.run.items.find((i) => i.id === itemId);
    const key = `${runId}:${itemId}`;
    if (!item || this.sending.has(key)) return;
    const status = li.querySelector(".poll-ack");
    const { value, missing } = this.valueOf(li, item);
    if (!value) {
      li.dataset.status = "";
      status.className = "poll-ack error";
      say(status, missing, {});
      li.querySelector("fieldset input, fieldset textarea, fieldset button")?.focus();
      return;
    }
    // The same answer sent again (after a lost reply) carries the same request id.
    const what = JSON.stringify(value);
    let request = this.requests()[key];
    if (!request || request.what !== what) {
      request = { what, id: newRequestId() };
      this.keepRequest(key, request);
    }
    this.sending.add(key);
    const button = li.querySelector(".poll-submit");
    button.disabled = true;
    status.className = "poll-ack";
    say(status, "poll.sending", {});
    try {
      const ack = await this.live.call("poll_answer", { run_id: runId, item_id: itemId, value, request_id: request.id });
      this.keepRequest(key, null);
      const now = this.runs.get(runId) ?? entry;
      now.mine[String(itemId)] = ack.value;
      Object.assign(li.querySelector("form").dataset, { dirty: "", restored: "1" });
      li.dataset.status = "sent";
    } catch (error) {
      status.className = "poll-ack error";
      if (error.type === "conflict") {
        li.dataset.status = "conflict";
        say(status, item.kind === "quiz" && entry.run.state === "open" ? "poll.quiz_conflict" : "poll.closed_conflict", {});
        this.reload().catch(() => null);
      } else if (error.type === "validation-error") {
        li.dataset.status = "invalid";
        say(status, "poll.invalid", { detail: error.message });
      } else {
        li.dataset.status = "failed";
        const detail = error.type === "timeout" || error.type === "network" ? t("error.network")
          : error.type === "rate-limited" ? t("poll.too_fast") : error.message;
        say(status, "poll.not_sent", { detail });
      }
      return;
    } finally {
      this.sending.delete(key);
      button.disabled = false;
    }
    const now = this.runs.get(runId);
    const card = this.cards.get(runId);
    if (now && card) this.fill(card, now);
    this.badge();
  }

  fillCard(card, entry) {
    const { run } = entry;
    const open = run.state === "open";
    card.classList.toggle("closed", !open);
    card.querySelector(".poll-title").textContent = run.title;
    say(card.querySelector(".poll-state"), open ? "poll.state_open" : "poll.state_closed", {});
    const privacy = card.querySelector(".poll-privacy");
    privacy.className = run.anonymous ? "poll-privacy muted" : "poll-privacy notice warn poll-named";
    say(privacy, run.anonymous ? "poll.anonymous_note" : "poll.named_note", {});
    const shown = run.results_shown && entry.results;
    for (const li of card.querySelectorAll(".poll-item")) {
      const item = run.items.find((i) => String(i.id) === li.dataset.item);
      if (!item) continue;
      const mine = entry.mine[String(item.id)];
      const final = item.kind === "quiz" && mine !== undefined;
      this.setControls(li, item, mine, final); // a final quiz answer shows as it was kept
      li.querySelector("fieldset").disabled = !open || final;
      const submit = li.querySelector(".poll-submit");
      submit.hidden = !open || final;
      say(submit, mine === undefined ? "poll.submit" : "poll.change", {});
      const status = li.querySelector(".poll-ack");
      if (mine !== undefined && li.dataset.status !== "invalid" && li.dataset.status !== "failed") {
        status.className = "poll-ack sent";
        say(status, final ? "poll.final" : "poll.sent", { answer: answerText(item, mine) });
      } else if (mine === undefined && !open && !status.classList.contains("error")) {
        say(status, "poll.not_answered", {});
      }
      const result = shown ? entry.results.items.find((r) => r.item_id === item.id) : null;
      li.querySelector(".poll-result-box").replaceChildren(
        result ? resultView(item, result, mine) : "",
        run.results_shown && !result ? say(el("p", { className: "muted" }), "poll.no_answers") : "",
      );
    }
    card.querySelector(".poll-board").replaceChildren(shown ? leaderboardView(entry.results) ?? "" : "");
  }

  // ---- the instructor's console -------------------------------------------------------------

  console() {
    $("poll-console").hidden = false;
    const kind = $("poll-add-kind");
    kind.replaceChildren(...KINDS.map((k) => say(el("option", { value: k }), `poll.kind_${k}`)));
    $("poll-add-item").addEventListener("click", () => this.addDraft(kind.value));
    $("poll-anonymous").addEventListener("change", () => this.anonymityNote());
    $("poll-new").addEventListener("submit", (event) => { event.preventDefault(); this.run(() => this.save()); });
    this.anonymityNote();
    this.renderGroups();
    this.renderDrafts();
  }

  async run(work) {
    try { await work(); } catch (error) {
      const detail = error.type === "timeout" || error.type === "network" ? t("error.network") : error.message;
      this.say(detail, true);
    }
  }

  anonymityNote() {
    const note = $("poll-anon-note");
    say(note, $("poll-anonymous").checked ? "poll.anonymous_on_note" : "poll.anonymous_off_note");
  }

  renderGroups() {
    if (!this.moderator) return;
    const select = $("poll-group");
    const chosen = select.value;
    const groups = this.round?.groups ?? [];
    select.replaceChildren(say(el("option", { value: "" }), "poll.group_all"),
      ...groups.map((g) => el("option", { value: String(g.id) }, g.name)));
    if (groups.some((g) => String(g.id) === chosen)) select.value = chosen;
    select.closest(".row").hidden = groups.length === 0;
  }

  groupName(groupId) {
    return this.round?.groups.find((g) => g.id === groupId)?.name ?? `#${groupId}`;
  }

  addDraft(kind) {
    const uid = `poll-d${++this.draftSeq}`;
    const li = el("li", { className: "poll-draft" });
    li.dataset.kind = kind;
    const number = el("span", { className: "poll-draft-n" });
    const parts = [
      el("legend", {}, number, " ", say(el("span"), `poll.kind_${kind}`)),
      say(el("label", { htmlFor: `${uid}-prompt` }), "poll.prompt_label"),
      el("input", { id: `${uid}-prompt`, className: "poll-d-prompt", maxlength: "500", required: true }),
    ];
    if (CHOICE.has(kind)) {
      const options = el("textarea", { id: `${uid}-options`, className: "poll-d-options", rows: "3",
        "aria-describedby": `${uid}-options-hint`, required: true });
      parts.push(say(el("label", { htmlFor: options.id }), "poll.options_label"), options,
        say(el("p", { id: `${uid}-options-hint`, className: "muted" }), "poll.options_hint"));
      if (kind === "quiz") {
        const correct = el("fieldset", { className: "poll-d-correct" }, say(el("legend"), "poll.correct_label"),
          el("div", { className: "poll-d-correct-list" }));
        options.addEventListener("input", () => this.correctChoices(correct, options));
        parts.push(correct);
        this.correctChoices(correct, options);
      }
    }
    if (kind === "rating") {
      parts.push(say(el("label", { htmlFor: `${uid}-scale` }), "poll.scale_label"),
        el("select", { id: `${uid}-scale`, className: "poll-d-scale" },
          say(el("option", { value: "5" }), "poll.scale_5"), say(el("option", { value: "10" }), "poll.scale_10")));
    }
    if (kind === "quiz") {
      parts.push(say(el("label", { htmlFor: `${uid}-points` }), "poll.points_label"),
        el("input", { id: `${uid}-points`, className: "poll-d-points", type: "number", min: "0", max: "100", step: "1", value: "1", required: true }));
    }
    const remove = el("button", { type: "button", className: "poll-d-remove" });
    say(remove, "poll.remove_item");
    remove.addEventListener("click", () => this.removeDraft(li));
    parts.push(el("div", { className: "row" }, remove));
    li.append(el("fieldset", {}, ...parts));
    $("poll-draft-items").append(li);
    this.renderDrafts();
    li.querySelector(".poll-d-prompt").focus();
    this.say(t("poll.item_added", { kind: t(`poll.kind_${kind}`) }));
  }

  removeDraft(li) {
    const next = li.nextElementSibling ?? li.previousElementSibling;
    li.remove();
    this.renderDrafts();
    (next?.querySelector(".poll-d-remove") ?? $("poll-add-kind")).focus();
    this.say(t("poll.item_removed"));
  }

  renderDrafts() {
    const drafts = [...$("poll-draft-items").children];
    drafts.forEach((li, n) => {
      li.querySelector(".poll-draft-n").textContent = `${n + 1}.`;
      sayAttr(li.querySelector(".poll-d-remove"), "aria-label", "poll.remove_item_n", { n: n + 1 });
    });
    $("poll-draft-empty").hidden = drafts.length > 0;
  }

  optionLines(textarea) {
    return textarea.value.split("\n").map((line) => line.trim()).filter(Boolean);
  }

  /** The quiz's right answers: a checkbox per option line (kept by their words as lines change). */
  correctChoices(fieldset, textarea) {
    const list = fieldset.querySelector(".poll-d-correct-list");
    const was = new Set([...list.querySelectorAll("input:checked")].map((input) => input.dataset.option));
    const lines = this.optionLines(textarea);
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.option : null;
    list.replaceChildren(...lines.map((line, i) => {
      const input = el("input", { type: "checkbox", value: String(i), checked: was.has(line) });
      input.dataset.option = line;
      return el("label", { className: "check" }, input, el("span", {}, line));
    }));
    if (!lines.length) list.append(say(el("p", { className: "muted" }), "poll.correct_none"));
    if (focused) list.querySelector(`input[data-option="${CSS.escape(focused)}"]`)?.focus();
  }

  /** The poll as the server takes it, or the first problem (said, and its field focused). */
  draft() {
    const title = $("poll-title");
    const problem = (field, key, vars) => ({ field, message: t(key, vars) });
    if (!title.value.trim()) return problem(title, "poll.need_title");
    const drafts = [...$("poll-draft-items").children];
    if (!drafts.length) return problem($("poll-add-kind"), "poll.need_items");
    const items = [];
    for (const [n, li] of drafts.entries()) {
      const kind = li.dataset.kind;
      const prompt = li.querySelector(".poll-d-prompt");
      if (!prompt.value.trim()) return problem(prompt, "poll.need_prompt", { n: n + 1 });
      const item = { kind, prompt: prompt.value.trim() };
      if (CHOICE.has(kind)) {
        const box = li.querySelector(".poll-d-options");
        const options = this.optionLines(box);
        if (options.length < 2 || options.length > 20) return problem(box, "poll.need_options", { n: n + 1 });
        if (options.some((o) => o.length > 200)) return problem(box, "poll.option_long", { n: n + 1 });
        item.options = options;
      }
      if (kind === "rating") item.scale = Number(li.querySelector(".poll-d-scale").value);
      if (kind === "quiz") {
        const correct = [...li.querySelectorAll(".poll-d-correct-list input:checked")].map((input) => Number(input.value));
        if (!correct.length) return problem(li.querySelector(".poll-d-correct-list input") ?? li.querySelector(".poll-d-options"), "poll.need_correct", { n: n + 1 });
        const points = li.querySelector(".poll-d-points");
        if (!points.checkValidity() || points.value === "") return problem(points, "poll.need_points", { n: n + 1 });
        item.correct = correct;
        item.points = Number(points.value);
      }
      items.push(item);
    }
    return { body: { title: title.value.trim(), anonymous: $("poll-anonymous").checked,
      leaderboard: $("poll-leaderboard").checked, items } };
  }

  async save() {
    const status = $("poll-new-status");
    const { body, field, message } = this.draft();
    if (!body) {
      status.replaceChildren(el("p", { className: "notice error" }, message));
      field.setAttribute("aria-invalid", "true");
      field.addEventListener("input", () => field.removeAttribute("aria-invalid"), { once: true });
      field.focus();
      return;
    }
    let poll;
    try {
      poll = await this.live.call("poll_create", body);
    } catch (error) {
      const detail = error.type === "timeout" || error.type === "network" ? t("error.network") : error.message;
      status.replaceChildren(el("p", { className: "notice error" }, t("poll.not_saved", { detail })));
      return;
    }
    const { ok: _ok, ...made } = poll;
    this.polls.set(made.id, made);
    $("poll-title").value = "";
    $("poll-anonymous").checked = true;
    $("poll-leaderboard").checked = false;
    $("poll-draft-items").replaceChildren();
    this.anonymityNote();
    this.renderDrafts();
    this.renderBank();
    status.replaceChildren(el("p", { className: "notice" }, t("poll.saved", { title: made.title })));
    this.bankRows.get(made.id)?.querySelector(".poll-launch")?.focus();
  }

  renderBank() {
    const list = $("poll-bank");
    const polls = [...this.polls.values()].sort((a, b) => b.id - a.id);
    const rows = polls.map((poll) => {
      let li = this.bankRows.get(poll.id);
      if (!li) {
        li = this.bankRow(poll);
        this.bankRows.set(poll.id, li);
      }
      return li;
    });
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    list.replaceChildren(...rows);
    if (focused?.isConnected) focused.focus({ preventScroll: true });
    $("poll-bank-empty").hidden = rows.length > 0;
  }

  bankRow(poll) {
    const li = el("li", { className: "poll-bank-item" });
    li.dataset.poll = String(poll.id);
    const kinds = [...new Set(poll.items.map((i) => i.kind))];
    const meta = el("span", { className: "muted" },
      say(el("span"), "poll.items_n", { n: poll.items.length }), " · ",
      ...kinds.flatMap((k, i) => [i ? ", " : "", say(el("span"), `poll.kind_${k}`)]), " · ",
      say(el("span", { className: poll.anonymous ? "" : "poll-named-badge" }), poll.anonymous ? "poll.anonymous_badge" : "poll.named_badge"),
      poll.course_id ? " · " : "", poll.course_id ? say(el("span"), "poll.from_course") : "");
    const launch = el("button", { type: "button", className: "primary poll-launch" });
    say(launch, "poll.launch");
    sayAttr(launch, "aria-label", "poll.launch_of", { title: poll.title });
    launch.addEventListener("click", () => this.run(() => this.launch(poll)));
    li.append(el("div", { className: "poll-bank-text" }, el("strong", {}, poll.title), el("br"), meta), launch);
    return li;
  }

  async launch(poll) {
    const timerBox = $("poll-timer");
    if (timerBox.value !== "" && !timerBox.checkValidity()) {
      timerBox.reportValidity();
      timerBox.focus();
      return;
    }
    const body = { poll_id: poll.id, results_shown: $("poll-show-results").checked };
    if (timerBox.value !== "") body.timer_s = Number(timerBox.value);
    const group = $("poll-group").value;
    if (group && !$("poll-group").closest(".row").hidden) body.group_id = Number(group);
    const run = await this.live.call("poll_launch", body);
    this.opened(run);
    this.say(t("poll.launched", { title: poll.title }));
  }

  buildRun(entry) {
    const { run } = entry;
    const base = `poll-run-${run.run_id}`;
    const li = el("li", { className: "poll-card poll-run" });
    li.dataset.run = String(run.run_id);
    const show = el("button", { type: "button", className: "poll-show", "aria-pressed": "false" });
    say(show, "poll.show_results");
    sayAttr(show, "aria-label", "poll.show_results_of", { title: run.title });
    show.addEventListener("click", () => this.run(() => this.show(run.run_id)));
    const close = el("button", { type: "button", className: "danger poll-close" });
    say(close, "poll.close");
    sayAttr(close, "aria-label", "poll.close_of", { title: run.title });
    close.addEventListener("click", () => this.run(() => this.close(run.run_id)));
    li.append(
      el("h4", { id: `${base}-title`, className: "poll-title" }, run.title),
      el("p", { className: "poll-meta" }, el("span", { className: "poll-state" }), " · ",
        el("span", { className: "poll-target" }), " · ", el("span", { className: "poll-respondents" }),
        el("span", { className: "poll-countdown", hidden: true }, " · ", say(el("span"), "poll.time_left"), " ",
          el("time", { role: "timer", "aria-live": "off" }))),
      el("div", { className: "row" }, show, close),
      el("ol", { className: "poll-items" }, ...run.items.map((item, n) => {
        const row = el("li", { className: "poll-item" },
          el("p", { className: "poll-prompt" }, `${n + 1}. ${item.prompt} `, el("span", { className: "muted" }, "(", say(el("span"), `poll.kind_${item.kind}`), ")")),
          el("div", { className: "poll-result-box" }));
        row.dataset.item = String(item.id);
        row.dataset.kind = item.kind;
        return row;
      })),
      el("div", { className: "poll-board" }),
    );
    return li;
  }

  fillRun(li, entry) {
    const { run, results } = entry;
    const open = run.state === "open";
    li.classList.toggle("closed", !open);
    say(li.querySelector(".poll-state"), open ? "poll.state_open" : "poll.state_closed", {});
    const target = li.querySelector(".poll-target");
    if (run.group_id) say(target, "poll.to_group", { group: this.groupName(run.group_id) });
    else say(target, "poll.to_class", {});
    say(li.querySelector(".poll-respondents"), "poll.respondents", { n: results?.respondents ?? 0 });
    li.querySelector(".poll-show").setAttribute("aria-pressed", String(Boolean(run.results_shown)));
    li.querySelector(".poll-close").hidden = !open;
    for (const row of li.querySelectorAll(".poll-item")) {
      const item = run.items.find((i) => String(i.id) === row.dataset.item);
      const result = results?.items.find((r) => String(r.item_id) === row.dataset.item);
      row.querySelector(".poll-result-box").replaceChildren(
        resultView(item, result ?? { total: 0, counts: item.options.map(() => 0), mean: null,
          words: [], texts: [], scores: item.options.map(() => 0) }));
    }
    li.querySelector(".poll-board").replaceChildren(leaderboardView(results) ?? "");
  }

  async show(runId) {
    const entry = this.runs.get(runId);
    if (!entry) return;
    const shown = !entry.run.results_shown;
    const results = await this.live.call("poll_show", { run_id: runId, shown });
    const { ok: _ok, ...body } = results;
    entry.run.results_shown = shown;
    entry.results = body;
    this.renderRun(runId);
    this.say(t(shown ? "poll.shown_done" : "poll.hidden_done", { title: entry.run.title }));
  }

  async close(runId) {
    const entry = this.runs.get(runId);
    if (!entry) return;
    const results = await this.live.call("poll_close", { run_id: runId });
    const { ok: _ok, ...body } = results;
    entry.run.state = "closed";
    entry.run.closes_at = null;
    entry.results = body;
    this.render();
    this.cards.get(runId)?.querySelector(".poll-show")?.focus(); // the close button is gone
    this.say(t("poll.closed_done", { title: entry.run.title }));
  }
}
