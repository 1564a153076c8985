// TaskTracker's web frontend: plain JavaScript, no build step.
//
// It talks only to the public /api/v1 contract, so the same file works unchanged against
// every phase of the workshop. The footer shows which phase answered (from /health) and
// how long the last requests took, as the browser saw them and, from each answer's
// Server-Timing header, where the server spent that time: so the extra network hops of
// phase 03 are visible request by request.

const PAGE_SIZE = 10;
const TOKEN_KEY = "tasktracker.token";

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  skip: 0,
  total: 0,
  timings: [],
};

const $ = (selector) => document.querySelector(selector);

// ---------------------------------------------------------------------------------------
// The API: one function for every call, so timing, auth and errors are handled once.
// ---------------------------------------------------------------------------------------

/** Calls the API; resolves to { ok, status, body } and never throws for HTTP errors. */
async function api(method, path, { json, form } = {}) {
  const headers = {};
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  if (state.token) headers.Authorization = `Bearer ${state.token}`;

  const started = performance.now();
  let response;
  try {
    response = await fetch(path, { method, headers, body });
  } catch (error) {
    recordTiming(method, path, performance.now() - started, null);
    return { ok: false, status: 0, body: { detail: `The server cannot be reached (${error.message}).` } };
  }
  recordTiming(method, path, performance.now() - started, response.headers.get("Server-Timing"));
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text };
  }
  if (response.status === 401 && state.token && !path.startsWith("/api/v1/auth/")) {
    // The token expired or the server restarted with a new secret: back to login.
    endSession("Your session has expired. Please log in again.");
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

/** Keeps the last three requests and shows them in the footer, each with its breakdown. */
function recordTiming(method, path, milliseconds, serverTiming) {
  const total = `${method} ${path.split("?")[0]} ${milliseconds.toFixed(0)} ms`;
  state.timings = [...state.timings, { total, metrics: parseServerTiming(serverTiming) }].slice(-3);
  const lines = state.timings.map(({ total, metrics }) => {
    const line = document.createElement("span");
    line.className = "request";
    line.textContent = total;
    if (metrics.length > 0) {
      const breakdown = document.createElement("span");
      breakdown.className = "breakdown";
      breakdown.textContent = metrics.map(({ name, duration }) => `${name} ${duration.toFixed(1)} ms`).join(" · ");
      line.append(" — server: ", breakdown);
    }
    return line;
  });
  $("#timing").replaceChildren("Last requests:", ...lines);
}

/**
 * The metrics of a Server-Timing header, `gateway;dur=5.1, task-service;dur=3.2, ...`, as
 * [{ name, duration }] in the order the server listed them (callers before what they
 * called). Commas inside a quoted `desc` do not split metrics; metrics without a `dur`
 * are left out. An absent header gives [].
 */
function parseServerTiming(header) {
  if (!header) return [];
  const metrics = header.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  return metrics.flatMap((metric) => {
    const [name, ...parameters] = metric.split(";").map((part) => part.trim());
    const dur = parameters.find((parameter) => /^dur\s*=/i.test(parameter));
    const duration = dur === undefined ? NaN : Number(dur.split("=")[1].trim());
    return name && Number.isFinite(duration) ? [{ name, duration }] : [];
  });
}

// ---------------------------------------------------------------------------------------
// Messages and field errors (RFC 9457 problem documents)
// ---------------------------------------------------------------------------------------

function showMessage(text, kind = "error") {
  const message = $("#message");
  message.textContent = text;
  message.className = kind === "info" ? "info" : "";
  message.hidden = !text;
}

function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((element) => (element.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
  showMessage("");
}

/** Puts each `errors[]` entry next to its field; anything else goes to the message bar. */
function showProblem(form, problem) {
  if (problem?.status === 401 && !state.token) return; // the session ended; login says why
  const errors = Array.isArray(problem?.errors) ? problem.errors : [];
  let placed = 0;
  for (const { field, message } of errors) {
    const slot = form?.querySelector(`[data-error-for="${field}"]`);
    if (slot) {
      slot.textContent = message;
      form.querySelector(`[name="${field}"]`)?.setAttribute("aria-invalid", "true");
      placed += 1;
    }
  }
  if (placed < errors.length || errors.length === 0) {
    showMessage(problem?.detail || problem?.title || "Something went wrong.");
  }
}

// ---------------------------------------------------------------------------------------
// Screens
// ---------------------------------------------------------------------------------------

function startSession(token) {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  showTasksScreen();
}

function endSession(reason) {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("#tasks-screen").hidden = true;
  $("#session").hidden = true;
  $("#auth-screen").hidden = false;
  showMessage(reason || "", "info");
}

async function showTasksScreen() {
  const me = await api("GET", "/api/v1/users/me");
  if (!me.ok) return;
  $("#whoami").textContent = `Signed in as ${me.body.username}`;
  $("#session").hidden = false;
  $("#auth-screen").hidden = true;
  $("#tasks-screen").hidden = false;
  await refresh();
}

async function refresh() {
  await Promise.all([loadTasks(), loadStats()]);
}

async function loadTasks() {
  const query = new URLSearchParams({ skip: state.skip, limit: PAGE_SIZE });
  const status = $("#filter-status").value;
  const priority = $("#filter-priority").value;
  if (status) query.set("status", status);
  if (priority) query.set("priority", priority);
  const result = await api("GET", `/api/v1/tasks?${query}`);
  if (!result.ok) return showProblem(null, result.body);

  state.total = result.body.total;
  const list = $("#task-list");
  list.replaceChildren(...result.body.items.map(renderTask));
  if (result.body.items.length === 0) {
    const empty = document.createElement("li");
    empty.textContent = state.total === 0 ? "No tasks here yet." : "No tasks on this page.";
    list.append(empty);
  }
  const first = state.total === 0 ? 0 : state.skip + 1;
  const last = Math.min(state.skip + PAGE_SIZE, state.total);
  $("#page-info").textContent = `${first}–${last} of ${state.total}`;
  $("#page-prev").disabled = state.skip === 0;
  $("#page-next").disabled = state.skip + PAGE_SIZE >= state.total;
}

const STATUS_NAMES = { todo: "To do", in_progress: "In progress", done: "Done" };

function renderTask(task) {
  const item = document.createElement("li");
  item.className = task.completed ? "done" : "";
  item.dataset.taskId = task.id;

  const title = document.createElement("span");
  title.className = "title";
  title.textContent = task.title; // textContent, never innerHTML: task text is data
  const meta = document.createElement("span");
  meta.className = "meta";
  const due = task.due_date ? ` · due ${new Date(task.due_date).toLocaleString()}` : "";
  meta.textContent = `${STATUS_NAMES[task.status]} · ${task.priority} priority${due}`;
  item.append(title, meta);
  if (task.description) {
    const description = document.createElement("span");
    description.textContent = task.description;
    item.append(description);
  }

  const actions = document.createElement("div");
  actions.className = "actions";
  const button = (label, onClick, className = "secondary") => {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = label;
    element.setAttribute("aria-label", `${label}: ${task.title}`);
    element.addEventListener("click", onClick);
    return element;
  };
  const statusSelect = document.createElement("select");
  statusSelect.setAttribute("aria-label", `Status of ${task.title}`);
  for (const [value, name] of Object.entries(STATUS_NAMES)) {
    statusSelect.append(new Option(name, value, false, value === task.status));
  }
  statusSelect.addEventListener("change", async () => {
    const result = await api("PATCH", `/api/v1/tasks/${task.id}/status`, { json: { status: statusSelect.value } });
    if (!result.ok) showProblem(null, result.body);
    await refresh();
  });
  actions.append(
    button(task.completed ? "Reopen" : "Complete", async () => {
      const result = await api("POST", `/api/v1/tasks/${task.id}/toggle`);
      if (!result.ok) showProblem(null, result.body);
      await refresh();
    }),
    statusSelect,
    button("Edit", () => startEditing(task)),
    button(
      "Delete",
      async () => {
        if (!window.confirm(`Delete "${task.title}"? This cannot be undone.`)) return;
        const result = await api("DELETE", `/api/v1/tasks/${task.id}`);
        if (!result.ok) showProblem(null, result.body);
        await refresh();
      },
      "danger",
    ),
  );
  item.append(actions);
  return item;
}

async function loadStats() {
  const result = await api("GET", "/api/v1/stats");
  if (!result.ok) return;
  const stats = result.body;
  const entries = [
    ["Tasks", stats.total_tasks],
    ["To do", stats.by_status.todo],
    ["In progress", stats.by_status.in_progress],
    ["Done", stats.by_status.done],
    ["High priority", stats.by_priority.high],
    ["Medium priority", stats.by_priority.medium],
    ["Low priority", stats.by_priority.low],
    ["Completed", `${Math.round(stats.completion_rate * 100)}%`],
    ["Overdue", stats.overdue_tasks],
  ];
  $("#stats-list").replaceChildren(
    ...entries.map(([name, value]) => {
      const wrapper = document.createElement("div");
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value;
      detail.dataset.stat = name;
      wrapper.append(term, detail);
      return wrapper;
    }),
  );
}

// ---------------------------------------------------------------------------------------
// The task form: create, or edit an existing task
// ---------------------------------------------------------------------------------------

function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function startEditing(task) {
  const form = $("#task-form");
  clearErrors(form);
  form.elements.id.value = task.id;
  form.elements.title.value = task.title;
  form.elements.description.value = task.description ?? "";
  form.elements.status.value = task.status;
  form.elements.priority.value = task.priority;
  form.elements.due_date.value = toLocalInput(task.due_date);
  $("#task-form-title").textContent = "Edit task";
  $("#task-save").textContent = "Save changes";
  $("#task-cancel").hidden = false;
  form.elements.title.focus();
}

function stopEditing() {
  const form = $("#task-form");
  form.reset();
  form.elements.id.value = "";
  $("#task-form-title").textContent = "New task";
  $("#task-save").textContent = "Add task";
  $("#task-cancel").hidden = true;
}

async function saveTask(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const fields = form.elements;
  const task = {
    title: fields.title.value,
    description: fields.description.value === "" ? null : fields.description.value,
    status: fields.status.value,
    priority: fields.priority.value,
    due_date: fields.due_date.value ? new Date(fields.due_date.value).toISOString() : null,
  };
  const id = fields.id.value;
  const result = id
    ? await api("PUT", `/api/v1/tasks/${id}`, { json: task })
    : await api("POST", "/api/v1/tasks", { json: task });
  if (!result.ok) return showProblem(form, result.body); // the form keeps what was typed
  stopEditing();
  if (!id) state.skip = 0; // a new task is the newest: show the first page
  await refresh();
}

// ---------------------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const result = await api("POST", "/api/v1/auth/login", {
    form: { username: form.elements.username.value, password: form.elements.password.value },
  });
  if (!result.ok) {
    form.querySelector('[data-error-for="login"]').textContent =
      result.status === 401 ? "Wrong username or password." : "";
    if (result.status !== 401) showProblem(form, result.body);
    return;
  }
  form.elements.password.value = "";
  startSession(result.body.access_token);
}

