// The video on the page: a gallery in pages (as many faces as the screen holds), or a speaker
// view (the spotlight, else whoever is talking, large), with any face enlarged by a tap or a
// click, and a screen share shown large. The gallery decides whose video is worth receiving
// and tells the server (media_view), so a phone downloads only the faces it shows.

import { t } from "/static/js/i18n.js";

const $ = (id) => document.getElementById(id);

function pageSize() {
  const w = window.innerWidth;
  const h = window.innerHeight;
  if (w < 600) return h > w ? 4 : 6; // a phone in portrait or landscape
  return w < 1100 ? 9 : 16;
}

export class Gallery extends EventTarget {
  constructor(meId) {
    super();
    this.meId = meId;
    this.people = new Map(); // user id → participant
    this.videos = new Map(); // user id → MediaStream (camera)
    this.page = 0;
    this.mode = "gallery"; // or "speaker"
    this.enlarged = null;
    this.speaker = null; // the active speaker
    this.spotlight = null;
    this.screenOf = null;
    this.audioOnly = false;
    this.tiles = new Map(); // user id → its <li>
    this.room = null; // the breakout group shown (null: the main room)
    $("view-gallery").addEventListener("click", () => this.setMode("gallery"));
    $("view-speaker").addEventListener("click", () => this.setMode("speaker"));
    $("page-prev").addEventListener("click", () => this.turn(-1));
    $("page-next").addEventListener("click", () => this.turn(1));
    window.addEventListener("resize", () => this.render());
  }

  /** Faces belong to those who teach and learn; captioners and observing staff take no tile. */
  static onCamera(person) { return ["trainee", "instructor", "assistant"].includes(person.role); }

  setPeople(list) {
    this.people = new Map(list.filter(Gallery.onCamera).map((p) => [p.user_id, p]));
    this.render();
  }

  upsert(person) {
    const merged = { ...this.people.get(person.user_id), ...person };
    if (!Gallery.onCamera(merged)) return;
    this.people.set(person.user_id, merged);
    this.render();
  }

  remove(userId) {
    this.people.delete(userId);
    if (this.enlarged === userId) this.enlarged = null;
    this.render();
  }

  setVideo(userId, stream) { this.videos.set(userId, stream); this.render(); }

  setSelf(stream) { this.videos.set(this.meId, stream); this.render(); }

  setMode(mode) {
    this.mode = mode;
    $("view-gallery").setAttribute("aria-pressed", String(mode === "gallery"));
    $("view-speaker").setAttribute("aria-pressed", String(mode === "speaker"));
    this.render();
  }

  turn(step) { this.page += step; this.render(); }

  setSpeaker(userId) {
    if (this.speaker === userId) return;
    this.speaker = userId;
    if (this.mode === "speaker") this.render();
    else document.querySelectorAll(".tile").forEach((tile) =>
      tile.classList.toggle("speaking", Number(tile.dataset.user) === userId));
  }

  setSpotlight(userId) { this.spotlight = userId; this.render(); }

  setScreen(userId, stream) {
    this.screenOf = userId;
    $("screen").hidden = userId === null;
    $("screen-video").srcObject = stream || null;
    if (userId !== null) {
      const name = this.people.get(userId)?.name ?? "";
      $("screen-label").textContent = t("class.screen_of", { name });
    }
    this.render();
  }

  setAudioOnly(on) { this.audioOnly = on; $("audio-only-note").hidden = !on; this.render(); }

  /** A breakout group opened or closed: show the faces of the room I am in. */
  setRoom(groupId) { this.room = groupId; this.page = 0; this.render(); }

  /** People in the order the gallery shows them: spotlight, instructors, hands, then by name. */
  ordered() {
    const here = (p) => (p.group_id ?? null) === this.room || p.user_id === this.meId;
    const rank = (p) => (p.user_id === this.spotlight ? 0 : p.role === "instructor" ? 1 : p.user_id === this.meId ? 2 : 3);
    return [...this.people.values()].filter(here)
      .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  }

