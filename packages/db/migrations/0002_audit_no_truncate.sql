-- TRUNCATE bypasses row triggers; refuse it too, so emptying the log takes deliberately disabling
-- a trigger (which `GET /api/v1/audit/verify` then exposes through the chain head).
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION clos_audit_append_only();
