// The page's side of bench/board_scale.sh: times `soma board`'s page in headless Chromium on a
// big runs folder. Usage: node board_open.mjs CHROMIUM PAGE_URL RUNS_DIR PROFILE_DIR
import {appendFileSync} from "node:fs";

import {openBrowser} from "../tests/board/cdp.mjs";

const [browser, pageUrl, runsDir, profile] = process.argv.slice(2);
const {send, evaluate, until} = await openBrowser(browser, profile);
const start = Date.now();
await send("Page.navigate", {url: pageUrl});
await until("the first charts", "window.somaBoard && somaBoard.ready", 120000);
const opened = Date.now() - start;
const shown = await evaluate(`[somaBoard.runs.length, somaBoard.selected.length, Object.keys(somaBoard.charts).length,
                               document.querySelectorAll("#charts canvas").length]`);
console.log(`page open, first charts drawn: ${opened} ms (${shown[0]} runs listed, ${shown[1]} drawn, ` +
            `${shown[2]} charts, ${shown[3]} canvases)`);
// Responsiveness: how long the page's main thread takes for a poll that changes nothing.
const poll = await evaluate(`(async () => { const t = performance.now(); await tick(true); return performance.now() - t; })()`);
console.log(`one forced refresh of every chart (${shown[1]} runs): ${poll.toFixed(0)} ms`);
const fetches = await evaluate("somaBoard.fetches");
const all = Date.now();
await evaluate(`document.getElementById("select-all").click()`);
await until("all runs drawn", `somaBoard.fetches >= ${fetches} + Object.keys(somaBoard.charts).length &&
                               Object.values(somaBoard.charts).every(c => Object.keys(c.series).length === somaBoard.runs.length)`, 240000);
console.log(`all ${shown[0]} runs selected, every chart redrawn: ${Date.now() - all} ms`);
const run = await evaluate("somaBoard.runs[0].name");
const n = await evaluate(`somaBoard.charts["steps/loss"].series["${run}"].n`);
const appended = Date.now();
appendFileSync(`${runsDir}/${run}/steps.csv`, `${n + 1},999,0.0123,0.99\n`);
await until("the appended line", `somaBoard.charts["steps/loss"].series["${run}"].n === ${n + 1}`, 30000);
console.log(`a line appended to ${run}/steps.csv shown after ${Date.now() - appended} ms (with all runs drawn)`);
process.exit(0);
