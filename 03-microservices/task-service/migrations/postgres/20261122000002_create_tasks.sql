-- Tasks, each owned by one user. `owner_id` is a plain reference to an account in
-- user-service's database: no foreign key can cross databases. The CHECK constraints
-- repeat the domain's rules so that the database refuses bad data even from a buggy writer.
CREATE TABLE tasks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id    BIGINT NOT NULL,
    title       TEXT   NOT NULL,
    description TEXT,
    status      TEXT   NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    priority    TEXT   NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    due_date    BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Serves "my tasks, newest first", with or without filters.
CREATE INDEX tasks_owner_newest_idx ON tasks (owner_id, created_at DESC, id DESC);
