-- Users. Timestamps are microseconds since the Unix epoch (UTC) in a plain integer, the
-- one representation both SQLite and PostgreSQL store and compare the same way.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    username      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    full_name     TEXT,
    created_at    INTEGER NOT NULL
);

-- Usernames are unique ignoring case, but shown as the user typed them.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
