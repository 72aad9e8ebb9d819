-- Runs once after the schema: puts a first batch of statements into the slow log so the first
-- audit has something to digest. Later batches: see docs/deployment.md (workload.sql).
SOURCE /themis/workload.sql
