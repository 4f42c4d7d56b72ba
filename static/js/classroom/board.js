// The post-it board (포스트잇 보드, Padlet-like) in the class page.
//
// Everyone: the class's boards (their breakout group's while groups are open, and every group's
// board, read-only, once they close: "분임 결과"), a board's notes in its layout (board-view.js,
// each note board-note.js), posting and editing (board-forms.js), comments, likes, votes and
// stars, their own notes to edit or delete (board-actions.js). Staff (the moderate grant): new
// boards, the layout, moderation mode, anonymity, lock, exports and the approval queue
// (board-console.js); remove/restore, highlight and grade in each note's menu. What people
// wrote is put on the page by board-html.js only (text, or a rebuilt allow-list of tags).
//
// This module holds the board's state and the connection: loading, pushes, drawing, posting.
// A socket follows one board at a time (board_open). Pushes update the page at once; a post's
// version orders what arrives (an older copy never replaces a newer one). Broadcasts never say
// whose a note is, so the page keeps its own notes' ids. A post is sent with a request id kept
// (in this tab's session storage) until its answer comes: after a reconnect or a reload it is
// sent again with the same id, and the server makes it once.

import { ApiError, session } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import { BoardActions } from "./board-actions.js";
import { BoardConsole } from "./board-console.js";
import { BoardForms } from "./board-forms.js";
import { el, newRequestId } from "./board-html.js";
import { BoardView } from "./board-view.js";

const $ = (id) => document.getElementById(id);
const OPEN_KEY = "baeum.board-open";
const UNSENT_KEY = "baeum.board-unsent";
const RETRY = new Set(["timeout", "network", "not-in-class", "disconnected"]);

function stored(key, fallback) {
  try { return JSON.parse(sessionStorage.getItem(key)) ?? fallback; } catch { return fallback; }
}

export class BoardPanel extends BoardActions {
  constructor(live, state, { say }) {
    super();
    this.live = live;
    this.notify = say;
    this.staff = state.grants.includes("moderate");
    this.me = state.me.user_id;
    this.boards = [];
    this.board = null; // the open board (BoardOut)
    this.posts = new Map();
    this.comments = new Map();
    this.connectors = new Map();
    this.mine = new Set();
    this.my = new Map(); // post id → my reactions
    this.canPost = false;
    this.placing = new Map(); // canvas moves on their way: post id → { x, y }
    this.held = null; // pushes that came while board_open was on its way
    this.loading = null;
    this.again = false;
    this.unsent = new Map(Object.entries(stored(UNSENT_KEY, {})));
    this.view = new BoardView($("board-surface"), this);
    this.forms = new BoardForms(this);
    this.console = new BoardConsole(this);
    this.controls();
    this.listen();
    document.addEventListener("baeum:language", () => { this.renderList(); if (this.board) this.render(); });
    this.renderList();
  }

  // ---- loading --------------------------------------------------------------------------------

  /** The boards again, the open one again, and any post whose answer never came (on joining
   * and after every reconnect). */
  reload() {
    if (this.loading) { this.again = true; return this.loading; }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          await this.list();
          const wanted = this.board?.id ?? stored(OPEN_KEY, null);
          if (wanted && this.boards.some((b) => b.id === wanted)) {
            await this.open(wanted, false).catch((error) => this.back(this.problem(error)));
          } else if (this.board) {
            this.back(t("board.gone"));
          }
        } while (this.again);
        await this.resend();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  async list() {
    const answer = await this.live.call("board_list");
    this.boards = answer.boards;
    this.renderList();
  }

