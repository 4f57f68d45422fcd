// End-to-end test of the supervisor dashboard in a real browser: the real ekcd (free loopback ports,
// a temporary data folder), headless Debian Chromium driven by playwright-core, contacts and an
// operator pushed through the gRPC API with ekcctl. It signs in, sees the numbers change, pauses a
// queue, raises a contact's priority and reassigns another from the page, and finds the actions in
// the event log (ekcutl log dump) with the supervisor as their actor. The screenshot is kept as an artefact.
//
// node dashboard_test.cjs --ekcd PATH --ekcctl PATH --ekcutl PATH --config FILE --artefacts DIR
// Exit status 0 when every check passed; every wait is bounded.
"use strict";

const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.EKC_CHROMIUM || "/usr/bin/chromium";
const STEP_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 150_000;

function options() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  for (const key of ["ekcd", "ekcctl", "ekcutl", "config", "artefacts"]) {
    if (!out[key]) throw new Error(`missing --${key}`);
  }
  return out;
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok - ${message}`);
}

// Starts ekcd and resolves with its gRPC and HTTP addresses from the ready line.
function startEkcd(opts, dataDir) {
  const child = spawn(opts.ekcd, ["--config", opts.config, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
    "--data-dir", dataDir], { stdio: ["ignore", "pipe", fs.openSync(`${dataDir}.stderr`, "a")] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("ekcd did not report ready within 30 s")), 30_000);
    readline.createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const grpc = /listening on (\S+)/.exec(line);
      const http = /dashboard http:\/\/([^/\s]+)\//.exec(line);
      if (!grpc || !http) return reject(new Error(`unexpected ready line: ${line}`));
      resolve({ child, grpc: grpc[1], http: http[1] });
    });
    child.once("exit", (code) => reject(new Error(`ekcd exited with ${code}`)));
  });
}

function stop(child, signal = "SIGTERM", timeoutMs = 20_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); }, timeoutMs);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
    child.kill(signal);
  });
}

function ekcctl(opts, grpc, args) {
  const r = spawnSync(opts.ekcctl, ["--target", grpc, "-o", "json", ...args], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`ekcctl ${args.join(" ")} failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n")[0]);
}