async function register(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const fields = form.elements;
  const account = {
    email: fields.email.value,
    username: fields.username.value,
    password: fields.password.value,
    full_name: fields.full_name.value || null,
  };
  const created = await api("POST", "/api/v1/auth/register", { json: account });
  if (!created.ok) return showProblem(form, created.body);
  const result = await api("POST", "/api/v1/auth/login", {
    form: { username: account.username, password: account.password },
  });
  if (!result.ok) return showProblem(form, result.body);
  form.reset();
  startSession(result.body.access_token);
}

async function showPhase() {
  const health = await api("GET", "/health");
  const phase = health.body?.phase ?? "unknown";
  const service = health.body?.status ?? `HTTP ${health.status}`;
  $("#phase").textContent = `Phase: ${phase} (${service})`;
}

function main() {
  $("#login-form").addEventListener("submit", login);
  $("#register-form").addEventListener("submit", register);
  $("#task-form").addEventListener("submit", saveTask);
  $("#task-cancel").addEventListener("click", stopEditing);
  $("#logout").addEventListener("click", () => endSession("You are logged out."));
  $("#filters").addEventListener("change", () => {
    state.skip = 0;
    loadTasks();
  });
  $("#page-prev").addEventListener("click", () => {
    state.skip = Math.max(0, state.skip - PAGE_SIZE);
    loadTasks();
  });
  $("#page-next").addEventListener("click", () => {
    state.skip += PAGE_SIZE;
    loadTasks();
  });
  showPhase();
  if (state.token) showTasksScreen();
}

main();
