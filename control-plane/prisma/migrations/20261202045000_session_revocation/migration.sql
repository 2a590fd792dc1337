-- A password reset (users.sessions_valid_from) is announced like other credential changes,
-- for each organization the user belongs to, so every API process ends the user's open event
-- streams at once (http/live-streams.ts).

CREATE FUNCTION cutline_notify_user_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  org uuid;
BEGIN
  FOR org IN SELECT organization_id FROM memberships WHERE user_id = NEW.id LOOP
    PERFORM pg_notify('cutline_credentials', org::text);
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "users_sessions_revoked"
  AFTER UPDATE OF "sessions_valid_from" ON "users"
  FOR EACH ROW WHEN (NEW."sessions_valid_from" IS DISTINCT FROM OLD."sessions_valid_from")
  EXECUTE FUNCTION cutline_notify_user_sessions();
