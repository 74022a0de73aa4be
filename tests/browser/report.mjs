// Loads writ's HTML report (and an `explain --format html` page built from
// a hostile proof) in headless Chromium and checks the DOM.
//
//   node report.mjs REPORT.html ATTACK.html EXPECTED.json SHOTS_DIR [INDEXED.html]
//
// INDEXED.html: the same report written in its large-report form (sections
// compressed in the page, opened from the index).
// EXPECTED.json: {"decisions": [{"change": "PR-101", "outcome": "pending"}, …]},
// taken by the caller from the ledgers (not from the page). Fails (exit 1)
// on any request that is not the file itself, any console error (a CSP
// violation is one), or a DOM that does not say what the ledgers say.
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's package).
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [reportPath, attackPath, expectedPath, shots, indexedPath] = process.argv.slice(2);
if (!shots) {
  console.error("usage: node report.mjs REPORT.html ATTACK.html EXPECTED.json SHOTS_DIR");
  process.exit(2);
}
const expected = JSON.parse(readFileSync(expectedPath, "utf8"));
mkdirSync(shots, { recursive: true });

const failures = [];
function check(ok, what) {
  if (!ok) { failures.push(what); console.error("FAIL: " + what); } else { console.log("ok: " + what); }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  // playwright starts Chromium with a fresh, empty profile of its own.
});

async function open(path, width, height) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const url = pathToFileURL(path).href;
  const outside = [];
  const errors = [];
  page.on("request", (r) => { if (r.url() !== url) { outside.push(r.url()); } });
  page.on("console", (m) => { if (m.type() === "error") { errors.push(m.text()); } });
  page.on("pageerror", (e) => errors.push(String(e)));
  // Anything but the file itself is refused before it leaves.
  await context.route("**/*", (route) =>
    route.request().url() === url ? route.continue() : route.abort());
  const started = Date.now();
  await page.goto(url, { waitUntil: "load" });
  const loadMs = Date.now() - started;
  return { context, page, outside, errors, loadMs };
}

// ---- the report --------------------------------------------------------
const r = await open(reportPath, 1280, 900);
const page = r.page;
const sections = await page.$$eval("section.decision", (ss) =>
  ss.map((s) => ({ id: s.id, change: s.dataset.change, outcome: s.dataset.outcome })));
check(sections.length === expected.decisions.length,
  `every decision has a section (${sections.length} of ${expected.decisions.length})`);
const key = (d) => d.change + " " + d.outcome;
const got = sections.map(key).sort();
const want = expected.decisions.map(key).sort();
check(JSON.stringify(got) === JSON.stringify(want),
  `the sections' changes and outcomes are the ledgers' (${got.join(", ")})`);

// Witness paths: every path a section lists as drawn has its edges in the SVG.
const paths = await page.$$eval("section.decision", (ss) => ss.map((s) => {
  const listed = [...s.querySelectorAll("ol.paths > li")];
  const drawn = listed.filter((li) => !li.querySelector("em"));
  const missing = drawn.filter((li) =>
    s.querySelectorAll(`svg .edge.witness[data-paths~="${li.dataset.path}"] path`).length === 0);
  return { change: s.dataset.change, listed: listed.length, drawn: drawn.length, missing: missing.length,
    touched: s.querySelectorAll("svg .node.touched").length };
}));
check(paths.every((p) => p.missing === 0), "every witness path listed as drawn has its edges in the graph");
check(paths.filter((p) => p.drawn > 0).length >= 1 &&
  (await page.$$("svg .edge.witness path")).length > 0, "witness paths are drawn");
check(paths.every((p) => p.touched > 0), "every decision's graph marks the nodes its change touches");

// The overview.
const overview = await page.textContent("section.overview");
for (const words of ["Decisions over time", "Pending changes", "Services most often reached",
  "Checks that fail most", "Follow-ups owed after emergencies", "Verification"]) {
  check(overview.includes(words), `the overview has “${words}”`);
}
check((await page.$$("svg .bar")).length > 0, "the chart of decisions over time has bars");
await page.screenshot({ path: join(shots, "report-overview.png") });

// Filters.
const visible = () => page.$$eval("section.decision", (ss) => ss.filter((s) => !s.hidden).map((s) => s.dataset));
await page.selectOption("select[name=outcome]", "deny");
let shown = await visible();
const denies = expected.decisions.filter((d) => d.outcome === "deny").length;
check(shown.length === denies && shown.every((d) => d.outcome === "deny"),
  `the outcome filter shows the ${denies} denied decision(s) only`);
check((await page.textContent("#shown")).startsWith(`${denies} of ${sections.length}`), "the count says how many are shown");
await page.selectOption("select[name=outcome]", "");
await page.selectOption("select[name=service]", "payments");
shown = await visible();
check(shown.length > 0 && shown.length < sections.length &&
  shown.every((d) => d.services.split(" ").includes("payments")), "the service filter keeps the decisions that reach payments");
await page.selectOption("select[name=service]", "");
await page.fill("input[name=q]", "PR-103");
shown = await visible();
check(shown.length === expected.decisions.filter((d) => d.change === "PR-103").length &&
  shown.every((d) => d.change === "PR-103"), "searching PR-103 shows its decisions only");
