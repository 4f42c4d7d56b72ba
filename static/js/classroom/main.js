// The class page: the lobby, then the classroom (trainee) with the instructor's console when
// the person may moderate. Wires the connection (live.js), media (media.js) and the page's
// parts (gallery, chat, captions, people) together; each part keeps its own DOM.

import { ApiError } from "/static/js/api.js";
import { languageButton, loadCatalogs, t } from "/static/js/i18n.js";
import { BoardPanel } from "./board.js";
import { BreakoutConsole, BreakoutView } from "./breakout.js";
import { Captions } from "./captions.js";
import { Chat } from "./chat.js";
import { Gallery } from "./gallery.js";
import { LiveClass } from "./live.js";
import { Lobby, deviceProblem, speakerTest, supported } from "./lobby.js";
import { Publisher, Receiver, connectionLevel, openDevices } from "./media.js";
import { People } from "./people.js";
import { PollPanel } from "./polls.js";
import { QAPanel } from "./qa.js";

const $ = (id) => document.getElementById(id);
const classId = Number(location.pathname.split("/")[2]);
const REACTIONS = ["👍", "👏", "😂", "😮", "❤️", "🙋", "🙏", "✅"];
const QUALITY_EVERY_MS = 5000;
const PANELS = ["chat", "captions", "people", "breakout", "qa", "polls", "board"];

const hook = { phase: "lobby", reconnects: 0, connection: "connecting" };
window.baeum = hook; // what the browser tests read

function alertLine(text) {
  $("alert").textContent = text;
  $("alert").hidden = !text;
}

function notice(text, urgent = false) {
  if (urgent) alertLine(text);
  else $("notices").textContent = text;
}

function problemText(error) {
  if (error.type === "network") return t("error.network");
  const key = `lobby.${error.type}`;
  const text = t(key);
  return text === key ? t("error.generic", { detail: error.message }) : text;
}

class Classroom {
  constructor(lobby, stream) {
    this.lobby = lobby;
    this.camera = stream; // the lobby's preview becomes what we send
    this.mic = $("join-mic").checked;
    this.cam = $("join-cam").checked && Boolean(stream?.getVideoTracks().length);
    this.speakerDevice = lobby.chosen().speaker;
    this.live = new LiveClass(classId);
    this.publisher = null;
    this.receiver = null;
    this.level = null;
    this.hand = false;
    this.saver = false;
  }

  async enter() {
    const state = await this.live.open();
    this.state = state;
    this.lobby.close();
    $("lobby").hidden = true;
    $("room").hidden = false;
    $("room-title").textContent = state.class_session.title;
    document.title = `${state.class_session.title} · ${t("app.name")}`;
    this.gallery = new Gallery(state.me.user_id);
    this.chat = new Chat(this.live, state.me.user_id, { onUnread: () => this.unread(), say: notice });
    this.captions = new Captions(this.live, classId);
    this.people = new People(this.live, state, { say: notice });
    this.qa = new QAPanel(this.live, state, { say: notice });
    this.polls = new PollPanel(this.live, state, { say: notice });
    this.board = new BoardPanel(this.live, state, { say: notice });
    const names = (id) => this.people.people.get(id)?.name ?? this.breakout?.round?.names?.[id]
      ?? this.console?.current()?.names?.[id] ?? `#${id}`;
    this.breakout = new BreakoutView(this.live, state.me.user_id, { say: notice, names,
      onRoom: (groupId) => this.gallery.setRoom(groupId), chooses: state.me.role === "trainee" });
    if (state.grants.includes("moderate")) {
      this.console = new BreakoutConsole(this.live, classId, { say: notice, names });
    }
    this.controls();
    this.listen();
    this.apply(state);
    this.gallery.addEventListener("view", (e) => this.view(e.detail));
    document.addEventListener("baeum:language", () => { // words drawn by scripts, again
      this.gallery.render();
      this.people.render();
      this.people.setLocked($("lock").getAttribute("aria-pressed") === "true");
      this.setHand(this.hand);
      this.showConnection(this.live.socket.connected ? "connected" : "reconnecting");
    });
    this.autoSaver();
    await this.startMedia();
    this.watchQuality();
    Object.assign(hook, { phase: "class", state, live: this.live, socket: this.live.socket,
      received: () => this.receiver?.received() ?? { framesDecoded: 0, audioPackets: 0 },
      sending: () => this.publisher?.sending() ?? null });
  }

