// Saving what the page shows: PNG stills (scaled up without smoothing) and WebM animations.

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function scaled(source, scale) {
  const out = document.createElement("canvas");
  out.width = source.width * scale;
  out.height = source.height * scale;
  const ctx = out.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, out.width, out.height);
  return out;
}

export function savePng(canvas, filename) {
  canvas.toBlob((blob) => download(blob, filename), "image/png");
}

// Starts recording `canvas` as WebM; `stop()` resolves the video's Blob.
export function startRecording(canvas) {
  if (typeof MediaRecorder === "undefined" || !canvas.captureStream) {
    throw new Error("this browser cannot record video (no MediaRecorder)");
  }
  const type = ["video/webm;codecs=vp9", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
  if (!type) throw new Error("this browser cannot record WebM");
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: type });
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const stopped = new Promise((resolve) => {
    recorder.onstop = () => resolve(new Blob(chunks, { type: "video/webm" }));
  });
  recorder.start();
  return { stop: () => { recorder.stop(); return stopped; } };
}

// Records `canvas` for `ms` milliseconds; resolves when the file has been offered.
export async function recordWebm(canvas, ms, filename) {
  const recording = startRecording(canvas);
  await new Promise((resolve) => setTimeout(resolve, ms));
  download(await recording.stop(), filename);
}
