CREATE TABLE `certificates` (
	`cluster` text NOT NULL,
	`host` text NOT NULL,
	`path` text NOT NULL,
	`subject` text NOT NULL,
	`issuer` text NOT NULL,
	`sans` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`is_ca` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`run_id` text NOT NULL,
	`observed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_pk` ON `certificates` (`cluster`,`host`,`path`);--> statement-breakpoint
CREATE INDEX `certificates_expiry` ON `certificates` (`cluster`,`not_after`);