  apply(state) {
    this.gallery.setPeople(state.participants);
    this.gallery.setSpotlight(state.spotlight);
    this.people.setAll(state);
    this.chat.addAll(state.chat);
    this.captions.addAll(state.captions);
    for (const event of state.missed || []) {
      if (event.kind === "chat") this.chat.add(event, true);
      if (event.kind === "caption") this.captions.add(event);
      if (event.kind === "caption_correction") this.captions.correct(event.payload.corrects, event.payload.text);
    }
    const me = state.participants.find((p) => p.user_id === state.me.user_id);
    this.setHand(Boolean(me?.hand_raised_at));
    this.breakout.apply(state.breakout, state.breakout?.my_group ?? null);
    this.breakout.loadChoices(classId).catch(() => null);
    this.console?.load(state.breakout).catch((e) => notice(e.message, true));
    this.qa.reload().catch(() => null);
    this.polls.reload().catch(() => null);
    this.board.reload().catch(() => null);
  }

  // ---- media --------------------------------------------------------------------------------

  async startMedia() {
    const grant = await this.live.token();
    const grants = this.state.grants;
    if (grants.includes("publish")) {
      if (!this.camera) {
        this.camera = await openDevices(this.lobby.chosen()).catch((error) => {
          notice(deviceProblem(error), true);
          return null;
        });
      }
      this.camera?.getAudioTracks().forEach((track) => {
        track.enabled = this.mic;
        track.addEventListener("mute", () => notice(t("class.mic_taken"), true)); // a phone call took it
        track.addEventListener("unmute", () => { alertLine(""); notice(t("class.mic_back")); });
      });
      if (this.camera && !this.cam) this.camera.getVideoTracks().forEach((track) => { track.stop(); this.camera.removeTrack(track); });
      this.gallery.setSelf(this.cam ? this.camera : null);
      this.publisher = new Publisher(this.live, grant);
      await this.publisher.start(this.camera);
      await this.live.call("set_media_state", { mic: this.mic && Boolean(this.camera), cam: this.cam });
    }
    this.receiver = new Receiver(this.live, grant);
    this.receiver.addEventListener("track", (e) => this.track(e.detail));
    await this.receiver.start(this.currentView());
    this.syncButtons();
  }

  currentView() {
    const ids = this.gallery.shown().map((p) => p.user_id).filter((id) => id !== this.state.me.user_id);
    return { video: ids, audio_only: this.saver };
  }

  async view(view) {
    if (!this.receiver) return;
    await this.receiver.view(view).catch(() => null); // the next view change tries again
  }

  track({ id, track, stream }) {
    if (id.startsWith("voice-")) {
      let audio = document.getElementById(`audio-${id}`);
      if (!audio) {
        audio = document.createElement("audio");
        audio.id = `audio-${id}`;
        audio.autoplay = true;
        $("voices").append(audio);
      }
      audio.srcObject = stream;
      if (this.speakerDevice && audio.setSinkId) audio.setSinkId(this.speakerDevice).catch(() => null);
      audio.play().catch(() => this.soundAfterTap());
      return;
    }
    const [owner, kind] = [Number(id.split("-")[0]), id.slice(id.indexOf("-") + 1)];
    if (kind === "video") this.gallery.setVideo(owner, stream);
    if (kind === "screen") this.gallery.setScreen(owner, stream);
    track.addEventListener("ended", () => { if (kind === "screen") this.gallery.setScreen(null); });
  }

  /** iOS and some Androids play sound only after a tap: ask for one, then start every voice. */
  soundAfterTap() {
    notice(t("class.tap_for_sound"), true);
    document.addEventListener("pointerdown", () => {
      document.querySelectorAll("#voices audio").forEach((audio) => audio.play().catch(() => null));
      alertLine("");
    }, { once: true });
  }

  closeMedia() {
    this.publisher?.close();
    this.receiver?.close();
    this.publisher = null;
    this.receiver = null;
  }

