-- Tells every API process, at commit, which organization's credentials or standing changed,
-- so verified API keys can be kept between requests (db/credential-changes.ts): an API key's
-- revocation, scopes or secret, and its organization's plan, suspension or subscription.
-- The payload is the organization's id; an empty payload (TRUNCATE) means "all of them".
-- api_keys.last_used_at changes on use and is left out.

CREATE FUNCTION cutline_notify_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('cutline_credentials', '');
  ELSIF TG_TABLE_NAME = 'organizations' THEN
    PERFORM pg_notify('cutline_credentials', COALESCE(NEW.id, OLD.id)::text);
  ELSE
    PERFORM pg_notify('cutline_credentials', COALESCE(NEW.organization_id, OLD.organization_id)::text);
    IF TG_OP = 'UPDATE' AND NEW.organization_id IS DISTINCT FROM OLD.organization_id THEN
      PERFORM pg_notify('cutline_credentials', OLD.organization_id::text);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "api_keys_credentials_changed"
  AFTER INSERT OR DELETE OR UPDATE OF "organization_id", "prefix", "secret_hash", "scopes", "revoked_at" ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION cutline_notify_credentials();
CREATE TRIGGER "organizations_credentials_changed"
  AFTER UPDATE OR DELETE ON "organizations"
  FOR EACH ROW EXECUTE FUNCTION cutline_notify_credentials();
CREATE TRIGGER "subscriptions_credentials_changed"
  AFTER INSERT OR UPDATE OR DELETE ON "subscriptions"
  FOR EACH ROW EXECUTE FUNCTION cutline_notify_credentials();

CREATE TRIGGER "api_keys_truncated" AFTER TRUNCATE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION cutline_notify_credentials();
CREATE TRIGGER "organizations_truncated" AFTER TRUNCATE ON "organizations"
  FOR EACH STATEMENT EXECUTE FUNCTION cutline_notify_credentials();
CREATE TRIGGER "subscriptions_truncated" AFTER TRUNCATE ON "subscriptions"
  FOR EACH STATEMENT EXECUTE FUNCTION cutline_notify_credentials();
