-- task-service's own table, next to the tasks module's (versions 3001 and up are the
-- service's): which account owns the tasks stored under each `owner_id`. An account is
-- named by the identity its token carries (`acct`), which is never reused; user ids are,
-- once the users database is recreated (ADR 0017).
CREATE TABLE tasks.owners (
    owner_id BIGINT PRIMARY KEY,
    account  TEXT   NOT NULL UNIQUE
);
