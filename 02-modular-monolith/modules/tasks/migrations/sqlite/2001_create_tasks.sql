-- The tasks module's tasks, in its own attached database `tasks` (the app attaches it to
-- every connection). Each task is owned by one user, but the users are the identity
-- module's: `owner_id` is a plain reference, with no foreign key (SQLite cannot even
-- declare one across attached databases). The CHECK constraints repeat the domain's rules
-- so that the database refuses bad data even from a buggy writer.
-- Migration versions 2001 and up belong to this module.
CREATE TABLE tasks.tasks (
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
CREATE INDEX tasks.tasks_owner_newest_idx ON tasks (owner_id, created_at DESC, id DESC);
