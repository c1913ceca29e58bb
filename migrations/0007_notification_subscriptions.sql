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
CREATE INDEX `notification_subscriptions_cluster` ON `notification_subscriptions` (`cluster`);