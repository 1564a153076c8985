-- Users. Timestamps are microseconds since the Unix epoch (UTC) in a BIGINT, the one
-- representation both SQLite and PostgreSQL store and compare the same way (see the
-- phase README: one set of queries serves both databases).
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    username      TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    full_name     TEXT,
    created_at    BIGINT NOT NULL
);

-- Usernames are unique ignoring case, but shown as the user typed them.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
