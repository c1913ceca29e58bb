CREATE TABLE `notification_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`cluster` text NOT NULL,
	`target` text NOT NULL,
	`event` text NOT NULL,
	`run_id` text,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_status` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_deliveries_cluster` ON `notification_deliveries` (`cluster`,`created_at`);--> statement-breakpoint
CREATE INDEX `notification_deliveries_created` ON `notification_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `notification_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`cluster` text NOT NULL,
	`events` text NOT NULL,
	`kind` text NOT NULL,
	`channel` text,
	`sealed` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_subscriptions_cluster` ON `notification_subscriptions` (`cluster`);--> statement-breakpoint
CREATE TABLE `slack_seen_requests` (
	`signature` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `slack_seen_requests_expiry` ON `slack_seen_requests` (`expires_at`);--> statement-breakpoint
CREATE TABLE `slack_users` (
	`team` text NOT NULL,
	`user` text NOT NULL,
	`role` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slack_users_pk` ON `slack_users` (`team`,`user`);