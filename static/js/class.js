// The live class in the browser: join over socket.io, publish the camera and microphone,
// receive everyone else's media from the server's forwarding unit. (The full classroom UI
// grows from here; see docs/api.md for the protocol.)

import { api } from "/static/js/api.js";

const classId = Number(location.pathname.split("/").pop());
const statusLine = document.getElementById("status");
document.getElementById("check").href = `/check?class=${classId}`;
const say = (text) => { statusLine.textContent = text; };
const clientId = sessionStorage.getItem("baeum.client") ||
  (crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "") : String(Math.random()).slice(2));
sessionStorage.setItem("baeum.client", clientId);

function call(socket, event, data) {
  return new Promise((resolve, reject) => {
    socket.timeout(15000).emit(event, data, (err, answer) => {
      if (err) reject(err);
      else if (!answer.ok) reject(new Error(answer.error.detail));
      else resolve(answer);
    });
  });
}

function showRemote(stream, id) {
  let video = document.getElementById(`remote-${id}`);
  if (!video) {
    const figure = document.createElement("figure");
    video = document.createElement("video");
    video.id = `remote-${id}`;
    video.autoplay = true;
    video.playsInline = true;
    figure.append(video);
    document.getElementById("gallery").append(figure);
  }
  video.srcObject = stream;
}

async function main() {
  const grant = await api("POST", `/api/v1/class-sessions/${classId}/class-token`);
  const config = { iceServers: grant.ice_servers.map((s) => ({ urls: s.urls,
    username: s.username ?? undefined, credential: s.credential ?? undefined })) };
  const socket = io("/class", { auth: { token: grant.token, client_id: clientId },
    transports: ["websocket"] });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (e) => reject(new Error(e.data?.detail || e.message)));
  });
  const state = await call(socket, "join", {});
  document.getElementById("title").textContent = state.class_session.title;

  const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  document.getElementById("self").srcObject = camera;
  const publisher = new RTCPeerConnection(config);
  camera.getTracks().forEach((track) => publisher.addTransceiver(track, { direction: "sendonly" }));
  let limits = null; // what the server asks this camera to send at most (media_limits)
  const applyLimits = async () => {
    const sender = publisher.getSenders().find((s) => s.track && s.track.kind === "video");
    const params = sender && sender.getParameters();
    if (!limits || !params || !params.encodings || !params.encodings.length) return;
    const { width = 640, height = 480 } = sender.track.getSettings();
    const video = limits.video;
    Object.assign(params.encodings[0], {
      maxBitrate: video.max_kbps * 1000,
      maxFramerate: video.max_fps,
      scaleResolutionDownBy: Math.max(1, width / video.max_width, height / video.max_height),
    });
    await sender.setParameters(params);
  };
  socket.on("media_limits", (sent) => {
    limits = sent;
    if (publisher.remoteDescription) applyLimits().catch((e) => say(e.message));
  });
  await publisher.setLocalDescription(await publisher.createOffer());
  await new Promise((r) => (publisher.iceGatheringState === "complete" ? r()
    : publisher.addEventListener("icegatheringstatechange", () =>
        publisher.iceGatheringState === "complete" && r())));
  const published = await call(socket, "media_publish",
    { type: "offer", sdp: publisher.localDescription.sdp });
  await publisher.setRemoteDescription(published.answer);
  await applyLimits();

  const subscriber = new RTCPeerConnection(config);
  const streams = new Map();
  subscriber.ontrack = ({ track }) => {
    if (track.id.startsWith("voice-")) { // the loudest voices, whoever they are: just play
      const audio = document.createElement("audio");
      audio.autoplay = true;
      audio.srcObject = new MediaStream([track]);
      document.body.append(audio);
      return;
    }
    const owner = track.id.split("-")[0] || "x";
    const stream = streams.get(owner) || new MediaStream();
    stream.addTrack(track);
    streams.set(owner, stream);
    showRemote(stream, owner);
  };
  const answerOffer = async (offer) => {
    await subscriber.setRemoteDescription(offer);
    await subscriber.setLocalDescription(await subscriber.createAnswer());
    await call(socket, "media_answer", { type: "answer", sdp: subscriber.localDescription.sdp });
  };
  socket.on("media_offer", (offer) => answerOffer(offer).catch((e) => say(e.message)));
  const { offer } = await call(socket, "media_subscribe", {});
  if (offer) await answerOffer(offer);
  say("수업 중 (in class)");

  window.baeum = {
    state, socket, publisher, subscriber,
    sending() {
      const sender = publisher.getSenders().find((s) => s.track && s.track.kind === "video");
      const [encoding] = sender.getParameters().encodings;
      return { maxBitrate: encoding.maxBitrate ?? null, maxFramerate: encoding.maxFramerate ?? null };
    },
    async received() {
      const totals = { framesDecoded: 0, audioPackets: 0 };
      (await subscriber.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") totals.framesDecoded += s.framesDecoded || 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") totals.audioPackets += s.packetsReceived || 0;
      });
      return totals;
    },
  };
}

main().catch((error) => { say(`문제가 생겼습니다: ${error.message}`); window.baeumError = error.message; });
