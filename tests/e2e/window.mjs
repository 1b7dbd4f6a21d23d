// Chromium in a real window (on an Xvfb display), driven over the DevTools protocol alone, for
// what Playwright cannot show: a hidden tab. Headless Chromium counts every page as visible,
// and Playwright keeps each page it drives in front (focus emulation, and switches that turn
// the browser's backgrounding off), so a tab driven here is one the browser treats as a
// person's: hidden when another tab is in front, throttled as the browser throttles it.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";

// Resolves `what` of a child process's output once `pattern` matches it.
function waitFor(stream, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = "";
    stream.on("data", (d) => {
      text += d;
      const m = text.match(pattern);
      if (m) resolve(m[1]);
    });
    stream.on("end", () => reject(new Error(`${what}: ended before it was ready`)));
  });
}

/**
 * Opens `url` in a tab of a real Chromium window. Returns { evaluate(expression), until(expression),
 * hide(), show(), errors, close() }: `hide` puts a new tab in front of it, `show` brings it back.
 */
export async function realWindow(url, { webgpu = false } = {}) {
  // Each in a process group of its own, ended whole: /usr/bin/chromium is a script that
  // starts the browser, so ending the script alone would leave the browser running.
  const xvfb = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
    { stdio: ["ignore", "ignore", "ignore", "pipe"], detached: true });
  const dir = await mkdtemp(join(tmpdir(), "gan-playground-window-"));
  let chrome;
  const end = (child) => new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", resolve);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      resolve();
    }
  });
  const stop = async () => {
    await end(chrome);
    await end(xvfb);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const display = `:${(await waitFor(xvfb.stdio[3], /^(\d+)\n/, "Xvfb")).trim()}`;
    chrome = spawn(process.env.CHROMIUM ?? "/usr/bin/chromium", ["--no-sandbox", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...(webgpu ? ["--enable-unsafe-webgpu"] : []), `--user-data-dir=${dir}`,
      "--remote-debugging-port=0", "--window-size=1440,900", "about:blank"],
    { env: { ...process.env, DISPLAY: display }, stdio: ["ignore", "ignore", "pipe"], detached: true });
    const ws = new WebSocket(await waitFor(chrome.stderr, /DevTools listening on (ws:\S+)/, "Chromium"));
    await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
    let next = 0;
    const pending = new Map();
    const errors = [];
    ws.on("message", (data) => {
      const m = JSON.parse(data);
      if (m.id && pending.has(m.id)) {
        const { resolve, reject } = pending.get(m.id);
        pending.delete(m.id);
        if (m.error) reject(new Error(`${m.error.message} (${m.error.data ?? ""})`));
        else resolve(m.result);
      } else if (m.method === "Runtime.exceptionThrown") {
        errors.push(m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text);
      } else if (m.method === "Runtime.consoleAPICalled" && m.params.type === "error") {
        errors.push(m.params.args.map((a) => a.value ?? a.description).join(" "));
      }
    });
    const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
    const { targetInfos } = await send("Target.getTargets");
    const { targetId } = targetInfos.find((t) => t.type === "page");
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    await send("Runtime.enable", {}, sessionId);
    await send("Page.enable", {}, sessionId);
    await send("Page.navigate", { url }, sessionId);
    const evaluate = async (expression) => {
      const { result, exceptionDetails } = await send("Runtime.evaluate",
        { expression, returnByValue: true, awaitPromise: true }, sessionId);
      if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      return result.value;
    };
    // Polls `expression` (a hidden page draws no frames to wait on) until it is true, or a page
    // error, or the timeout.
    const until = async (expression, what = expression, timeout = 240_000) => {
      const end = Date.now() + timeout;
      for (;;) {
        if (errors.length) throw new Error(`${what}: page errors: ${errors.join("; ")}`);
        if (await evaluate(expression).catch(() => false)) return;
        if (Date.now() > end) throw new Error(`${what}: not within ${timeout / 1000} s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    let cover = null;
    return {
      evaluate, until, errors,
      hide: async () => {
        cover = (await send("Target.createTarget", { url: "about:blank", newWindow: false })).targetId;
      },
      show: async () => {
        if (cover) await send("Target.closeTarget", { targetId: cover });
        cover = null;
        await send("Target.activateTarget", { targetId });
      },
      close: async () => {
        ws.close();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
