-- When each periodic job last started, whichever process ran it. Several
-- processes behind a load balancer each tick; the one that moves the date
-- runs the job and the others skip it, so a peer's directory is read and
-- its files copied once per period, not once per process.
CREATE TABLE periodic_runs (
    name TEXT PRIMARY KEY NOT NULL,
    last_started_at TIMESTAMP NOT NULL
);
