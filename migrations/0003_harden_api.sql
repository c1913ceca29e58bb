CREATE TABLE `denied_requests` (
	`window` integer NOT NULL,
	`route` text NOT NULL,
	`reason` text NOT NULL,
	`count` integer NOT NULL,
	`sample_path` text NOT NULL,
	`sample_client` text,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `denied_requests_pk` ON `denied_requests` (`window`,`route`,`reason`);--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `expires_at` integer;