  /** Tell the class when my connection's quality changes (the instructor sees it). */
  watchQuality() {
    setInterval(async () => {
      if (!this.live.socket.connected || !this.receiver) return;
      if (this.counters?.receiver !== this.receiver) this.counters = { receiver: this.receiver };
      const level = await connectionLevel(this.publisher, this.receiver, this.counters).catch(() => null);
      if (level && level !== this.level) {
        this.level = level;
        this.showConnection("connected");
        this.live.call("set_media_state", { connection: level }).catch(() => null);
        if (level === "poor" && this.phone() && !this.saver) this.setSaver(true, t("class.saver_auto"));
      }
    }, QUALITY_EVERY_MS);
  }

  phone() { return matchMedia("(pointer: coarse)").matches && window.innerWidth < 900; }

  /** A phone on a slow or metered network starts in data-saver mode (sound only). */
  autoSaver() {
    const net = navigator.connection;
    if (this.phone() && net && (net.saveData || ["slow-2g", "2g", "3g"].includes(net.effectiveType))) {
      this.setSaver(true, t("class.saver_auto"));
    }
  }

  setSaver(on, why) {
    this.saver = on;
    $("saver").setAttribute("aria-pressed", String(on));
    this.gallery.setAudioOnly(on);
    if (why) notice(why);
  }

  // ---- controls -----------------------------------------------------------------------------