const person = await page.$eval("select[name=person] option:nth-child(2)", (o) => o.value);
await page.fill("input[name=q]", "");
await page.selectOption("select[name=person]", person);
shown = await visible();
check(shown.length > 0 && shown.every((d) => d.people.split(" ").includes(person)), `the person filter (${person})`);
await page.selectOption("select[name=person]", "");
const team = await page.$eval("select[name=team] option:nth-child(2)", (o) => o.value).catch(() => null);
check(team !== null, "teams are offered as a filter");
if (team) {
  await page.selectOption("select[name=team]", team);
  shown = await visible();
  check(shown.length > 0 && shown.every((d) => d.teams.split(" ").includes(team)), `the team filter (${team})`);
  await page.selectOption("select[name=team]", "");
}
shown = await visible();
check(shown.length === sections.length, "clearing the filters shows every decision again");

// Highlight a witness path of the decision that draws the most paths.
const richest = paths.map((p, i) => [p.drawn, -i]).sort((a, b) => b[0] - a[0] || b[1] - a[1])[0][1] * -1;
const target = page.locator("section.decision").nth(richest);
await target.evaluate((s) => { s.querySelector("details.paths").open = true; });
await target.scrollIntoViewIfNeeded();
const button = target.locator("button.path-button").first();
await button.click();
check(await button.getAttribute("aria-pressed") === "true", "a witness path's button is pressed");
check(await target.locator("svg .edge.hl").count() > 0, "pressing it highlights the path's edges");
await button.click();
check(await target.locator("svg .edge.hl").count() === 0, "pressing it again clears the highlight");

// Screenshots for the docs: the sticky filter bar is let go first (through
// the CSSOM, which the page's CSP allows), each capped at 1,600 px.
await page.evaluate(() => { document.getElementById("filters").style.position = "static"; });
async function shot(locator, file) {
  // rendered now, not when scrolled to (content-visibility: auto)
  await locator.evaluate((el) => { el.style.contentVisibility = "visible"; });
  await locator.scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const box = await locator.boundingBox();
  await page.screenshot({ path: join(shots, file), fullPage: true,
    clip: { x: box.x - 8, y: box.y - 8 + (await page.evaluate(() => window.scrollY)),
      width: box.width + 16, height: Math.min(box.height + 16, 1600) } });
}
const sectionOf = (change, outcome) =>
  page.locator(`section.decision[data-change="${change}"][data-outcome="${outcome}"]`).last();
const allowed = sectionOf("PR-103", "allow");
await allowed.locator("button.path-button").first().click();
await shot(allowed, "report-decision.png");
await shot(sectionOf("PR-104", "allow"), "report-emergency.png");

// Nothing left the file; no CSP violation or script error.
await page.emulateMedia({ media: "print" });
await page.pdf().catch(() => {}); // prints (headless Chromium supports it); not kept
check(r.outside.length === 0, `no request leaves the file (${r.outside.join(", ") || "none"})`);
check(r.errors.length === 0, `no console error or CSP violation (${r.errors.join(" | ") || "none"})`);
console.log(`report: ${sections.length} sections, loaded in ${r.loadMs} ms`);
await r.context.close();

// ---- a hostile proof, rendered by writ explain --format html ------------
const a = await open(attackPath, 1280, 900);
const pwned = await a.page.evaluate(() => window.__pwned);
check(pwned === undefined, "strings holding <script> and on-handlers render inert");
const text = await a.page.textContent("body");
check(text.includes("<script>window.__pwned=1</script>"), "the hostile strings are shown as text");
check((await a.page.$$("script")).length === 1, "the page has its one script only");
check(a.outside.length === 0, `the hostile page makes no request (${a.outside.join(", ") || "none"})`);
await a.context.close();
// ---- the large-report form: an index, sections opened on demand ----------
if (indexedPath) {
  const x = await open(indexedPath, 1280, 900);
  const rows = await x.page.$$eval("tr[data-outcome]", (rs) => rs.map((r) => r.dataset.change + " " + r.dataset.outcome).sort());
  check(JSON.stringify(rows) === JSON.stringify(want), "index form: one index row per decision, with its outcome");
  check(await x.page.$$eval("section.decision", (ss) => ss.length) === 0, "index form: no section is laid out at load");
  await x.page.selectOption("select[name=outcome]", "deny");
  check((await x.page.textContent("#shown")).startsWith(`${denies} of ${expected.decisions.length}`), "index form: the filter counts index rows");
  await x.page.selectOption("select[name=outcome]", "");
  const link = x.page.locator("tr[data-outcome] a").last();
  const anchor = (await link.getAttribute("href")).slice(1);
  await link.click();
  await x.page.waitForSelector(`section#${anchor} svg .node.touched`, { timeout: 10000 });
  check(await x.page.locator(`section#${anchor}`).isVisible(), "index form: picking a decision opens its section, graph drawn");
  check(x.outside.length === 0, `index form: no request leaves the file (${x.outside.join(", ") || "none"})`);
  check(x.errors.length === 0, `index form: no console error (${x.errors.join(" | ") || "none"})`);
  await x.context.close();
}
await browser.close();

if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all browser checks passed");