async function main() {
  const opts = options();
  fs.mkdirSync(opts.artefacts, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ekc-browser-"));
  const dataDir = path.join(work, "data");
  const profile = path.join(work, "chromium-profile");  // a fresh profile every run
  let daemon = null;
  let operator = null;
  let context = null;
  try {
    daemon = await startEkcd(opts, dataDir);
    console.log(`ekcd: gRPC ${daemon.grpc}, HTTP ${daemon.http}`);

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      locale: "ru-RU",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = context.pages()[0] || await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });

    await page.goto(`http://${daemon.http}/`);
    await page.locator("#sign-in").waitFor({ state: "visible" });
    check(true, "the page asks for a token first");
    await page.fill("#token", "browser-test-token");
    await page.click("#sign-in-form button[type=submit]");
    await page.locator("#link-state[data-state=live]").waitFor();
    check(await page.locator("#whoami").textContent() === "local", "signed in (open mode: as local)");

    const general = page.locator('[data-testid="queue-general"] .tile-waiting');
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-general"] .tile-waiting')?.textContent === "0");
    check(true, "the general queue starts empty");

    // Citizens arrive through the gRPC API.
    const ids = [];
    for (const text of ["Подскажите часы работы МФЦ", "Где получить справку о составе семьи?", "Как записаться на приём?"]) {
      ids.push(ekcctl(opts, daemon.grpc, ["submit", "--channel", "voice", "--region", "77", "--text", text]).contact_id);
    }
    ekcctl(opts, daemon.grpc, ["submit", "--channel", "chat", "--text", "Родила второго ребёнка, как оформить пособие?"]);
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-general"] .tile-waiting')?.textContent === "3");
    check(await general.textContent() === "3", "the general tile shows 3 waiting");
    await page.waitForFunction(() => document.getElementById("total-waiting").textContent === "4");
    check(await page.locator('[data-testid="waiting"] tr[data-contact-id]').count() === 4, "the waiting list has 4 contacts");

    // An operator with the family skill logs in and takes the family contact.
    operator = spawn(opts.ekcctl, ["--target", daemon.grpc, "operator", "--id", "op-anna", "--name", "Анна Смирнова",
      "--skills", "family:8", "--channels", "chat", "--office", "smfc-tverskaya", "--region", "77",
      "--auto-accept", "--handle-s", "600"],
    { stdio: ["pipe", "ignore", "ignore"] });
    const row = page.locator('[data-testid="operators"] tr[data-operator-id="op-anna"]');
    await row.waitFor();
    await page.waitForFunction(() => document.querySelector('tr[data-operator-id="op-anna"]')?.textContent.includes("на линии"));
    check(true, "the operator board shows Анна Смирнова on a call");
    await page.waitForFunction(() => document.getElementById("total-waiting").textContent === "3");
    check(true, "the answered contact left the waiting list");

    // Supervisor actions from the page.
    await page.click('[data-testid="pause-general"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-general"]')?.dataset.paused === "true");
    check(true, "pausing the general queue shows it paused");
    const contactRow = page.locator(`[data-testid="waiting"] tr[data-contact-id="${ids[1]}"]`);
    await contactRow.locator('select[data-action="priority"]').selectOption("PRIORITY_URGENT");
    await page.waitForFunction((id) => document.querySelector(`tr[data-contact-id="${id}"]`)?.textContent.includes("срочный"), ids[1]);
    check(true, "raising a contact to urgent shows on its row");
    // Reassigning goes through a dialog that offers the operators logged in.
    await page.locator(`[data-testid="waiting"] tr[data-contact-id="${ids[2]}"] button[data-action="reassign"]`).click();
    const dialog = page.locator('[data-testid="ask"]');
    await dialog.waitFor({ state: "visible" });
    await dialog.locator('select[data-field="operator_id"]').selectOption("op-anna");
    await dialog.locator('input[data-field="note"]').fill("знает этот вопрос");
    await dialog.locator("#ask-ok").click();
    await dialog.waitFor({ state: "hidden" });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit"] li[data-sequence]').length >= 3);
    const audit = await page.locator('[data-testid="audit"]').textContent();
    check(audit.includes("приостановлена") && audit.includes("срочный") && audit.includes("передано оператору op-anna") &&
      audit.includes("знает этот вопрос"), "the audit panel lists the three actions");
    await page.waitForTimeout(1500);  // let the chart and timers settle for the picture
    const shot = path.join(opts.artefacts, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    check(problems.length === 0, `no script errors on the page${problems.length ? ": " + problems.join("; ") : ""}`);

    await context.close();
    context = null;
    await stop(operator, "SIGINT");
    operator = null;
    await stop(daemon.child);
    daemon = null;

    // The actions are in the log, with the supervisor as their actor.
    const dump = spawnSync(opts.ekcutl, ["log", "dump", "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
    check(dump.status === 0, "ekcutl log dump reads the log");
    const events = dump.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const bySupervisor = events.filter((e) => e.actor && e.actor.kind === "ACTOR_KIND_SUPERVISOR");
    check(bySupervisor.some((e) => e.type === "queue_pause_changed" && e.event.queue === "general" && e.event.paused && e.actor.id === "local"),
      "the log records the pause with the supervisor as actor");
    check(bySupervisor.some((e) => e.type === "contact_priority_changed" && String(e.contact_id) === String(ids[1]) && e.event.priority === "PRIORITY_URGENT"),
      "the log records the priority change with the supervisor as actor");
    check(bySupervisor.some((e) => e.type === "contact_reserved" && String(e.contact_id) === String(ids[2]) &&
      e.event.operator_id === "op-anna" && e.event.note === "знает этот вопрос"),
    "the log records the reassignment with its note");
  } finally {
    if (context) await context.close().catch(() => {});
    if (operator) await stop(operator, "SIGKILL");
    if (daemon) await stop(daemon.child, "SIGKILL");
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const guard = setTimeout(() => { console.error("the test took too long"); process.exit(1); }, TEST_TIMEOUT_MS);
main().then(() => { clearTimeout(guard); console.log("PASS"); }, (e) => {
  clearTimeout(guard);
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