  controls() {
    const press = (id, handler) => $(id).addEventListener("click", () => handler().catch((e) => notice(e.message, true)));
    press("mic", async () => this.setMic(!this.mic));
    press("cam", async () => this.setCam(!this.cam));
    press("hand", async () => {
      const answer = await this.live.call(this.hand ? "lower_hand" : "raise_hand");
      this.setHand(answer.queue.includes(this.state.me.user_id));
      this.people.setQueue(answer.queue);
    });
    press("saver", async () => this.setSaver(!this.saver, t(this.saver ? "class.saver_off" : "class.saver_on")));
    press("share", async () => this.toggleShare());
    press("leave", async () => {
      await this.live.leave();
      this.closeMedia();
      this.ended(t("class.left"));
    });
    $("react").addEventListener("click", () => {
      const open = $("reactions").hidden;
      $("reactions").hidden = !open;
      $("react").setAttribute("aria-expanded", String(open));
      if (open) $("reactions").querySelector("button").focus();
    });
    $("reactions").replaceChildren(...REACTIONS.map((emoji) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = emoji;
      b.setAttribute("aria-label", t("class.react_with", { emoji }));
      b.addEventListener("click", () => {
        this.live.call("react", { emoji }).catch((e) => notice(e.message, true));
        $("reactions").hidden = true;
        $("react").setAttribute("aria-expanded", "false");
        $("react").focus();
      });
      return b;
    }));
    $("reactions").addEventListener("keydown", (e) => {
      if (e.key === "Escape") { $("reactions").hidden = true; $("react").setAttribute("aria-expanded", "false"); $("react").focus(); }
    });
    for (const name of PANELS) {
      $(`toggle-${name}`).addEventListener("click", () => this.panel(name));
    }
    if (!navigator.mediaDevices?.getDisplayMedia) {
      $("share").hidden = true; // phones cannot share their screen from a browser
    }
    this.syncButtons();
  }

  panel(name, open) {
    const section = $(`panel-${name}`);
    const show = open ?? section.hidden;
    if (show && this.phone()) {
      for (const other of PANELS) if (other !== name) this.panel(other, false);
    }
    section.hidden = !show;
    $(`toggle-${name}`).setAttribute("aria-expanded", String(show));
    document.body.classList.toggle("panel-open", PANELS.some((n) => !$(`panel-${n}`).hidden));
    if (name === "chat" && show) { $("chat-unread").hidden = true; this.unreadCount = 0; $("chat-text").focus(); }
  }

  unread() {
    if (!$("panel-chat").hidden) return;
    this.unreadCount = (this.unreadCount || 0) + 1;
    $("chat-unread").textContent = String(this.unreadCount);
    $("chat-unread").hidden = false;
    notice(t("chat.new_message"));
  }

  async setMic(on) {
    const tracks = this.camera?.getAudioTracks() ?? [];
    if (on && !tracks.length) { notice(t("device.missing"), true); return; }
    tracks.forEach((track) => { track.enabled = on; });
    this.mic = on;
    this.syncButtons();
    await this.live.call("set_media_state", { mic: on });
  }

  async setCam(on) {
    if (on) {
      const stream = await openDevices({ ...this.lobby.chosen(), audio: false }).catch((error) => {
        notice(deviceProblem(error), true);
        return null;
      });
      const [track] = stream ? stream.getVideoTracks() : [];
      if (!track) return;
      this.camera = this.camera || new MediaStream();
      this.camera.addTrack(track);
      await this.publisher?.replaceCamera(track);
    } else {
      this.camera?.getVideoTracks().forEach((track) => { track.stop(); this.camera.removeTrack(track); });
      await this.publisher?.replaceCamera(null); // the camera light goes off; nothing is sent
    }
    this.cam = on;
    this.gallery.setSelf(on ? this.camera : null);
    this.syncButtons();
    await this.live.call("set_media_state", { cam: on });
  }

  async toggleShare() {
    if (this.publisher?.screen) {
      await this.publisher.stopScreen();
    } else {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      stream.getVideoTracks()[0].addEventListener("ended", () => this.publisher?.stopScreen().then(() => this.syncButtons()));
      await this.publisher.shareScreen(stream);
    }
    this.syncButtons();
  }

  setHand(up) {
    this.hand = up;
    $("hand").setAttribute("aria-pressed", String(up));
    $("hand").querySelector("[data-i18n]").textContent = t(up ? "class.lower_hand" : "class.raise_hand");
    $("hand").querySelector("[data-i18n]").dataset.i18n = up ? "class.lower_hand" : "class.raise_hand";
  }

  syncButtons() {
    const publishing = this.state?.grants.includes("publish") ?? true;
    $("mic").setAttribute("aria-pressed", String(this.mic));
    $("cam").setAttribute("aria-pressed", String(this.cam));
    $("mic").hidden = !publishing;
    $("cam").hidden = !publishing;
    $("share").setAttribute("aria-pressed", String(Boolean(this.publisher?.screen)));
    if (!publishing) $("share").hidden = true;
  }

  // ---- what the class sends -----------------------------------------------------------------

  listen() {
    const live = this.live;
    const me = () => this.state.me.user_id;
    live.on("participants_changed", ({ changes }) => {
      for (const change of changes) {
        if (change.kind === "left" || (change.kind === "dropped" && change.expired)) {
          this.gallery.remove(change.user_id);
          this.people.remove(change.user_id);
        } else if (change.kind === "dropped") {
          this.gallery.upsert({ user_id: change.user_id, status: "reconnecting" });
          this.people.upsert({ user_id: change.user_id, status: "reconnecting" });
        } else if (change.name !== undefined) {
          this.gallery.upsert(change);
          this.people.upsert(change);
          if (change.user_id === me() && change.visiting) this.gallery.setRoom(change.group_id);
          else if (change.user_id === me() && this.people.moderator && !change.group_id) this.gallery.setRoom(null);
        }
      }
    });
    const hands = (raised) => ({ user_id: userId, queue }) => {
      this.people.setQueue(queue);
      for (const person of this.people.people.values()) this.gallery.upsert({ user_id: person.user_id, hand_raised_at: person.hand_raised_at });
      if (userId === me()) this.setHand(raised);
      else if (raised) notice(t("class.hand_of", { name: this.people.people.get(userId)?.name ?? "" }));
    };
    live.on("hand_raised", hands(true));
    live.on("hand_lowered", hands(false));
    live.on("hands_cleared", () => { this.people.setQueue([]); this.setHand(false); this.gallery.render(); });
    // where everyone is comes with the round itself (no per-person news for a whole class)
    const placeAll = (groupOf) => {
      for (const id of new Set([...this.people.people.keys(), ...this.gallery.people.keys()])) {
        const change = { user_id: id, group_id: groupOf(id), visiting: false };
        this.people.upsert(change);
        this.gallery.upsert(change);
      }
    };
    live.on("breakout_opened", (round) => {
      const groupOf = new Map(round.groups.flatMap((g) => g.members.map((id) => [id, g.id])));
      placeAll((id) => groupOf.get(id) ?? null);
    });
    live.on("breakout_closed", () => placeAll(() => null));
    live.on("reaction", ({ user_id: userId, emoji }) => this.floatReaction(emoji, userId));
    live.on("mute_requested", () => { this.setMic(false).catch(() => null); notice(t("class.muted_by_instructor"), true); });
    live.on("removed", ({ reason }) => { this.closeMedia(); this.live.leaving = true; this.ended(t("class.removed", { reason })); });
    live.on("class_locked", ({ locked }) => { this.people.setLocked(locked); notice(t(locked ? "class.locked" : "class.unlocked")); });
    live.on("spotlight_changed", ({ user_id: userId }) => { this.gallery.setSpotlight(userId); this.people.spotlight = userId; });
    live.on("class_state_changed", ({ state }) => {
      this.people.setState(state);
      if (state === "ended") { this.closeMedia(); this.live.leaving = true; this.ended(t("class.ended")); }
      if (state === "live") notice(t("console.started"));
    });
    live.on("active_speaker", ({ user_id: userId }) => this.gallery.setSpeaker(userId));
    live.on("screen_share", ({ user_id: userId, active }) => {
      if (!active && this.gallery.screenOf === userId) this.gallery.setScreen(null);
      notice(t(active ? "class.sharing" : "class.stopped_sharing", { name: this.people.people.get(userId)?.name ?? "" }));
    });
    live.on("media_limits", (limits) => this.publisher?.setLimits(limits).catch(() => null));
    live.on("media_degraded", () => this.setSaver(true, t("class.saver_degraded")));
    live.on("connection", ({ state }) => this.showConnection(state));
    live.on("rejoined", (state) => this.resume(state));
    live.on("refused", (error) => this.ended(problemText(error)));
  }

  /** Back after a drop: the same place, what was said meanwhile, media again. */
  async resume(state) {
    hook.reconnects += 1;
    this.state = state;
    this.closeMedia();
    this.apply(state);
    await this.startMedia().catch((e) => notice(e.message, true));
    this.showConnection("connected");
    hook.state = state;
  }

  showConnection(state) {
    hook.connection = state;
    const away = state === "reconnecting" || state === "offline";
    $("reconnecting").hidden = !away;
    document.body.classList.toggle("is-reconnecting", away);
    const key = away ? `connection.${state}` : `connection.${this.level || "good"}`;
    $("connection").textContent = t(key);
    $("connection").dataset.level = away ? "away" : this.level || "good";
  }

  floatReaction(emoji, userId) {
    const name = this.people.people.get(userId)?.name ?? "";
    notice(t("class.reacted", { name, emoji }));
    if (matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    const span = document.createElement("span");
    span.textContent = emoji;
    span.addEventListener("animationend", () => span.remove());
    $("floating-reactions").append(span);
  }

  ended(text) {
    hook.phase = "ended";
    $("room").hidden = true;
    $("lobby").hidden = false;
    $("join").disabled = true;
    $("lobby-status").textContent = text;
    $("lobby-status").classList.remove("error");
    this.camera?.getTracks().forEach((track) => track.stop());
  }
}

