-- Plans and Progress: working calendars, projects and their members, the WBS with links and
-- computed schedule, baselines, progress updates, warning thresholds, templates, site logs.
-- Every table is tenant-owned and follows DESIGN.md (tenant_id leads keys, foreign keys and
-- indexes; RLS enabled and forced).

create table calendar (
    tenant_id        bigint not null references tenant (id),
    id               bigint generated always as identity,
    name             text not null check (length(name) between 1 and 100),
    -- ISO weekdays that are working days: 1 = Monday … 7 = Sunday.
    working_weekdays smallint[] not null check (cardinality(working_weekdays) between 1 and 7),
    is_default       boolean not null default false,
    created_at       timestamptz not null default now(),
    created_by       bigint,
    updated_at       timestamptz not null default now(),
    updated_by       bigint,
    version          integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);
create unique index calendar_tenant_id_default_idx on calendar (tenant_id) where is_default;

-- Exceptions to the weekly pattern: holidays (working = false) and make-up workdays (调休).
create table calendar_day (
    tenant_id   bigint not null,
    calendar_id bigint not null,
    day         date not null,
    working     boolean not null,
    name        text not null default '' check (length(name) <= 100),
    primary key (tenant_id, calendar_id, day),
    foreign key (tenant_id, calendar_id) references calendar (tenant_id, id) on delete cascade
);

create table project (
    tenant_id        bigint not null references tenant (id),
    id               bigint generated always as identity,
    code             text not null check (length(code) between 1 and 40),
    name             text not null check (length(name) between 1 and 200),
    client           text not null default '' check (length(client) <= 200),
    project_type     text not null default '' check (length(project_type) <= 100),
    location         text not null default '' check (length(location) <= 200),
    contract_amount  numeric(18, 2) not null default 0 check (contract_amount >= 0),
    planned_start    date not null,
    planned_finish   date,
    status           text not null default 'planning'
                     check (status in ('planning', 'active', 'suspended', 'closed')),
    manager_id       bigint,
    calendar_id      bigint not null,
    status_date      date,
    -- Kept by every reschedule, so lists and the dashboard read them without the WBS.
    scheduled_start  date,
    scheduled_finish date,
    percent_complete numeric(5, 2) not null default 0,
    archived_at      timestamptz,
    created_at       timestamptz not null default now(),
    created_by       bigint,
    updated_at       timestamptz not null default now(),
    updated_by       bigint,
    version          integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, code),
    foreign key (tenant_id, manager_id) references app_user (tenant_id, id),
    foreign key (tenant_id, calendar_id) references calendar (tenant_id, id),
    check (planned_finish is null or planned_finish >= planned_start)
);
create index project_tenant_id_status_idx on project (tenant_id, status);
create index project_tenant_id_manager_idx on project (tenant_id, manager_id);

create table project_member (
    tenant_id    bigint not null,
    project_id   bigint not null,
    user_id      bigint not null,
    project_role text not null
                 check (project_role in ('manager', 'planner', 'engineer', 'foreman', 'viewer')),
    added_at     timestamptz not null default now(),
    primary key (tenant_id, project_id, user_id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index project_member_tenant_id_user_idx on project_member (tenant_id, user_id);

create table task (
    tenant_id             bigint not null,
    id                    bigint generated always as identity,
    project_id            bigint not null,
    parent_id             bigint,
    -- Order among siblings; outline numbers (1.2.3) follow from parent and order.
    sort_order            integer not null,
    name                  text not null check (length(name) between 1 and 200),
    duration_days         integer not null default 1 check (duration_days between 0 and 10000),
    milestone             boolean not null default false,
    start_no_earlier_than date,
    deadline              date,
    responsible_id        bigint,
    notes                 text not null default '' check (length(notes) <= 10000),
    -- Weight for progress roll-up; null weighs by duration.
    weight                numeric(10, 2) check (weight >= 0),
    actual_start          date,
    actual_finish         date,
    percent_complete      numeric(5, 2) not null default 0 check (percent_complete between 0 and 100),
    remaining_days        integer check (remaining_days >= 0),
    -- The computed schedule, written back by the scheduler (only rows that changed).
    is_summary            boolean not null default false,
    early_start           date,
    early_finish          date,
    late_start            date,
    late_finish           date,
    total_slack           integer,
    free_slack            integer,
    critical              boolean not null default false,
    created_at            timestamptz not null default now(),
    created_by            bigint,
    updated_at            timestamptz not null default now(),
    updated_by            bigint,
    version               integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, project_id, parent_id) references task (tenant_id, project_id, id),
    foreign key (tenant_id, responsible_id) references app_user (tenant_id, id),
    check (actual_finish is null or actual_start is null or actual_finish >= actual_start)
);
create index task_tenant_id_project_idx on task (tenant_id, project_id, parent_id, sort_order);

create table task_link (
    tenant_id  bigint not null,
    id         bigint generated always as identity,
    project_id bigint not null,
    pred_id    bigint not null,
    succ_id    bigint not null,
    kind       text not null check (kind in ('FS', 'SS', 'FF', 'SF')),
    lag_days   integer not null default 0 check (lag_days between -10000 and 10000),
    primary key (tenant_id, id),
    unique (tenant_id, pred_id, succ_id),
    check (pred_id <> succ_id),
    foreign key (tenant_id, project_id, pred_id) references task (tenant_id, project_id, id) on delete cascade,
    foreign key (tenant_id, project_id, succ_id) references task (tenant_id, project_id, id) on delete cascade
);
create index task_link_tenant_id_project_idx on task_link (tenant_id, project_id);
create index task_link_tenant_id_succ_idx on task_link (tenant_id, succ_id);

create table baseline (
    tenant_id  bigint not null,
    id         bigint generated always as identity,
    project_id bigint not null,
    number     integer not null check (number >= 0),
    name       text not null check (length(name) between 1 and 100),
    created_at timestamptz not null default now(),
    created_by bigint,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, number),
    foreign key (tenant_id, project_id) references project (tenant_id, id)
);

