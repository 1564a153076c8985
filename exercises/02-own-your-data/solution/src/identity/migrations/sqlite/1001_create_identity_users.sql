-- The identity module's users. The table name starts with the module's name, so anyone
-- reading SQL sees whose data it is; only code under src/identity/ may touch it.
-- Migration versions 1001 and up belong to this module (tasks uses 2001 and up).
-- Timestamps are microseconds since the Unix epoch (UTC) in a plain integer.
CREATE TABLE identity_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    username      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    full_name     TEXT,
    created_at    INTEGER NOT NULL
);

-- Usernames are unique ignoring case, but shown as the user typed them.
CREATE UNIQUE INDEX identity_users_username_lower_key ON identity_users (lower(username));
