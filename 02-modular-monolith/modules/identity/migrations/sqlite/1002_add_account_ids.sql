-- Each account gets an identity that is never reused (`account_id`, a random UUID written by
-- the identity module at registration). Ids are reused when a users database is recreated;
-- this is not, so a service that keeps data per account elsewhere (phase 03's task-service)
-- keys it by this, carried in the token's `acct` claim (ADR 0017). Accounts that existed
-- before get a random one here. SQLite cannot add a NOT NULL column without a constant
-- default; the module always writes one, and the unique index refuses a repeat.
ALTER TABLE identity.users ADD COLUMN account_id TEXT;

UPDATE identity.users SET account_id = lower(hex(randomblob(16))) WHERE account_id IS NULL;

CREATE UNIQUE INDEX identity.users_account_id_key ON users (account_id);
