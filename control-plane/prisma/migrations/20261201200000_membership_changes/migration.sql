-- A member's removal (or move) is announced on the same channel as other credential changes,
-- so every API process ends that person's open event streams of the organization at once
-- (http/live-streams.ts), not only the process that removed them.

CREATE TRIGGER "memberships_credentials_changed"
  AFTER DELETE OR UPDATE OF "organization_id", "user_id" ON "memberships"
  FOR EACH ROW EXECUTE FUNCTION cutline_notify_credentials();
CREATE TRIGGER "memberships_truncated" AFTER TRUNCATE ON "memberships"
  FOR EACH STATEMENT EXECUTE FUNCTION cutline_notify_credentials();