  async open(id, focus = true) {
    const held = [];
    this.held = held;
    let state;
    try {
      state = await this.live.call("board_open", { board_id: id });
    } finally {
      this.held = null;
    }
    if (this.board?.id !== id) { this.view.clear(); this.placing.clear(); this.status(""); }
    this.board = state.board;
    this.canPost = state.can_post;
    this.posts = new Map(state.posts.map((p) => [p.id, p]));
    this.comments = new Map(state.comments.filter((c) => c.status === "published").map((c) => [c.id, c]));
    this.connectors = new Map(state.connectors.map((c) => [c.id, c]));
    for (const p of state.posts) {
      if (p.mine) this.mine.add(p.id);
      this.my.set(p.id, p.my_reactions || {});
    }
    held.forEach((apply) => apply());
    sessionStorage.setItem(OPEN_KEY, JSON.stringify(id));
    $("board-picker").hidden = true;
    $("board-view").hidden = false;
    this.render();
    if (focus) $("board-name").focus();
  }

  back(why) {
    this.board = null;
    this.view.clear();
    sessionStorage.removeItem(OPEN_KEY);
    $("board-view").hidden = true;
    $("board-picker").hidden = false;
    this.renderList();
    this.hook();
    if (why) this.status(why, true);
  }

  // ---- what the class sends -------------------------------------------------------------------

  /** A push about the open board: applied now, and again after a board_open on its way. */
  push(boardId, apply) {
    if (this.held) this.held.push(() => { if (this.board?.id === boardId) apply(); });
    if (this.board?.id !== boardId) return;
    apply();
    this.render();
  }

  listen() {
    const live = this.live;
    live.on("boards_changed", () => this.changedList().catch(() => null));
    live.on("breakout_moved", ({ user_id: userId }) => { if (!this.staff && userId === this.me) this.changedList().catch(() => null); });
    live.on("board_changed", (board) => this.push(board.id, () => {
      const was = this.board;
      this.board = board;
      if (!this.staff) this.canPost = !board.locked && !board.archived && board.moderation !== "staff";
      if (was.locked !== board.locked) this.status(t(board.locked ? "board.locked_now" : "board.unlocked_now"));
    }));
    live.on("board_post", (post) => this.push(post.board_id, () => this.upsert(post, false)));
    // a board's changes come batched: one message for all that changed in a moment
    live.on("board_posts", ({ board_id: boardId, posts, hidden }) => this.push(boardId, () => {
      for (const post of posts) this.upsert(post, false);
      for (const notice of hidden) this.hide(notice);
    }));
    live.on("board_comment", (comment) => {
      const post = this.posts.get(comment.post_id);
      if (!post) { this.held?.push(() => this.comment1(comment)); return; }
      this.push(post.board_id, () => this.comment1(comment));
    });
    live.on("board_reactions", ({ board_id: boardId, counts }) => this.push(boardId, () => {
      for (const [id, reactions] of Object.entries(counts)) {
        const post = this.posts.get(Number(id));
        if (post) post.reactions = reactions;
      }
    }));
    live.on("board_connector", (c) => this.push(c.board_id, () => {
      if (c.removed) this.connectors.delete(c.id);
      else this.connectors.set(c.id, c);
    }));
  }

  /** Boards came or went (a new board, groups opened or closed, my group changed). */
  async changedList() {
    const before = this.boards;
    await this.list();
    const fresh = (b) => b.group_id !== null && !before.some((o) => o.id === b.id && o.archived === b.archived);
    const arrived = this.boards.filter(fresh);
    if (arrived.some((b) => !b.archived) && !this.staff) this.notify(t("board.group_ready"));
    else if (arrived.some((b) => b.archived)) this.notify(t("board.groups_archived"));
    if (!this.board) return;
    const now = this.boards.find((b) => b.id === this.board.id);
    if (!now) { this.back(t("board.gone")); return; }
    const was = before.find((b) => b.id === now.id);
    if (was && (was.archived !== now.archived || was.version !== now.version)) await this.open(now.id, false);
  }

  upsert(post, fromMe = true) {
    const known = this.posts.get(post.id);
    if (known && known.version > post.version) return;
    if (post.mine) this.mine.add(post.id);
    if (fromMe && post.my_reactions) this.my.set(post.id, post.my_reactions);
    if (post.status === "withdrawn" || (!this.staff && !["published", "pending", "rejected"].includes(post.status))) {
      this.posts.delete(post.id);
    } else {
      this.posts.set(post.id, post);
    }
    if (fromMe && this.board?.id === post.board_id) this.render();
  }

