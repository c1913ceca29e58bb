CREATE TABLE `schedules` (
	`cluster` text PRIMARY KEY NOT NULL,
	`policy` text NOT NULL,
	`state` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`endpoint_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`run_id` text NOT NULL,
	`status` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_pk` ON `webhook_deliveries` (`endpoint_id`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received` ON `webhook_deliveries` (`received_at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`cluster` text NOT NULL,
	`action` text NOT NULL,
	`revision` integer,
	`scheme` text NOT NULL,
	`secret_box` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhooks_cluster` ON `webhooks` (`cluster`);