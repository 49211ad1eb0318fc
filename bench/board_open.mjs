// The page's side of bench/board_scale.sh: times `soma board`'s page in headless Chromium on a
// big runs folder, in wall time and in the server's CPU time (which does not depend on what else
// the machine runs). Usage: node board_open.mjs CHROMIUM PAGE_URL RUNS_DIR PROFILE_DIR SERVER_PID
import {appendFileSync, readFileSync} from "node:fs";

import {openBrowser} from "../tests/board/cdp.mjs";

const [browser, pageUrl, runsDir, profile, pid] = process.argv.slice(2);
// utime + stime of the server, in seconds (fields 14 and 15 of /proc/PID/stat, in clock ticks).
const cpu = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const {send, evaluate, until} = await openBrowser(browser, profile);
const start = Date.now(), cpuStart = cpu();
await send("Page.navigate", {url: pageUrl});
const listed = await until("the run list", "window.somaBoard && somaBoard.polls > 0 && document.querySelectorAll('#runs li').length", 120000);
console.log(`page open, run list shown: ${Date.now() - start} ms (${listed.value} runs)`);
await until("the first charts", "somaBoard.ready", 120000);
const opened = Date.now() - start;
const shown = await evaluate(`[somaBoard.runs.length, somaBoard.selected.length, Object.keys(somaBoard.charts).length,
                               document.querySelectorAll("#charts canvas").length]`);
console.log(`page open, first charts drawn: ${opened} ms (${shown[0]} runs listed, ${shown[1]} drawn, ` +
            `${shown[2]} charts, ${shown[3]} canvases); server CPU ${(cpu() - cpuStart).toFixed(2)} s`);
// Responsiveness: how long the page's main thread takes for a poll that changes nothing.
const poll = await evaluate(`(async () => { const t = performance.now(); await tick(true); return performance.now() - t; })()`);
console.log(`one forced refresh of every chart (${shown[1]} runs): ${poll.toFixed(0)} ms`);
const fetches = await evaluate("somaBoard.fetches");
const all = Date.now(), cpuAll = cpu();
await evaluate(`document.getElementById("select-all").click()`);
await until("all runs drawn", `somaBoard.fetches >= ${fetches} + Object.keys(somaBoard.charts).length &&
                               Object.values(somaBoard.charts).every(c => Object.keys(c.series).length === somaBoard.runs.length)`, 240000);
console.log(`all ${shown[0]} runs selected, every chart redrawn: ${Date.now() - all} ms; server CPU ${(cpu() - cpuAll).toFixed(2)} s`);
const idle = cpu(), idleFetches = await evaluate("somaBoard.fetches"), idlePolls = await evaluate("somaBoard.polls");
await new Promise(resolve => setTimeout(resolve, 5000));
console.log(`5 s of polls with nothing new (all runs drawn): server CPU ${(cpu() - idle).toFixed(2)} s, ` +
            `${await evaluate("somaBoard.polls") - idlePolls} polls, ${await evaluate("somaBoard.fetches") - idleFetches} chart fetches`);
const run = await evaluate("somaBoard.runs[0].name");
const n = await evaluate(`somaBoard.charts["steps/loss"].series["${run}"].n`);
const appended = Date.now();
appendFileSync(`${runsDir}/${run}/steps.csv`, `${n + 1},999,0.0123,0.99\n`);
await until("the appended line", `somaBoard.charts["steps/loss"].series["${run}"].n === ${n + 1}`, 30000);
console.log(`a line appended to ${run}/steps.csv shown after ${Date.now() - appended} ms (with all runs drawn)`);
process.exit(0);
