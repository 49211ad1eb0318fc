// Headless Chromium driven through the DevTools protocol over a pipe (--remote-debugging-pipe:
// NUL-separated JSON on the browser's fds 3 and 4), so no WebSocket and no port: what the
// dashboard's browser test and bench/board_scale.sh use. Plain Node, no package.
import {spawn} from "node:child_process";

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

export function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

/// Starts Chromium with a fresh profile and attaches to its page. Returns {send, evaluate, until}:
/// evaluate(js) gives the expression's value (a page error fails); until(what, js, ms) polls js
/// until it is truthy and gives {value, ms}, failing after ms milliseconds.
export async function openBrowser(browser, profile, width = 1500, height = 1000) {
  // As root in a container Chromium needs --no-sandbox.
  const chromium = spawn(browser, ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                   "--no-first-run", `--user-data-dir=${profile}`, "--remote-debugging-pipe",
                                   `--window-size=${width},${height}`, "about:blank"],
                         {stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"]});
  process.on("exit", () => chromium.kill("SIGKILL"));
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(1));  // runs the above
  chromium.on("exit", code => fail(`Chromium exited (${code})`));

  let next = 0, pending = Buffer.alloc(0), session;
  const waiting = new Map();
  chromium.stdio[4].on("data", chunk => {
    pending = Buffer.concat([pending, chunk]);
    for (let end; (end = pending.indexOf(0)) >= 0;) {
      const message = JSON.parse(pending.subarray(0, end).toString("utf8"));
      pending = pending.subarray(end + 1);
      if (message.id && waiting.has(message.id)) {
        waiting.get(message.id)(message);
        waiting.delete(message.id);
      }
    }
  });
  const send = (method, params = {}) => new Promise(resolve => {
    const id = ++next;
    waiting.set(id, resolve);
    chromium.stdio[3].write(JSON.stringify({id, method, params, sessionId: session}) + "\0");
  });
  // The browser's first page, attached in flat mode: page commands carry its session id.
  const {result: {targetInfos}} = await send("Target.getTargets");
  const page = targetInfos.find(t => t.type === "page");
  if (!page) fail("Chromium has no page");
  session = (await send("Target.attachToTarget", {targetId: page.targetId, flatten: true})).result.sessionId;
  await send("Emulation.setDeviceMetricsOverride", {width, height, deviceScaleFactor: 1, mobile: false});

  const evaluate = async expression => {
    const answer = await send("Runtime.evaluate", {expression, returnByValue: true, awaitPromise: true});
    if (answer.error || answer.result.exceptionDetails) fail(`page error in ${expression}: ${JSON.stringify(answer)}`);
    return answer.result.result.value;
  };
  const until = async (what, expression, ms) => {
    const start = Date.now();
    for (;;) {
      const value = await evaluate(expression);
      if (value) return {value, ms: Date.now() - start};
      if (Date.now() - start > ms) fail(`${what}: not seen within ${ms} ms (${expression})`);
      await sleep(20);
    }
  };
  return {send, evaluate, until};
}