  hide({ post_id: id, version, status }) {
    if (this.staff) return; // staff are sent the post itself, to approve or restore
    const known = this.posts.get(id);
    if (!known || known.version > version) return;
    if (this.mine.has(id) && ["pending", "rejected"].includes(status)) {
      Object.assign(known, { status, version }); // my own: say it waits, or was turned down
      return;
    }
    this.posts.delete(id);
  }

  comment1(comment) {
    const known = this.comments.get(comment.id);
    if (comment.status !== "published") this.comments.delete(comment.id);
    else this.comments.set(comment.id, { ...comment, mine: comment.mine || Boolean(known?.mine) });
  }

  // ---- drawing --------------------------------------------------------------------------------

  shown() {
    return [...this.posts.values()].filter((p) => (this.staff ? p.status !== "withdrawn"
      : p.status === "published" || (this.mine.has(p.id) && ["pending", "rejected"].includes(p.status))));
  }

  render() {
    const board = this.board;
    if (!board) return;
    const byPost = new Map();
    for (const c of [...this.comments.values()].sort((a, b) => a.id - b.id)) {
      if (!byPost.has(c.post_id)) byPost.set(c.post_id, []);
      byPost.get(c.post_id).push(c);
    }
    const posts = this.shown();
    $("board-name").textContent = board.title;
    $("board-info").textContent = [t(`board.layout_${board.layout}`),
      board.group_id ? t("board.group_board") : null, board.archived ? t("board.archived") : null].filter(Boolean).join(" · ");
    const why = board.archived ? "board.archived_note" : board.locked ? "board.locked_note"
      : board.moderation === "staff" ? "board.staff_only_note" : null;
    $("board-locked-note").hidden = !why || (this.staff && !board.locked);
    if (why) $("board-locked-note").textContent = t(this.staff && board.locked ? "board.locked_staff" : why);
    $("board-mode-note").hidden = this.staff || board.moderation !== "pre" || !this.canPost;
    $("board-add").hidden = !this.canPost;
    this.view.render({ board, posts, comments: byPost, connectors: [...this.connectors.values()], staff: this.staff,
      canPost: this.canPost, mine: this.mine, my: this.my });
    $("board-empty").hidden = posts.length > 0;
    if (this.staff) this.console.renderAdmin(board, posts);
    this.hook();
  }

  hook() {
    if (!window.baeum) return;
    window.baeum.board = this.board ? { id: this.board.id, layout: this.board.layout, posts: this.shown().length,
      unsent: this.unsent.size, locked: this.board.locked } : { id: null, unsent: this.unsent.size };
  }

  // ---- controls -------------------------------------------------------------------------------

  // ---- controls -------------------------------------------------------------------------------

  renderList() {
    this.console.renderList(this.boards);
    this.console.badge(this.staff && this.board ? this.shown().filter((p) => p.status === "pending").length : 0);
  }

  controls() {
    $("board-back").addEventListener("click", () => {
      const id = this.board?.id;
      this.back();
      $("board-picker").querySelector(`[data-board="${id}"]`)?.focus();
    });
    $("board-add").addEventListener("click", () => this.compose(null));
  }

  /** A word about what I did (or what happened to the board), under the board's title. */
  status(text, error = false) {
    $("board-status").replaceChildren(...(text ? [el("p", { className: error ? "notice error" : "notice" }, text)] : []));
  }

  say(text) { this.status(text); }

  problem(error) {
    const type = error?.type;
    if (type === "edit-conflict") return t("board.conflict");
    if (type === "board-locked") return t("board.locked_note");
    if (type === "rate-limited") return t("board.too_fast");
    if (type === "timeout" || type === "network") return t("error.network");
    if (type === "forbidden") return t("board.forbidden");
    if (type === "validation-error") return t("board.invalid", { detail: error.message });
    return t("error.generic", { detail: error?.message ?? String(error) });
  }

