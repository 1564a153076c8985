-- The tasks module's tasks; only code under src/tasks/ may touch this table.
-- Each task is owned by one user, but users belong to the identity module: `owner_id` is a
-- plain number with NO foreign key into identity's table. The tasks module checks that the
-- owner exists through its `UserDirectory` seam instead (see src/tasks/mod.rs).
-- The CHECK constraints repeat the domain's rules so that the database refuses bad data
-- even from a buggy writer. Migration versions 2001 and up belong to this module.
CREATE TABLE tasks_tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id    INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    priority    TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    due_date    INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Serves "my tasks, newest first", with or without filters.
CREATE INDEX tasks_tasks_owner_newest_idx ON tasks_tasks (owner_id, created_at DESC, id DESC);
