// Before the class: what it is, when it opens (a countdown by the server's clock), who teaches
// it, a camera and microphone preview with a level meter and device choice, and a plain
// message for each reason someone cannot come in yet.

import { api } from "/static/js/api.js";
import { formatTime, t } from "/static/js/i18n.js";
import { openDevices } from "./media.js";

const $ = (id) => document.getElementById(id);

export function supported() {
  return Boolean(window.RTCPeerConnection && navigator.mediaDevices
    && navigator.mediaDevices.getUserMedia && window.WebSocket);
}

/** The message for a device error (permission denied, no device, device busy). */
export function deviceProblem(error) {
  const key = { NotAllowedError: "device.denied", NotFoundError: "device.missing",
    NotReadableError: "device.busy", OverconstrainedError: "device.missing" }[error.name];
  return key ? t(key) : t("error.generic", { detail: `${error.name}: ${error.message}` });
}

export class Lobby {
  constructor(classId) {
    this.classId = classId;
    this.info = null;
    this.stream = null;
    this.skew = 0; // server clock minus this device's clock, for the countdown
    this.timer = null;
    this.meter = null;
  }

  async load() {
    this.info = await api("GET", `/api/v1/class-sessions/${this.classId}/lobby`);
    this.skew = new Date(this.info.server_time).getTime() - Date.now();
    this.render();
    return this.info;
  }

  render() {
    const { class_session: cs, instructors, present, max_participants: max } = this.info;
    $("lobby-title").textContent = cs.title;
    $("lobby-when").textContent = `${formatTime(cs.starts_at)} – ${formatTime(cs.ends_at, { timeStyle: "short" })}`;
    $("lobby-instructors").textContent = instructors.length ? instructors.join(", ") : t("class.no_instructor");
    $("lobby-present").textContent = t("class.present_count", { present, max });
    $("check-link").href = `/check?class=${this.classId}`;
    this.status();
  }

  /** The lobby's line: ready, a countdown, or why not. */
  status() {
    const line = $("lobby-status");
    const refusal = this.info.refusal;
    clearInterval(this.timer);
    line.classList.toggle("error", Boolean(refusal) && refusal !== "class-not-open");
    if (refusal === "class-not-open") {
      const tick = () => {
        const left = new Date(this.info.opens_at).getTime() - (Date.now() + this.skew);
        if (left <= 0) {
          clearInterval(this.timer);
          this.load().catch(() => null);
          return;
        }
        line.textContent = t("lobby.countdown", { time: countdown(left), opens: formatTime(this.info.opens_at, { timeStyle: "short" }) });
      };
      tick();
      this.timer = setInterval(tick, 1000);
    } else {
      line.textContent = refusal ? t(`lobby.${refusal}`) : t("lobby.ready");
    }
    $("join").disabled = Boolean(refusal);
  }

  async preview(devices = {}) {
    this.stopPreview();
    const problem = $("device-problem");
    problem.hidden = true;
    try {
      this.stream = await openDevices(devices);
      $("preview").srcObject = this.stream;
      this.listen(this.stream);
      await this.listDevices();
    } catch (error) {
      problem.textContent = deviceProblem(error);
      problem.hidden = false;
      this.stream = null;
    }
    return this.stream;
  }

  /** A level meter for the microphone, so people see they are heard before they join. */
  listen(stream) {
    if (!stream.getAudioTracks().length || !window.AudioContext) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const meter = $("mic-meter");
    const read = () => {
      analyser.getFloatTimeDomainData(samples);
      meter.value = Math.min(1, Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length) * 4);
    };
    this.meter = { context, timer: setInterval(read, 200) };
  }

  async listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    const fill = (select, kind, current) => {
      const options = all.filter((d) => d.kind === kind).map((d, n) => {
        const option = new Option(d.label || t(`class.${kind}_n`, { n: n + 1 }), d.deviceId);
        option.selected = d.deviceId === current;
        return option;
      });
      select.replaceChildren(...options);
      select.disabled = options.length === 0;
    };
    const settings = (kind) => this.stream?.getTracks().find((tr) => tr.kind === kind)?.getSettings().deviceId;
    fill($("camera-select"), "videoinput", settings("video"));
    fill($("mic-select"), "audioinput", settings("audio"));
    fill($("speaker-select"), "audiooutput", "default");
    const canChooseSpeaker = "setSinkId" in HTMLMediaElement.prototype;
    $("speaker-select").disabled = !canChooseSpeaker || $("speaker-select").options.length === 0;
    if (!canChooseSpeaker) $("speaker-select").title = t("class.speaker_fixed");
  }

  chosen() {
    return { camera: $("camera-select").value || undefined, microphone: $("mic-select").value || undefined,
      speaker: $("speaker-select").value || undefined };
  }

  stopPreview() {
    if (this.meter) { clearInterval(this.meter.timer); this.meter.context.close(); this.meter = null; }
    this.stream?.getTracks().forEach((track) => track.stop());
  }

  close() { clearInterval(this.timer); if (this.meter) { clearInterval(this.meter.timer); this.meter.context.close(); } }
}

function countdown(ms) {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** A short tone through the chosen speaker, so people know they will hear the class. */
export async function speakerTest(speaker) {
  const context = new AudioContext();
  const oscillator = context.createOscillator();
  const destination = context.createMediaStreamDestination();
  oscillator.frequency.value = 440;
  oscillator.connect(destination);
  const audio = new Audio();
  audio.srcObject = destination.stream;
  if (speaker && audio.setSinkId) await audio.setSinkId(speaker);
  await audio.play();
  oscillator.start();
  oscillator.stop(context.currentTime + 0.6);
  oscillator.onended = () => { audio.pause(); context.close(); };
}
