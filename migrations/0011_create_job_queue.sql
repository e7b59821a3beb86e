-- The job queue: background work (imports now; notifications, reschedules and deliveries
-- later) that outlives the process which started it. Workers claim a job with
-- `for update skip locked` and hold it by a lease (`locked_until`) that a heartbeat renews; a
-- job whose lease ran out lost its process and is claimed again, or failed once its attempts
-- are spent.
--
-- A cross-tenant table, like `session`: workers claim across tenants, so it has no row-level
-- security and is reached only through src/db/job_queue.rs. Each row carries its tenant, and
-- the job's own work runs in a transaction bound to that tenant.
create table job (
    id           bigint generated always as identity primary key,
    tenant_id    bigint not null references tenant (id) on delete cascade,
    kind         text not null check (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    status       text not null default 'queued'
                 check (status in ('queued', 'running', 'done', 'failed')),
    -- What the job works on: small and structured; `data` holds a file it needs (an upload),
    -- removed when the job ends.
    payload      jsonb not null default '{}',
    data         bytea,
    attempts     integer not null default 0 check (attempts >= 0),
    max_attempts integer not null default 3 check (max_attempts between 1 and 100),
    -- Not claimed before this (a retry waits a little).
    run_after    timestamptz not null default now(),
    -- The claim: who holds it (one value per claim) and until when, renewed while it runs.
    locked_by    text,
    locked_until timestamptz,
    -- Why the last attempt failed, or why the job was given up (for operators; the feature
    -- shows its own message).
    error        text check (length(error) <= 2000),
    created_at   timestamptz not null default now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    check ((status = 'running') = (locked_until is not null))
);
-- Claims scan only jobs not yet ended.
create index job_pending_idx on job (run_after, id) where status in ('queued', 'running');
create index job_tenant_idx on job (tenant_id, id);
create index job_finished_idx on job (finished_at) where status in ('done', 'failed');

grant select, insert, update, delete on job to girder_app;
grant usage, select on all sequences in schema public to girder_app;

-- A labour import waits in the queue before a worker starts it.
alter table labour_import drop constraint labour_import_status_check;
alter table labour_import add constraint labour_import_status_check
    check (status in ('queued', 'running', 'done', 'failed'));

-- Imports still `running` belong to a process that is gone (the server stops to migrate):
-- end them with the message their page shows. The table forces row-level security even on
-- its owner, which migrates, so that is lifted for this one statement.
alter table labour_import no force row level security;
update labour_import
set status = 'failed',
    finished_at = now(),
    errors = '[{"row": 0, "column": "", "message": "labour_import.failed_stopped", "args": {}}]'
where status = 'running';
alter table labour_import force row level security;