  /** Who is on screen now. */
  shown() {
    const everyone = this.ordered();
    if (this.enlarged !== null && this.people.has(this.enlarged)) return [this.people.get(this.enlarged)];
    if (this.mode === "speaker") {
      const focus = this.spotlight ?? this.speaker ?? everyone.find((p) => p.role === "instructor")?.user_id;
      const person = this.people.get(focus) ?? everyone[0];
      return person ? [person] : [];
    }
    const size = pageSize();
    const pages = Math.max(1, Math.ceil(everyone.length / size));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    $("page-label").textContent = t("class.page_of", { page: this.page + 1, pages });
    $("page-prev").disabled = this.page === 0;
    $("page-next").disabled = this.page >= pages - 1;
    return everyone.slice(this.page * size, (this.page + 1) * size);
  }

  render() {
    const shown = this.shown();
    const list = $("tiles");
    list.dataset.count = String(shown.length);
    list.classList.toggle("single", shown.length === 1);
    const tiles = shown.map((person) => this.tile(person));
    const same = tiles.length === list.children.length && tiles.every((tile, n) => list.children[n] === tile);
    if (!same) list.replaceChildren(...tiles); // only when the order changes: keeps focus
    for (const [id, tile] of this.tiles) if (!tiles.includes(tile)) this.tiles.delete(id);
    const ids = shown.map((p) => p.user_id).filter((id) => id !== this.meId);
    const key = JSON.stringify([ids, this.audioOnly]);
    if (key !== this.viewKey) {
      this.viewKey = key;
      this.dispatchEvent(new CustomEvent("view", { detail: { video: ids, audio_only: this.audioOnly } }));
    }
  }

  /** One face, updated in place (a video element keeps playing across renders). */
  tile(person) {
    let item = this.tiles.get(person.user_id);
    if (!item) {
      item = document.createElement("li");
      item.className = "tile";
      item.dataset.user = String(person.user_id);
      item.innerHTML = '<button type="button" class="tile-button"><span class="face"></span>'
        + '<span class="tile-name"></span><span class="visually-hidden action"></span></button>';
      item.querySelector("button").addEventListener("click", () => {
        this.enlarged = this.enlarged === person.user_id ? null : person.user_id;
        this.render();
      });
      this.tiles.set(person.user_id, item);
    }
    const me = person.user_id === this.meId;
    const name = me ? t("class.me", { name: person.name }) : person.name;
    const enlarged = this.enlarged === person.user_id;
    item.classList.toggle("speaking", person.user_id === this.speaker);
    item.classList.toggle("away", person.status === "reconnecting");
    const button = item.querySelector("button");
    button.setAttribute("aria-pressed", String(enlarged));
    item.querySelector(".action").textContent = t(enlarged ? "class.shrink" : "class.enlarge");
    this.face(item.querySelector(".face"), person, me);
    const marks = [person.hand_raised_at ? "✋" : "", person.mic === false ? "🔇" : "",
      person.status === "reconnecting" ? t("class.away") : ""].filter(Boolean).join(" ");
    item.querySelector(".tile-name").textContent = marks ? `${name} ${marks}` : name;
    return item;
  }

  face(holder, person, me) {
    const stream = this.videos.get(person.user_id);
    const showVideo = stream && person.cam !== false && !(this.audioOnly && !me);
    let video = holder.querySelector("video");
    if (showVideo) {
      if (!video) {
        video = document.createElement("video");
        video.autoplay = true;
        video.playsInline = true;
        video.muted = true; // voices play through the voice slots
        video.setAttribute("aria-hidden", "true");
        holder.replaceChildren(video);
      }
      if (video.srcObject !== stream) video.srcObject = stream;
      return;
    }
    const initials = (person.name || "?").slice(0, 2);
    if (video || holder.textContent !== initials) {
      const span = document.createElement("span");
      span.className = "initials";
      span.setAttribute("aria-hidden", "true");
      span.textContent = initials;
      holder.replaceChildren(span);
    }
  }
}
