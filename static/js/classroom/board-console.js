// The board panel's lists and the instructor's tools: the picker (the class's boards, the
// groups' boards while they meet, and every group's board, read-only, once they have closed:
// "분임 결과"), making a board (blank or from a template), and on an open board its layout,
// moderation mode, anonymity, lock, exports and the queue of posts waiting for approval.

import { t } from "/static/js/i18n.js";
import { el } from "./board-html.js";
import { postLabel } from "./board-note.js";

const $ = (id) => document.getElementById(id);
const LAYOUTS = ["wall", "grid", "columns", "canvas", "timeline"];
const EXPORTS = ["csv", "xlsx", "png", "pdf"];

export class BoardConsole {
  constructor(panel) {
    this.panel = panel;
    $("board-console").hidden = !panel.staff;
    $("board-admin").hidden = !panel.staff;
    $("board-queue-box").hidden = !panel.staff;
    if (panel.staff) this.wire();
  }

  wire() {
    const panel = this.panel;
    $("board-layout").replaceChildren(...LAYOUTS.map((l) => el("option", { value: l, "data-i18n": `board.layout_${l}` }, t(`board.layout_${l}`))));
    $("board-new").addEventListener("submit", (e) => {
      e.preventDefault();
      panel.run(async () => {
        const spec = { title: $("board-new-title").value.trim(), layout: $("board-new-layout").value,
          moderation: $("board-new-moderation").value, anonymous_allowed: $("board-new-anon").checked };
        if (!spec.title) { $("board-new-title").focus(); return; }
        if ($("board-new-template").value) spec.template = $("board-new-template").value;
        if ($("board-new-from").value) spec.from_board_id = Number($("board-new-from").value);
        const board = await panel.live.call("board_create", spec);
        $("board-new").reset();
        await panel.list();
        await panel.open(board.id);
      });
    });
    const update = (changes) => panel.run(async () => {
      try {
        panel.board = await panel.live.call("board_update", { board_id: panel.board.id, ...changes });
      } finally {
        panel.render(); // a refusal puts the controls back as the board is
      }
    });
    $("board-layout").addEventListener("change", () => update({ layout: $("board-layout").value }));
    $("board-moderation").addEventListener("change", () => update({ moderation: $("board-moderation").value }));
    $("board-anon-allowed").addEventListener("change", () => update({ anonymous_allowed: $("board-anon-allowed").checked }));
    $("board-lock").addEventListener("click", () => update({ locked: !panel.board.locked }));
    $("board-settings").addEventListener("submit", (e) => {
      e.preventDefault();
      const title = $("board-rename").value.trim();
      if (!title) { $("board-rename").focus(); return; }
      // a line keeps the section at its place (renamed); new lines are new sections
      const lines = $("board-sections").value.split("\n").map((l) => l.trim()).filter(Boolean);
      const sections = lines.map((line, n) => ({ id: panel.board.sections[n]?.id, title: line }));
      update({ title, sections });
    });
    $("board-console").addEventListener("toggle", () => {
      if ($("board-console").open) this.prepared().catch(() => null); // fresh each time it opens
    });
  }

  /** The course's prepared boards, offered when making a board (none: the choice is hidden). */
  async prepared() {
    const { boards } = await this.panel.live.call("board_prepared");
    const none = $("board-new-from").querySelector("option[value='']");
    $("board-new-from").replaceChildren(none, ...boards.map((b) => el("option", { value: String(b.id) }, b.title)));
    $("board-new-from-row").hidden = boards.length === 0;
  }

  renderList(boards) {
    const card = (board) => {
      const meta = [t(`board.layout_${board.layout}`), board.locked ? t("board.locked") : null,
        board.archived ? t("board.archived") : null].filter(Boolean).join(" · ");
      const b = el("button", { type: "button", className: "board-card" }, el("span", { className: "board-card-title" }, board.title),
        el("span", { className: "board-card-meta" }, meta));
      b.dataset.board = String(board.id);
      b.addEventListener("click", () => this.panel.run(() => this.panel.open(board.id)));
      return el("li", {}, b);
    };
    const groups = [
      ["board-list", boards.filter((b) => b.group_id === null)],
      ["board-group-list", boards.filter((b) => b.group_id !== null && !b.archived)],
      ["board-archive", boards.filter((b) => b.group_id !== null && b.archived)],
    ];
    for (const [id, listed] of groups) {
      $(id).replaceChildren(...listed.map(card));
      $(`${id}-box`).hidden = id !== "board-list" && listed.length === 0;
    }
    $("board-list-empty").hidden = groups[0][1].length > 0;
  }

  /** The open board's settings as they are, its exports, and the approval queue. */
  renderAdmin(board, posts) {
    if (!$("board-settings").contains(document.activeElement)) {
      $("board-rename").value = board.title;
      $("board-sections").value = board.sections.map((s) => s.title).join("\n");
    }
    $("board-layout").value = board.layout;
    $("board-moderation").value = board.moderation;
    $("board-anon-allowed").checked = board.anonymous_allowed;
    $("board-lock").setAttribute("aria-pressed", String(board.locked));
    for (const format of EXPORTS) $(`board-export-${format}`).href = `/api/v1/boards/${board.id}/export?format=${format}`;
    const pending = posts.filter((p) => p.status === "pending").sort((a, b) => a.id - b.id);
    const rows = pending.map((post) => {
      const textId = `board-q-${post.id}`;
      const act = (action) => () => this.panel.run(() => this.panel.moderate(post.id, action));
      const approve = el("button", { type: "button", className: "primary board-approve", "aria-describedby": textId }, t("board.approve"));
      const reject = el("button", { type: "button", className: "board-reject", "aria-describedby": textId }, t("board.reject"));
      approve.addEventListener("click", act("approve"));
      reject.addEventListener("click", act("reject"));
      const li = el("li", {}, el("p", { id: textId }, postLabel(post)),
        el("p", { className: "muted" }, post.author_name ?? t("board.anonymous_author")), el("div", { className: "row" }, approve, reject));
      li.dataset.id = String(post.id);
      return li;
    });
    const hadFocus = $("board-queue").contains(document.activeElement);
    $("board-queue").replaceChildren(...rows);
    if (hadFocus) ($("board-queue").querySelector("button") ?? $("board-moderation")).focus();
    $("board-queue-empty").hidden = rows.length > 0;
    $("board-queue-box").hidden = rows.length === 0 && board.moderation !== "pre";
    this.badge(pending.length);
  }

  /** On the panel's button: how many posts wait for the instructor (none for trainees). */
  badge(n) {
    $("board-count").textContent = String(n);
    $("board-count").hidden = n === 0;
  }
}
