// Starts a phase of the workshop from its compiled binaries, on free ports, with fresh
// SQLite files, exactly as a learner would with `cargo run`. Build them first:
// `cargo build --workspace --bins` (the binaries are looked up in target/debug).

import { spawn } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// This folder (import.meta.dirname needs Node 20.11; Debian 12 ships Node 18).
const HERE = dirname(fileURLToPath(import.meta.url));

const ROOT = resolve(HERE, "..", "..");
const BIN = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "debug");
const JWT_SECRET = "e2e-secret-e2e-secret-e2e-secret-e2e";

/** Which processes make up each phase: name, binary, and extra environment. */
const PHASES = {
  "01": (ports, data) => [{ bin: "monolith", port: ports.main, env: { DATABASE_URL: sqlite(data, "app") } }],
  "02": (ports, data) => [{ bin: "modular-monolith", port: ports.main, env: { DATABASE_URL: sqlite(data, "app") } }],
  "03": (ports, data) => [
    { bin: "user-service", port: ports.user, env: { DATABASE_URL: sqlite(data, "users") } },
    { bin: "task-service", port: ports.task, env: { DATABASE_URL: sqlite(data, "tasks") } },
    { bin: "stats-service", port: ports.stats, env: { TASK_SERVICE_URL: `http://127.0.0.1:${ports.task}` } },
    {
      bin: "api-gateway",
      port: ports.main,
      env: {
        USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
        TASK_SERVICE_URL: `http://127.0.0.1:${ports.task}`,
        STATS_SERVICE_URL: `http://127.0.0.1:${ports.stats}`,
      },
    },
  ],
};

function sqlite(folder, name) {
  return `sqlite://${join(folder, `${name}.sqlite3`)}?mode=rwc`;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitForHealth(url, process, deadline = Date.now() + 30_000) {
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`${url}: the process exited with ${process.exitCode}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`${url}/health did not answer 200 within 30 s`);
}

/** Starts phase `name` ("01", "02", "03"); resolves to { url, stop }. */
export async function startPhase(name) {
  const plan = PHASES[name];
  if (!plan) throw new Error(`unknown phase ${name}`);
  const ports = { main: await freePort(), user: await freePort(), task: await freePort(), stats: await freePort() };
  const data = mkdtempSync(join(tmpdir(), `tasktracker-e2e-${name}-`));
  const processes = [];
  try {
    for (const { bin, port, env } of plan(ports, data)) {
      const path = join(BIN, bin);
      if (!existsSync(path)) throw new Error(`${path} is missing: run \`cargo build --workspace --bins\` first`);
      const child = spawn(path, [], {
        env: { ...process.env, ...env, PORT: String(port), JWT_SECRET, RATE_LIMIT_PER_SECOND: "0", RUST_LOG: "warn" },
        stdio: ["ignore", "inherit", "inherit"],
      });
      processes.push(child);
      await waitForHealth(`http://127.0.0.1:${port}`, child);
    }
  } catch (error) {
    processes.forEach((child) => child.kill());
    throw error;
  }
  return {
    url: `http://127.0.0.1:${ports.main}`,
    stop: () => processes.forEach((child) => child.kill("SIGTERM")),
  };
}
