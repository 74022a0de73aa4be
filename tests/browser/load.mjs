// Measures a large report in headless Chromium: load time (navigation to
// the load event), the time a filter takes, and opening one decision from
// the index (its compressed chunk). Used for docs/report.md:
//
//   cargo bench -p writ-report --bench report        # writes target/report-bench.html
//   node tests/browser/load.mjs target/report-bench.html
import { chromium } from "playwright-core";
import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";

const path = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const url = pathToFileURL(path).href;
const outside = [];
page.on("request", (r) => { if (r.url() !== url) { outside.push(r.url()); } });
let t = Date.now();
await page.goto(url, { waitUntil: "load" });
const load = Date.now() - t;
const rows = await page.$$eval("tr[data-outcome]", (rs) => rs.length);
t = Date.now();
await page.selectOption("select[name=outcome]", "deny");
const shown = await page.textContent("#shown");
const filter = Date.now() - t;
await page.selectOption("select[name=outcome]", "");
const pick = Math.floor(rows / 2);
t = Date.now();
await page.goto(url + "#d" + pick);
await page.waitForSelector(`#d${pick} svg`, { timeout: 10000 });
const open = Date.now() - t;
console.log(JSON.stringify({ bytes: statSync(path).size, rows, load_ms: load, filter_ms: filter,
  shown, open_decision_ms: open, requests_outside: outside.length }));
await browser.close();
if (outside.length) { process.exit(1); }
