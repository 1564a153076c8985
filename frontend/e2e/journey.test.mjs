// The whole user journey in a real browser (headless Chromium), against each phase.
// The same test, unchanged, must pass on every phase: the product does not change when
// the architecture does.
//
//   cd frontend/e2e && npm ci && npm test                # phases 01 and 03 (default)
//   E2E_PHASES=01,02,03 npm test                         # choose phases
//
// Screenshots of each screen land in frontend/e2e/screenshots/<phase>/.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startPhase } from "./phases.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const PHASES = (process.env.E2E_PHASES ?? "01,03").split(",").map((p) => p.trim()).filter(Boolean);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Chromium as root in a sandbox-less container, with no background network traffic.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

for (const phase of PHASES) {
  describe(`phase ${phase}`, () => {
    let server;
    let browser;
    let page;
    const shots = join(HERE, "screenshots", phase);
    const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    // The stats panel refreshes alongside the list, so wait for a value instead of reading it.
    const expectStat = (name, value) =>
      page.locator(`[data-stat="${name}"]`, { hasText: new RegExp(`^${value}$`) }).waitFor();

    before(async () => {
      mkdirSync(shots, { recursive: true });
      server = await startPhase(phase);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      page.on("dialog", (dialog) => dialog.accept()); // "Delete …?" confirmations
      await page.goto(server.url);
    });

    after(async () => {
      await browser?.close();
      server?.stop();
    });

    test("the footer names the phase that answers", async () => {
      await page.locator("#phase").filter({ hasText: "(ok)" }).waitFor();
      const footer = await page.locator("#phase").textContent();
      assert.match(footer, new RegExp(`Phase: 0?${phase}`));
      await shot("01-login");
    });

    test("a validation error is shown by its field and keeps the form", async () => {
      await page.fill("#register-email", "ann@example.com");
      await page.fill("#register-username", "ann");
      await page.fill("#register-password", "short");
      await page.click("#register-form button[type=submit]");
      await assert.doesNotReject(page.locator('[data-error-for="password"]').filter({ hasText: "8" }).waitFor());
      assert.equal(await page.inputValue("#register-email"), "ann@example.com");
      assert.equal(await page.inputValue("#register-username"), "ann");
      await shot("02-register-error");
    });

    test("registering logs the user in", async () => {
      await page.fill("#register-password", "correct horse battery");
      await page.click("#register-form button[type=submit]");
      await page.locator("#tasks-screen").waitFor();
      assert.equal(await page.locator("#whoami").textContent(), "Signed in as ann");
      await expectStat("Tasks", "0");
    });

    test("tasks can be created, and the stats follow", async () => {
      const create = async (title, priority, due) => {
        await page.fill("#task-title", title);
        await page.selectOption("#task-priority", priority);
        if (due) await page.fill("#task-due", due);
        await page.click("#task-save");
        await page.locator("#task-list li", { hasText: title }).waitFor();
      };
      await create("Write the README", "high");
      await create("Review the ADRs", "medium");
      await create("Pay the invoice", "low", "2020-01-01T09:00"); // overdue
      await page.locator("#page-info", { hasText: "1–3 of 3" }).waitFor();
      await expectStat("Tasks", "3");
      await expectStat("Overdue", "1");
      await expectStat("High priority", "1");
      await shot("03-tasks");
    });

    test("an invalid task shows the error and keeps what was typed", async () => {
      await page.fill("#task-title", "   ");
      await page.fill("#task-description", "half-typed notes");
      await page.click("#task-save");
      await page.locator('[data-error-for="title"]').filter({ hasText: "empty" }).waitFor();
      assert.equal(await page.inputValue("#task-description"), "half-typed notes");
      await page.fill("#task-description", "");
    });

    test("filters narrow the list", async () => {
      await page.selectOption("#filter-priority", "high");
      await page.locator("#page-info", { hasText: "1–1 of 1" }).waitFor();
      assert.equal(await page.locator("#task-list li").count(), 1);
      await page.selectOption("#filter-priority", "");
      await page.locator("#page-info", { hasText: "1–3 of 3" }).waitFor();
    });

    test("a task can be edited", async () => {
      await page.click('button[aria-label="Edit: Review the ADRs"]');
      assert.equal(await page.inputValue("#task-title"), "Review the ADRs");
      await shot("04-edit");
      await page.fill("#task-title", "Review every ADR");
      await page.click("#task-save");
      await page.locator("#task-list li", { hasText: "Review every ADR" }).waitFor();
    });

    test("toggling and the status menu change the status", async () => {
      await page.click('button[aria-label="Complete: Write the README"]');
      await page.locator('button[aria-label="Reopen: Write the README"]').waitFor();
      await expectStat("Done", "1");
      await page.selectOption('select[aria-label="Status of Pay the invoice"]', "in_progress");
      await expectStat("In progress", "1");
      await expectStat("Completed", "33%");
    });

    test("deleting asks first, then removes the task", async () => {
      await page.click('button[aria-label="Delete: Review every ADR"]');
      await page.locator("#page-info", { hasText: "1–2 of 2" }).waitFor();
      assert.equal(await page.locator("#task-list li", { hasText: "Review every ADR" }).count(), 0);
      await expectStat("Tasks", "2");
    });

    test("pages walk through more tasks than fit on one", async () => {
      // Ten more tasks through the API, with the page's own token.
      await page.evaluate(async () => {
        const token = sessionStorage.getItem("tasktracker.token");
        for (let i = 1; i <= 10; i += 1) {
          await fetch("/api/v1/tasks", {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
            body: JSON.stringify({ title: `Batch task ${i}` }),
          });
        }
      });
      await page.selectOption("#filter-status", "todo");
      await page.selectOption("#filter-status", "");
      await page.locator("#page-info", { hasText: "1–10 of 12" }).waitFor();
      await page.click("#page-next");
      await page.locator("#page-info", { hasText: "11–12 of 12" }).waitFor();
      assert.equal(await page.locator("#task-list li").count(), 2);
      await page.click("#page-prev");
      await page.locator("#page-info", { hasText: "1–10 of 12" }).waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await shot("05-phone");
      await page.setViewportSize({ width: 1100, height: 900 });
    });

    test("an expired session returns to the login screen", async () => {
      await page.evaluate(() => sessionStorage.setItem("tasktracker.token", "expired.or.forged"));
      await page.reload();
      await page.locator("#auth-screen").waitFor();
      await page.locator("#message", { hasText: "session has expired" }).waitFor();
      await shot("06-session-expired");
    });

    test("logging in again shows the same tasks", async () => {
      await page.fill("#login-username", "ann@example.com");
      await page.fill("#login-password", "correct horse battery");
      await page.click("#login-form button[type=submit]");
      await page.locator("#page-info", { hasText: "of 12" }).waitFor();
      const timing = await page.locator("#timing").textContent();
      assert.match(timing, /GET \/api\/v1\/\S+ \d+ ms/);
    });

    test("the footer shows where the server spent each request's time", async () => {
      // From each answer's Server-Timing header: the process that answered first (`app`, or
      // phase 03's `gateway`), then the parts and services behind it, and the database
      // (phase 03: a service's, `task-service.db`).
      const own = phase === "03" ? "gateway" : "app";
      const breakdown = new RegExp(`^GET /api/v1/\\S+ \\d+ ms — server: ${own} \\d+\\.\\d ms · .*\\bdb \\d+\\.\\d ms$`);
      const lines = await page.locator("#timing .request").allTextContents();
      assert.ok(lines.some((line) => breakdown.test(line)), lines.join("\n"));
      await shot("07-server-timing");
    });
  });
}
