-- The identity module's users, in its own schema `identity`. Timestamps are microseconds
-- since the Unix epoch (UTC) in a BIGINT, the one representation both SQLite and
-- PostgreSQL store and compare the same way. Migration versions 1001 and up belong to
-- this module.
CREATE SCHEMA IF NOT EXISTS identity;

CREATE TABLE identity.users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    username      TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    full_name     TEXT,
    created_at    BIGINT NOT NULL
);

-- Usernames are unique ignoring case, but shown as the user typed them.
CREATE UNIQUE INDEX users_username_lower_key ON identity.users (lower(username));
