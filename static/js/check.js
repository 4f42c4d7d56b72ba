// The pre-class connection check (사전 접속 점검): camera and microphone, a WebRTC loopback
// through the server (POST /api/v1/connection-tests/loopback: the server sends our own tracks
// back, as the class will), and the download speed; the result is stored
// (POST /api/v1/connection-tests) so operators see who is at risk before the class starts.

import { api } from "/static/js/api.js";

const classId = Number(new URLSearchParams(location.search).get("class")) || null;
const MEDIA_WAIT_MS = 15000;

const ADVICE = {
  NotAllowedError: "브라우저 주소창의 카메라 아이콘에서 카메라와 마이크를 허용하세요. Allow the camera and microphone from the camera icon in the address bar.",
  NotFoundError: "카메라나 마이크가 없습니다. 이어폰 마이크를 연결하거나 다른 기기를 쓰세요. No camera or microphone found: plug in a headset or use another device.",
  NotReadableError: "다른 앱이 카메라를 쓰고 있습니다. 화상회의 앱을 닫고 다시 점검하세요. Another app is using the camera: close it and check again.",
  media: "회사·기관 네트워크가 영상 연결을 막고 있을 수 있습니다. 휴대전화 데이터나 다른 Wi-Fi로 다시 점검하세요. A workplace network may block video: try mobile data or another Wi-Fi.",
  unsupported: "이 브라우저는 영상 수업을 지원하지 않습니다. 최신 Chrome, Edge, Safari를 쓰세요. This browser cannot join video classes: use a current Chrome, Edge or Safari.",
};

const show = (id, text) => { document.querySelector(`#${id} output`).textContent = text; };
const advise = (text) => {
  const item = document.createElement("li");
  item.textContent = text;
  document.getElementById("advice").append(item);
};

async function devices() {
  if (!navigator.mediaDevices || !window.RTCPeerConnection) {
    advise(ADVICE.unsupported);
    return { camera_ok: false, microphone_ok: false, stream: null };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    document.getElementById("self").srcObject = stream;
    return { camera_ok: stream.getVideoTracks().length > 0,
      microphone_ok: stream.getAudioTracks().length > 0, stream };
  } catch (error) {
    advise(ADVICE[error.name] || `${error.name}: ${error.message}`);
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
  document.getElementById("advice").replaceChildren();
  document.getElementById("verdict").textContent = "점검 중… Checking…";
  ["check-devices", "check-media", "check-speed"].forEach((id) => show(id, "…"));
  const found = await devices();
  show("check-devices", found.camera_ok && found.microphone_ok ? "정상 OK" : "문제 있음 Problem");
  let mediaOk = null;
  if (found.stream) {
    mediaOk = await loopback(found.stream).catch((error) => { advise(error.message); return false; });
    show("check-media", mediaOk ? "정상 OK" : "연결 안 됨 No video came back");
    if (!mediaOk) advise(ADVICE.media);
  } else {
    show("check-media", "점검 못 함 Not checked");
  }
  const kbps = await speed().catch(() => null);
  show("check-speed", kbps === null ? "점검 못 함 Not checked" : `${kbps} kbit/s`);
  const result = await api("POST", "/api/v1/connection-tests", {
    class_session_id: classId, camera_ok: found.camera_ok, microphone_ok: found.microphone_ok,
    media_ok: mediaOk, bitrate_kbps: kbps, network_type: networkType(),
  });
  const words = { ready: "준비 완료 Ready", at_risk: "주의 At risk", failed: "접속 어려움 Not ready" };
  document.getElementById("verdict").textContent = `${words[result.verdict]}`
    + (result.reasons.length ? `: ${result.reasons.join(", ")}` : "");
  if (found.stream) found.stream.getTracks().forEach((track) => track.stop());
  window.baeumCheck = { done: true, result, mediaOk };
}

if (classId) {
  const join = document.getElementById("join");
  join.href = `/class/${classId}`;
  join.hidden = false;
}
document.getElementById("again").addEventListener("click", () => {
  window.baeumCheck = null;
  check().catch((error) => advise(error.message));
});
check().catch((error) => { advise(error.message); window.baeumCheck = { done: true, error: error.message }; });