async function main() {
  await loadCatalogs(["class"]);
  languageButton($("lang-lobby"));
  languageButton($("lang-room"));
  const lobby = new Lobby(classId);
  try {
    await lobby.load();
  } catch (error) {
    $("lobby-title").textContent = t("lobby.cannot_open");
    $("lobby-status").textContent = error instanceof ApiError ? problemText(error) : t("error.network");
    $("lobby-status").classList.add("error");
    hook.error = error.type || error.message;
    return;
  }
  if (!supported()) {
    $("lobby-status").textContent = t("lobby.unsupported");
    $("lobby-status").classList.add("error");
    $("join").disabled = true;
    hook.error = "unsupported";
    return;
  }
  await lobby.preview();
  const again = () => lobby.preview(lobby.chosen());
  $("camera-select").addEventListener("change", again);
  $("mic-select").addEventListener("change", again);
  $("speaker-test").addEventListener("click", () => speakerTest(lobby.chosen().speaker).catch((e) => notice(e.message, true)));
  document.addEventListener("baeum:language", () => lobby.render());
  hook.ready = true;
  $("join").addEventListener("click", async () => {
    $("join").disabled = true;
    const room = new Classroom(lobby, lobby.stream);
    try {
      await room.enter();
    } catch (error) {
      $("lobby-status").textContent = problemText(error);
      $("lobby-status").classList.add("error");
      $("join").disabled = false;
      hook.error = error.type || error.message;
    }
  });
}

main().catch((error) => { alertLine(t("error.generic", { detail: error.message })); hook.error = error.message; });
