-- The audit log is append-only (ADR 0004). These triggers stop the app, or a
-- stray statement, from rewriting history; they do not stop someone with
-- direct database access, which is what the hash chain is for.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
