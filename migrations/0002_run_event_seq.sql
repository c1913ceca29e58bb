ALTER TABLE `run_events` ADD `seq` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `run_events_seq` ON `run_events` (`run_id`,`seq`);