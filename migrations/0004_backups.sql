CREATE TABLE `backups` (
	`id` text PRIMARY KEY NOT NULL,
	`cluster` text NOT NULL,
	`revision` integer NOT NULL,
	`host` text NOT NULL,
	`k0s_version` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`contents` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`run_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `backups_cluster` ON `backups` (`cluster`,`created_at`);