// The pre-class connection check (사전 접속 점검): camera and microphone, a WebRTC loopback
// through the server (POST /api/v1/connection-tests/loopback: the server sends our own tracks
// back, as the class will), and the download speed; the result is stored
// (POST /api/v1/connection-tests) so operators see who is at risk before the class starts.
//
// Words come from the "check" message catalog (static/i18n/{ko,en}/check.json). What the page
// shows is kept as message keys in `shown`, so switching language redraws it in place.

import { api, ApiError } from "/static/js/api.js";
import { languageButton, loadCatalogs, t } from "/static/js/i18n.js";

const classId = Number(new URLSearchParams(location.search).get("class")) || null;
const MEDIA_WAIT_MS = 15000;
const CHECKS = ["check-devices", "check-media", "check-speed"];
const DEVICE_ADVICE = ["NotAllowedError", "NotFoundError", "NotReadableError"];

/** A message to show: a catalog key and its placeholders. */
const msg = (key, vars = {}) => ({ key, vars });

const shown = { outputs: {}, verdict: null, advice: [] };

function render() {
  for (const [id, message] of Object.entries(shown.outputs)) {
    document.querySelector(`#${id} output`).textContent = t(message.key, message.vars);
  }
  const verdict = document.getElementById("verdict");
  if (shown.verdict === null) {
    verdict.replaceChildren();
    delete verdict.dataset.verdict;
  } else if (shown.verdict.checking) {
    verdict.textContent = t("check.checking");
    delete verdict.dataset.verdict;
  } else {
    const { result } = shown.verdict;
    verdict.dataset.verdict = result.verdict;
    verdict.replaceChildren(t(`check.verdict.${result.verdict}`));
    if (result.reasons.length) {
      // The server's reasons are English sentences (operators read them too).
      const reasons = document.createElement("span");
      reasons.lang = "en";
      reasons.textContent = result.reasons.join(", ");
      verdict.append(": ", reasons);
    }
  }
  document.getElementById("advice").replaceChildren(...shown.advice.map((message) => {
    const item = document.createElement("li");
    item.textContent = t(message.key, message.vars);
    return item;
  }));
  document.getElementById("advice-box").hidden = shown.advice.length === 0;
}

const show = (id, message) => { shown.outputs[id] = message; render(); };
const advise = (message) => { shown.advice.push(message); render(); };

/** What to tell the person about an error: by the API's problem type where there is one. */
function explain(error) {
  if (error instanceof ApiError) {
    if (error.type === "not-authenticated" || error.type === "csrf-failed") {
      return msg("error.not-authenticated");
    }
    if (error.type === "unavailable") return msg("check.error.busy");
    if (error.type === "rate-limited") return msg("check.error.rate-limited");
  } else if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
    return msg("error.network"); // fetch() did not reach the server
  }
  return msg("error.generic", { detail: error.message });
}

async function devices() {
  if (!navigator.mediaDevices || !window.RTCPeerConnection) {
    advise(msg("check.advice.unsupported"));
    return { camera_ok: false, microphone_ok: false, stream: null };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    document.getElementById("self").srcObject = stream;
    return { camera_ok: stream.getVideoTracks().length > 0,
      microphone_ok: stream.getAudioTracks().length > 0, stream };
  } catch (error) {
    advise(DEVICE_ADVICE.includes(error.name) ? msg(`check.advice.${error.name}`)
      : msg("check.advice.device", { name: error.name, detail: error.message }));
    return { camera_ok: false, microphone_ok: false, stream: null };
  }
}

async function framesBack(pc) {
  let frames = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
  });
  return frames;
}

async function loopback(stream) {
  const pc = new RTCPeerConnection();
  stream.getTracks().forEach((track) => pc.addTransceiver(track, { direction: "sendrecv" }));
  pc.ontrack = ({ track }) => {
    if (track.kind === "video") document.getElementById("back").srcObject = new MediaStream([track]);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
  });
  const started = await api("POST", "/api/v1/connection-tests/loopback",
    { type: "offer", sdp: pc.localDescription.sdp });
  await pc.setRemoteDescription(started.answer);
  const until = Date.now() + MEDIA_WAIT_MS;
  while (Date.now() < until && (await framesBack(pc)) < 5) {
    await new Promise((resolve) => setTimeout(resolve, 250)); // polling the browser's own stats
  }
  const ok = (await framesBack(pc)) >= 5;
  pc.close();
  await api("DELETE", `/api/v1/connection-tests/loopback/${started.id}`).catch(() => null);
  return ok;
}

async function speed() {
  const kb = 512;
  const started = performance.now();
  const response = await fetch(`/api/v1/connection-tests/payload?kb=${kb}`, { credentials: "same-origin" });
  await response.arrayBuffer();
  const seconds = (performance.now() - started) / 1000;
  return Math.round((kb * 8 * 1.024) / seconds); // kbit/s
}

function networkType() {
  const type = navigator.connection && navigator.connection.type;
  return ["wifi", "cellular", "ethernet", "none", "other"].includes(type) ? type : null;
}

async function check() {
  shown.advice = [];
  shown.verdict = { checking: true };
  CHECKS.forEach((id) => { shown.outputs[id] = msg("check.pending"); });
  render();
  const found = await devices();
  show("check-devices", msg(found.camera_ok && found.microphone_ok ? "check.ok" : "check.problem"));
  let mediaOk = null;
  if (found.stream) {
    let refused = false; // the server said why (busy, signed out): not the network's fault
    mediaOk = await loopback(found.stream).catch((error) => {
      refused = error instanceof ApiError;
      advise(explain(error));
      return false;
    });
    show("check-media", msg(mediaOk ? "check.ok" : "check.no-video"));
    if (!mediaOk && !refused) advise(msg("check.advice.media"));
  } else {
    show("check-media", msg("check.not-checked"));
  }
  const kbps = await speed().catch(() => null);
  show("check-speed", kbps === null ? msg("check.not-checked") : msg("check.kbps", { kbps }));
  const result = await api("POST", "/api/v1/connection-tests", {
    class_session_id: classId, camera_ok: found.camera_ok, microphone_ok: found.microphone_ok,
    media_ok: mediaOk, bitrate_kbps: kbps, network_type: networkType(),
  });
  shown.verdict = { result };
  render();
  if (found.stream) found.stream.getTracks().forEach((track) => track.stop());
  window.baeumCheck = { done: true, result, mediaOk };
}

function failed(error) {
  if (shown.verdict && shown.verdict.checking) shown.verdict = null;
  advise(explain(error));
}

// Without its catalogs the page still checks (the markup's Korean stays; messages show keys).
await loadCatalogs(["check"]).catch((error) => console.error(error));
languageButton(document.getElementById("lang"));
document.addEventListener("baeum:language", render);

if (classId) {
  const join = document.getElementById("join");
  join.href = `/class/${classId}`;
  join.hidden = false;
}
document.getElementById("again").addEventListener("click", () => {
  window.baeumCheck = null;
  check().catch(failed);
});
check().catch((error) => { failed(error); window.baeumCheck = { done: true, error: error.message }; });