create table baseline_task (
    tenant_id     bigint not null,
    baseline_id   bigint not null,
    task_id       bigint not null,
    start         date not null,
    finish        date not null,
    duration_days integer not null,
    primary key (tenant_id, baseline_id, task_id),
    foreign key (tenant_id, baseline_id) references baseline (tenant_id, id) on delete cascade,
    foreign key (tenant_id, task_id) references task (tenant_id, id) on delete cascade
);

-- Every progress update, kept with who and when.
create table progress_update (
    tenant_id        bigint not null,
    id               bigint generated always as identity,
    project_id       bigint not null,
    task_id          bigint not null,
    status_date      date not null,
    actual_start     date,
    actual_finish    date,
    percent_complete numeric(5, 2) not null check (percent_complete between 0 and 100),
    remaining_days   integer check (remaining_days >= 0),
    comment          text not null default '' check (length(comment) <= 2000),
    created_at       timestamptz not null default now(),
    created_by       bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id, task_id) references task (tenant_id, project_id, id) on delete cascade
);
create index progress_update_tenant_id_task_idx on progress_update (tenant_id, task_id, created_at);
create index progress_update_tenant_id_project_idx on progress_update (tenant_id, project_id, status_date);

-- Days late from which a delay warning is minor, major or critical.
create table warning_threshold (
    tenant_id     bigint not null references tenant (id),
    minor_days    integer not null default 1 check (minor_days >= 1),
    major_days    integer not null default 5,
    critical_days integer not null default 10,
    version       integer not null default 1,
    primary key (tenant_id),
    check (major_days >= minor_days and critical_days >= major_days)
);

-- A tenant's own templates: a project's WBS and links saved as JSON.
create table project_template (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    name        text not null check (length(name) between 1 and 200),
    body        jsonb not null,
    created_at  timestamptz not null default now(),
    created_by  bigint,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

-- Daily site logs (施工日志), one per project and day.
create table site_log (
    tenant_id   bigint not null,
    id          bigint generated always as identity,
    project_id  bigint not null,
    log_date    date not null,
    weather     text not null default '' check (length(weather) <= 100),
    temperature text not null default '' check (length(temperature) <= 40),
    work_done   text not null default '' check (length(work_done) <= 10000),
    problems    text not null default '' check (length(problems) <= 10000),
    created_at  timestamptz not null default now(),
    created_by  bigint,
    updated_at  timestamptz not null default now(),
    updated_by  bigint,
    version     integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, log_date),
    foreign key (tenant_id, project_id) references project (tenant_id, id)
);

create table site_log_crew (
    tenant_id   bigint not null,
    site_log_id bigint not null,
    crew        text not null check (length(crew) between 1 and 100),
    headcount   integer not null check (headcount between 0 and 10000),
    primary key (tenant_id, site_log_id, crew),
    foreign key (tenant_id, site_log_id) references site_log (tenant_id, id) on delete cascade
);

-- Photos live in the database: no file paths to traverse, and backups hold everything.
create table site_log_photo (
    tenant_id    bigint not null,
    id           bigint generated always as identity,
    site_log_id  bigint not null,
    file_name    text not null check (length(file_name) <= 200),
    content_type text not null check (content_type in ('image/jpeg', 'image/png')),
    bytes        bytea not null,
    thumbnail    bytea not null,
    created_at   timestamptz not null default now(),
    created_by   bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, site_log_id) references site_log (tenant_id, id) on delete cascade
);
create index site_log_photo_tenant_id_log_idx on site_log_photo (tenant_id, site_log_id);

do $$
declare
    t text;
begin
    foreach t in array array['calendar', 'calendar_day', 'project', 'project_member', 'task',
        'task_link', 'baseline', 'baseline_task', 'progress_update', 'warning_threshold',
        'project_template', 'site_log', 'site_log_crew', 'site_log_photo']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy tenant_isolation on %I
                using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::bigint)
                with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::bigint)',
            t);
        execute format('grant select, insert, update, delete on %I to girder_app', t);
    end loop;
end
$$;
-- Progress history is append-only.
revoke update, delete on progress_update from girder_app;
grant usage, select on all sequences in schema public to girder_app;
