CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`cluster` text,
	`target` text,
	`outcome` text NOT NULL,
	`details` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_cluster` ON `audit_log` (`cluster`,`seq`);--> statement-breakpoint
CREATE TABLE `cluster_revisions` (
	`cluster` text NOT NULL,
	`revision` integer NOT NULL,
	`source` text NOT NULL,
	`spec` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cluster_revisions_pk` ON `cluster_revisions` (`cluster`,`revision`);--> statement-breakpoint
CREATE TABLE `clusters` (
	`name` text PRIMARY KEY NOT NULL,
	`site` text NOT NULL,
	`current_revision` integer NOT NULL,
	`applied_revision` integer,
	`facts` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clusters_site` ON `clusters` (`site`);--> statement-breakpoint
CREATE TABLE `relays` (
	`name` text PRIMARY KEY NOT NULL,
	`site` text NOT NULL,
	`token_hash` text NOT NULL,
	`online` integer DEFAULT false NOT NULL,
	`last_seen_at` integer,
	`version` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `relays_token_hash_unique` ON `relays` (`token_hash`);--> statement-breakpoint
CREATE INDEX `relays_site` ON `relays` (`site`);--> statement-breakpoint
CREATE TABLE `run_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`at` integer NOT NULL,
	`level` text NOT NULL,
	`type` text NOT NULL,
	`phase` text,
	`host` text,
	`message` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `run_events_run` ON `run_events` (`run_id`,`id`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`phase` text NOT NULL,
	`kind` text NOT NULL,
	`host` text NOT NULL,
	`status` text NOT NULL,
	`exit_code` integer,
	`stdout` text,
	`stderr` text,
	`command` text,
	`error` text,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `run_steps_pk` ON `run_steps` (`run_id`,`step_id`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`cluster` text NOT NULL,
	`operation` text NOT NULL,
	`revision` integer NOT NULL,
	`status` text NOT NULL,
	`plan` text NOT NULL,
	`requested_by` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `runs_cluster` ON `runs` (`cluster`,`created_at`);