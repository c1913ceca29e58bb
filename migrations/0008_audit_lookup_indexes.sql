DROP INDEX `audit_cluster`;--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_target_at` ON `audit_log` (`target`,`at`);--> statement-breakpoint
CREATE INDEX `audit_cluster_at` ON `audit_log` (`cluster`,`at`,`seq`,`actor`,`action`,`outcome`);--> statement-breakpoint
CREATE INDEX `audit_actor_at` ON `audit_log` (`actor`,`at`,`seq`,`action`,`outcome`);--> statement-breakpoint
CREATE INDEX `audit_action_at` ON `audit_log` (`action`,`at`,`seq`,`outcome`);--> statement-breakpoint
CREATE INDEX `audit_outcome_at` ON `audit_log` (`outcome`,`at`);