// What a person does to a note on the post-it board: edit, delete, react, comment, move (by
// section and place, or on the canvas), connect, and the instructor's moderation. The board
// panel (board.js) extends this with the board's state: posts, comments, connectors, my
// reactions, and render(), upsert(), status() and problem().
//
// Moves are versioned like edits: one made from a version someone else has already changed is
// refused with the current post, which the page takes (saying so) rather than overwriting it.
// A canvas note dragged or moved by arrow keys is sent once it rests (PLACE_AFTER_MS), and again
// from the new version if it moved on while the first was on its way.

import { t } from "/static/js/i18n.js";
import { newRequestId } from "./board-html.js";

const PLACE_AFTER_MS = 250;

export class BoardActions {
  edit(id) {
    const post = this.posts.get(id);
    if (post) this.forms.edit(post, this.board.layout);
  }

  async saveEdit(changes) {
    const post = await this.live.call("board_edit", changes);
    this.upsert(post);
    return post;
  }

  async withdraw(id) {
    if (!confirm(t("board.withdraw_confirm"))) return;
    await this.live.call("board_withdraw", { post_id: id });
    this.posts.delete(id);
    this.render();
    this.status(t("board.withdrawn"));
    document.getElementById("board-name").focus(); // its note (and the button pressed) is gone
  }

  async moderate(id, action) {
    const li = this.view.notes.get(id);
    const had = li?.contains(document.activeElement);
    this.upsert(await this.live.call("board_moderate", { post_id: id, action }));
    this.status(t(`board.done_${action}`));
    if (had && li.isConnected) { // the button pressed may be gone: the next thing to do instead
      const next = [...li.querySelectorAll(".note-staff button, .note-menu summary")].find((b) => b.offsetParent !== null);
      next?.focus();
    }
  }

  async highlight(id) {
    const post = this.posts.get(id);
    this.upsert(await this.live.call("board_highlight", { post_id: id, highlighted: !post.highlighted }));
  }

  async grade(id, grade) {
    this.upsert(await this.live.call("board_grade", { post_id: id, grade: grade || null }));
    this.status(t(grade ? "board.graded" : "board.grade_cleared"));
  }

  async react(id, kind, value) {
    const mine = this.my.get(id) ?? {};
    const answer = await this.live.call("board_react", { post_id: id, kind, value: value ?? (mine[kind] ? 0 : 1) });
    const post = this.posts.get(id);
    if (post) post.reactions = answer.reactions;
    this.my.set(id, answer.my_reactions);
    this.render();
  }

  async comment(id, text, anonymous) {
    const said = await this.live.call("board_comment", { post_id: id, text, anonymous, request_id: newRequestId() });
    this.comment1({ ...said, mine: true });
    this.render();
  }

  async removeComment(id) {
    this.comment1(await this.live.call("board_comment_remove", { comment_id: id }));
    this.render();
  }

  expand(id) {
    const li = this.view.notes.get(id);
    const box = li?.querySelector(".note-more");
    if (!box) return;
    box.hidden = !box.hidden;
    li.querySelector(".note-open").setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) box.querySelector("input[id^=note-c-]")?.focus();
  }

  /** A move, versioned like an edit: on a conflict the page takes the current post and says so. */
  async move(data) {
    try {
      const answer = await this.live.call("board_move", data);
      answer.posts.forEach((p) => this.upsert(p, false));
      this.render();
      return true;
    } catch (error) {
      if (error.type !== "edit-conflict" || !error.error?.current) throw error;
      this.placing.delete(data.post_id);
      this.upsert(error.error.current);
      this.status(t("board.move_conflict"), true);
      return false;
    }
  }

  async moveTo(id, sectionId, index = null) {
    const post = this.posts.get(id);
    if (!post) return;
    const data = { post_id: id, version: post.version, section_id: sectionId || null };
    if (index !== null) data.index = index;
    await this.move(data);
  }

  async step(id, delta) {
    const post = this.posts.get(id);
    if (!post) return;
    const section = (p) => (this.board.sections.some((s) => s.id === p.section_id) ? p.section_id : this.board.sections[0]?.id ?? null);
    const here = this.shown().filter((p) => ["published", "pending"].includes(p.status) && section(p) === section(post))
      .sort((a, b) => a.rank - b.rank || a.id - b.id);
    const at = here.findIndex((p) => p.id === id);
    const to = Math.max(0, Math.min(here.length - 1, at + delta));
    if (to === at) return;
    if (await this.move({ post_id: id, version: post.version, section_id: section(post), index: to })) {
      this.status(t(delta < 0 ? "board.moved_up" : "board.moved_down"));
    }
  }

  /** A note put somewhere on the canvas (dragged or by arrow keys): sent once it rests. */
  place(id, x, y) {
    const p = this.placing.get(id) ?? {};
    Object.assign(p, { x, y });
    this.placing.set(id, p);
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.sendPlace(id), PLACE_AFTER_MS);
  }

  async sendPlace(id) {
    const p = this.placing.get(id);
    const post = this.posts.get(id);
    if (!p || p.inflight) return;
    if (!post) { this.placing.delete(id); return; }
    const sent = { x: p.x, y: p.y };
    p.inflight = true;
    let moved;
    try {
      moved = await this.move({ post_id: id, version: post.version, ...sent });
    } catch (error) {
      this.placing.delete(id);
      this.render();
      this.status(this.problem(error), true);
      return;
    } finally {
      p.inflight = false;
    }
    if (!moved) return; // a conflict: theirs stands (move() said so)
    if (p.x !== sent.x || p.y !== sent.y) this.sendPlace(id);
    else { this.placing.delete(id); this.render(); }
  }

  async connect(from, to, label) {
    if (!to) return;
    const c = await this.live.call("board_connect", { from_post_id: from, to_post_id: to, label });
    this.connectors.set(c.id, c);
    this.render();
    this.status(t("board.connected"));
  }

  async unlink(id) {
    await this.live.call("board_unlink", { connector_id: id });
    this.connectors.delete(id);
    this.render();
  }
}