  async run(work) {
    try { await work(); } catch (error) { this.status(this.problem(error), true); }
  }

  // ---- posting --------------------------------------------------------------------------------

  compose(sectionId) {
    if (!this.board || !this.canPost) return;
    this.forms.compose(this.board, sectionId, this.board.layout === "canvas" ? this.view.freeSpot() : null);
  }

  keepUnsent() {
    sessionStorage.setItem(UNSENT_KEY, JSON.stringify(Object.fromEntries(this.unsent)));
    this.hook();
  }

  /** Send a new post under a request id kept until it is answered. Resolves with the post, or
   * with { queued: true } when the connection is away (it is sent again once back). */
  async post(payload) {
    const requestId = newRequestId();
    this.unsent.set(requestId, payload);
    this.keepUnsent();
    if (!this.live.socket?.connected) return { queued: true }; // sent by resend() once back
    return this.sendOne(requestId, payload, true);
  }

  async sendOne(requestId, payload, first) {
    try {
      const post = await this.untilDropped(this.live.call("board_post", { ...payload, request_id: requestId }));
      this.unsent.delete(requestId);
      this.keepUnsent();
      this.mine.add(post.id);
      this.upsert(post);
      return post;
    } catch (error) {
      if (!this.unsent.has(requestId)) return { delivered: true }; // the resend got there first
      if (RETRY.has(error.type) || !this.live.socket?.connected) {
        if (first) return { queued: true };
        throw error;
      }
      this.unsent.delete(requestId);
      this.keepUnsent();
      throw error;
    }
  }

  /** A call's answer, or a "disconnected" error as soon as the connection drops (its answer
   * may never come: what it sent goes again, with the same request id, once back). */
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

  /** After a reconnect: every post whose answer never came, with the same request id. */
  async resend() {
    for (const [requestId, payload] of [...this.unsent]) {
      try {
        const post = await this.sendOne(requestId, payload, false);
        this.status(t(post.status === "pending" ? "board.sent_pending" : "board.sent_after_reconnect"));
      } catch (error) {
        if (!RETRY.has(error.type)) this.status(t("board.not_sent", { detail: this.problem(error) }), true);
      }
    }
  }

  posted(outcome) {
    if (outcome.delivered) return;
    if (outcome.queued) { this.status(t("board.queued")); return; }
    this.status(t(outcome.status === "pending" ? "board.sent_pending" : "board.sent"));
    this.focusNote(outcome.id);
  }

  focusNote(id) {
    const li = this.view.notes.get(id);
    if (!li) return;
    li.scrollIntoView({ block: "nearest" });
    (li.tabIndex >= 0 ? li : li.querySelector(".note-menu summary, .note-open, button"))?.focus({ preventScroll: true });
  }

  async csrf() {
    if (!this.csrfToken) this.csrfToken = (await session()).csrf_token;
    return this.csrfToken;
  }

  async upload(file) {
    const send = async () => fetch(`/api/v1/boards/${this.board.id}/attachments?filename=${encodeURIComponent(file.name || "attachment")}`, {
      method: "POST", credentials: "same-origin", body: file,
      headers: { "X-CSRF-Token": await this.csrf(), "Content-Type": file.type || "application/octet-stream" },
    });
    let response = await send();
    if (response.status === 403) { this.csrfToken = null; response = await send(); } // a session renewed meanwhile
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})), response.headers);
    return response.json();
  }

  uploadProblem(error) {
    if (error.type === "attachment-too-large") {
      const mb = error.problem?.limit ? Math.floor(error.problem.limit / 1048576) : 10;
      return t("board.too_large", { mb });
    }
    if (error.type === "attachment-type") return t("board.wrong_type");
    if (error instanceof TypeError) return t("error.network");
    return this.problem(error);
  }
}
