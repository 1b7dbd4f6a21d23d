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

const STARTUP_MS = 60_000; // for Xvfb or Chromium to say it is ready
const CALL_MS = 120_000; // for one DevTools call to be answered

// Resolves the first group of `pattern` in `child`'s output `stream` once it matches; rejects
// if the child fails to start, exits or stays silent for STARTUP_MS.
function waitFor(child, stream, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${what}: not ready within ${STARTUP_MS / 1000} s`)), STARTUP_MS);
    const fail = (why) => { clearTimeout(timer); reject(new Error(`${what}: ${why}`)); };
    stream.on("data", (d) => {
      text += d;
      const m = text.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("error", (e) => fail(`could not start (${e.message}; scripts/setup.sh installs it)`));
    child.once("exit", (code) => fail(`exited (${code}) before it was ready`));
  });
}

// Ends a detached child's whole process group (helpers included), and waits for its leader.
function end(child) {
  return new Promise((resolve) => {
    if (!child?.pid) return resolve();
    const done = child.exitCode !== null || child.signalCode !== null;
    if (!done) child.once("exit", () => resolve());
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    if (done) resolve();
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
  let chrome, dir;
  // Should the test process end first, the groups go with it.
  const orphans = () => [chrome, xvfb].forEach((c) => { try { process.kill(-c.pid, "SIGKILL"); } catch { /* gone */ } });
  process.once("exit", orphans);
  const stop = async () => {
    process.off("exit", orphans);
    await end(chrome);
    await end(xvfb);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    dir = await mkdtemp(join(tmpdir(), "gan-playground-window-"));
    const display = `:${(await waitFor(xvfb, xvfb.stdio[3], /^(\d+)\n/, "Xvfb")).trim()}`;
    chrome = spawn(process.env.CHROMIUM ?? "/usr/bin/chromium", ["--no-sandbox", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...(webgpu ? ["--enable-unsafe-webgpu"] : []), `--user-data-dir=${dir}`,
      "--remote-debugging-port=0", "--window-size=1440,900", "about:blank"],
    { env: { ...process.env, DISPLAY: display }, stdio: ["ignore", "ignore", "pipe"], detached: true });
    let next = 0;
    const pending = new Map(); // call id → { resolve, reject }
    const ws = new WebSocket(await waitFor(chrome, chrome.stderr, /DevTools listening on (ws:\S+)/, "Chromium"));
    await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
    // A browser that goes away fails every call waiting on it, instead of leaving it waiting.
    const gone = (why) => {
      for (const { reject } of pending.values()) reject(new Error(`Chromium went away: ${why}`));
      pending.clear();
    };
    ws.on("close", () => gone("its DevTools connection closed"));
    ws.on("error", (e) => gone(e.message));
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
      if (ws.readyState !== WebSocket.OPEN) return reject(new Error(`${method}: Chromium went away`));
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer within ${CALL_MS / 1000} s`));
      }, CALL_MS);
      const settle = (f) => (v) => { clearTimeout(timer); f(v); };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
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
        if (ws.readyState !== WebSocket.OPEN) throw new Error(`${what}: Chromium went away`);
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
