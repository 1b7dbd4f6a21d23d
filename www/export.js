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

// Records `canvas` for `ms` milliseconds; resolves when the file has been offered.
export function recordWebm(canvas, ms, filename) {
  if (typeof MediaRecorder === "undefined" || !canvas.captureStream) {
    return Promise.reject(new Error("this browser cannot record video (no MediaRecorder)"));
  }
  const type = ["video/webm;codecs=vp9", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
  if (!type) return Promise.reject(new Error("this browser cannot record WebM"));
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: type });
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  return new Promise((resolve) => {
    recorder.onstop = () => {
      download(new Blob(chunks, { type: "video/webm" }), filename);
      resolve();
    };
    recorder.start();
    setTimeout(() => recorder.stop(), ms);
  });
}
