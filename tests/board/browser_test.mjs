// The dashboard in a real browser: starts headless Chromium (cdp.mjs), opens `soma board`'s
// page, and checks through the DOM and the page's hook window.somaBoard that the fixture's runs, series, last values, pictures and config diff
// are shown, and that lines appended to a run's steps.csv and metrics.csv appear without a
// reload. Saves a screenshot (docs/board.md shows it).
// Usage: node browser_test.mjs CHROMIUM PAGE_URL RUNS_DIR PROFILE_DIR SCREENSHOT
import {appendFileSync, writeFileSync} from "node:fs";

import {fail, openBrowser} from "./cdp.mjs";

const [browser, pageUrl, runsDir, profile, screenshot] = process.argv.slice(2);
const {send, evaluate, until} = await openBrowser(browser, profile);
const expectEqual = (what, got, want) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) fail(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  console.log(`ok: ${what} = ${JSON.stringify(got)}`);
};

await send("Page.navigate", {url: pageUrl});
await until("the page's first charts", "window.somaBoard && somaBoard.ready && somaBoard.fetches > 0", 20000);

// The runs, newest first as the server sorts them, with their status and final metrics.
const runs = await evaluate(`[...document.querySelectorAll("#runs li")].map(li => [li.dataset.run,
                              li.querySelector(".status").textContent])`);
expectEqual("runs and statuses", runs, [["malformed", "stopped"], ["dqn", "finished"], ["gan", "finished"],
                                        ["classifier", "finished"]]);
expectEqual("classifier's final val_accuracy", await evaluate(`document.querySelector('#runs li[data-run="classifier"] .final').textContent.includes("val_accuracy 0.75")`), true);
expectEqual("malformed run's error", await evaluate(`document.querySelector('#runs li[data-run="malformed"] .error').textContent`),
            "metrics.csv line 4: expected a number, found 'garbage'");

// A chart per scalar, each run's series in it, and the last values as the files hold them.
const charts = await evaluate("Object.keys(somaBoard.charts)");
for (const key of ["steps/loss", "steps/d_loss", "steps/episode_return", "metrics/val_accuracy", "metrics/loss"])
  if (!charts.includes(key)) fail(`no chart ${key} among ${charts}`);
console.log(`ok: ${charts.length} charts`);
expectEqual("loss chart's runs", await evaluate(`Object.keys(somaBoard.charts["steps/loss"].series).sort()`),
            ["classifier", "dqn", "malformed"]);
expectEqual("classifier's last loss", await evaluate(`somaBoard.charts["steps/loss"].series.classifier.last`), 0.25);
expectEqual("dqn's episode returns", await evaluate(`somaBoard.charts["steps/episode_return"].series.dqn.n`), 4);
expectEqual("drawn canvases", await evaluate(`document.querySelectorAll("#charts canvas").length >= ${charts.length}`), true);
expectEqual("loss chart title shows the last value",
            await evaluate(`document.querySelector('[data-chart="steps/loss"] h3').textContent.includes("classifier 0.25")`), true);

// The GAN's samples, at the last epoch, loaded.
await until("the GAN's sample grid", `(() => { const img = document.querySelector('[data-tag="samples"] img');
                                               return img && img.complete && img.naturalWidth > 0; })()`, 5000);
expectEqual("sample grid epoch", await evaluate(`document.querySelector('[data-tag="samples"] h3').textContent.trim()`),
            "samples: epoch 2");

// The config diff of the two newest runs.
await evaluate(`(() => { document.getElementById("diff-a").value = "classifier"; document.getElementById("diff-b").value = "gan";
                         document.getElementById("diff-b").dispatchEvent(new Event("change")); })()`);
await until("the config diff", `somaBoard.diff && somaBoard.diff.runs.join() === "classifier,gan"`, 5000);
expectEqual("config diff", await evaluate("somaBoard.diff.keys"),
            ["learner.k", "learner.type", "loss", "model.layers.0", "model.layers.1.out", "model.layers.1.type", "optimizer.lr", "seed"]);
expectEqual("config diff table header", await evaluate(`[...document.querySelectorAll("#diff tr:first-child td")].map(td => td.textContent)`),
            ["key", "classifier", "gan"]);

await send("Page.captureScreenshot", {format: "png"}).then(answer => {
  writeFileSync(screenshot, Buffer.from(answer.result.data, "base64"));
  console.log(`ok: screenshot ${screenshot}`);
});

// Smoothing: the slider at 0.9 redraws the loss debiased: its first point is the raw one, the
// later ones are averaged, the title keeps the raw last value.
const lossData = `(() => { const p = somaBoard.charts["steps/loss"].plot;
                            return p.data[p.series.findIndex(s => s.label === "classifier")].filter(v => v != null); })()`;
const raw = await evaluate(lossData);
await evaluate(`(() => { const s = document.getElementById("smooth"); s.value = "0.9"; s.dispatchEvent(new Event("input")); })()`);
const smoothed = (await until("the smoothed loss", `(() => { const d = ${lossData}; return d[5] !== ${raw[5]} && d; })()`, 5000)).value;
let s = 0, w = 1;
const expected = raw.map(y => (s = 0.9 * s + 0.1 * y, w *= 0.9, s / (1 - w)));
if (smoothed.length !== raw.length || smoothed.some((v, i) => Math.abs(v - expected[i]) > 1e-9))
  fail(`smoothed loss ${smoothed.slice(0, 4)}... is not the debiased EMA ${expected.slice(0, 4)}...`);
console.log(`ok: smoothing 0.9 draws the debiased EMA (first point ${smoothed[0]} = raw ${raw[0]})`);
expectEqual("title keeps the raw last loss",
            await evaluate(`document.querySelector('[data-chart="steps/loss"] h3').textContent.includes("classifier 0.25")`), true);

// Live: a new step and a new epoch appended while the page is open.
const before = await evaluate(`somaBoard.charts["steps/loss"].series.classifier.n`);
appendFileSync(`${runsDir}/classifier/steps.csv`, "41,1,0.123456,0.9\n");
const live = await until("the appended step", `somaBoard.charts["steps/loss"].series.classifier.last === 0.123456 &&
                                               somaBoard.charts["steps/loss"].series.classifier.n === ${before + 1}`, 5000);
console.log(`ok: the appended step appeared after ${live.ms} ms`);
appendFileSync(`${runsDir}/classifier/metrics.csv`, "2,60,0.2,0.9,0.3,0.875\n");
await until("the appended epoch", `document.querySelector('#runs li[data-run="classifier"] .final').textContent.includes("val_accuracy 0.875")`, 5000);
console.log("ok: the appended epoch appeared in the run list");

// The x axis by wall time (times.csv) on a log scale: the classifier's 40 steps lie at 0.05 .. 2 s.
await evaluate(`(() => { const x = document.getElementById("x-axis"); x.value = "time"; x.dispatchEvent(new Event("change"));
                         const log = document.getElementById("log-x"); log.checked = true; log.dispatchEvent(new Event("change")); })()`);
const timeAxis = await until("the wall-time axis", `(() => { const p = somaBoard.charts["steps/accuracy"].plot;
  return p && p.scales.x.distr === 3 && p.data[0].length === 40 && [p.data[0][0], p.data[0][39]]; })()`, 5000);
expectEqual("accuracy chart's wall-time x range", timeAxis.value, [0.05, 2]);
expectEqual("polls kept the page", await evaluate("somaBoard.error"), "");
console.log("PASS");
process.exit(0);
