-- Each account gets an identity that is never reused (`account_id`, a random UUID written by
-- the identity module at registration). Ids are reused when a users database is recreated;
-- this is not, so a service that keeps data per account elsewhere (phase 03's task-service)
-- keys it by this, carried in the token's `acct` claim (ADR 0017). Accounts that existed
-- before get a random one here.
ALTER TABLE identity.users ADD COLUMN account_id TEXT UNIQUE;

UPDATE identity.users SET account_id = gen_random_uuid()::text WHERE account_id IS NULL;

ALTER TABLE identity.users ALTER COLUMN account_id SET NOT NULL;
