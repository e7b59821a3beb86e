-- Labour tallies (点工汇总中心): trades, crews and workers; day-labour tickets with their lines,
-- transitions and photos; advances and payouts of wages; settlement statements; import jobs.
-- Every table is tenant-owned and follows DESIGN.md (tenant_id leads keys, foreign keys and
-- indexes; RLS enabled and forced). Workers are records, not users: they never sign in.

-- Day length and pay multipliers. No row means the defaults, so no page writes on a GET.
create table labour_settings (
    tenant_id           bigint primary key references tenant (id),
    day_hours           numeric(4, 2) not null default 8 check (day_hours > 0 and day_hours <= 24),
    regular_multiplier  numeric(4, 2) not null default 1 check (regular_multiplier between 0.01 and 10),
    overtime_multiplier numeric(4, 2) not null default 1.5 check (overtime_multiplier between 0.01 and 10),
    rest_day_multiplier numeric(4, 2) not null default 2 check (rest_day_multiplier between 0.01 and 10),
    holiday_multiplier  numeric(4, 2) not null default 3 check (holiday_multiplier between 0.01 and 10),
    updated_at          timestamptz not null default now(),
    updated_by          bigint,
    version             integer not null default 1
);

-- 工种.
create table trade (
    tenant_id  bigint not null references tenant (id),
    id         bigint generated always as identity,
    name_zh    text not null check (length(name_zh) between 1 and 50),
    name_en    text not null default '' check (length(name_en) <= 50),
    active     boolean not null default true,
    sort_order integer not null default 0,
    version    integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, name_zh)
);

-- 班组.
create table crew (
    tenant_id     bigint not null references tenant (id),
    id            bigint generated always as identity,
    name          text not null check (length(name) between 1 and 100),
    -- The foreman who enters the crew's tickets (a user with a login).
    foreman_id    bigint,
    subcontractor text not null default '' check (length(subcontractor) <= 200),
    trade_id      bigint,
    -- How the crew's work is counted: in hours, or in 工日 with half days.
    count_unit    text not null default 'day' check (count_unit in ('hour', 'day')),
    active        boolean not null default true,
    created_at    timestamptz not null default now(),
    created_by    bigint,
    updated_at    timestamptz not null default now(),
    updated_by    bigint,
    version       integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, name),
    foreign key (tenant_id, foreman_id) references app_user (tenant_id, id),
    foreign key (tenant_id, trade_id) references trade (tenant_id, id)
);
create index crew_tenant_id_foreman_idx on crew (tenant_id, foreman_id);

create table worker (
    tenant_id    bigint not null references tenant (id),
    id           bigint generated always as identity,
    name         text not null check (length(name) between 1 and 50),
    -- Resident identity card number (GB 11643), upper-case X; checked before it gets here.
    id_number    text not null check (id_number ~ '^[0-9]{17}[0-9X]$'),
    phone        text not null default '' check (length(phone) <= 30),
    trade_id     bigint not null,
    crew_id      bigint,
    day_rate     numeric(18, 2) not null check (day_rate >= 0 and day_rate <= 100000),
    bank_name    text not null default '' check (length(bank_name) <= 100),
    bank_account text not null default '' check (length(bank_account) <= 40),
    active       boolean not null default true,
    created_at   timestamptz not null default now(),
    created_by   bigint,
    updated_at   timestamptz not null default now(),
    updated_by   bigint,
    version      integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, id_number),
    foreign key (tenant_id, trade_id) references trade (tenant_id, id),
    foreign key (tenant_id, crew_id) references crew (tenant_id, id)
);
create index worker_tenant_id_crew_idx on worker (tenant_id, crew_id, name);

-- 结算单: a crew's confirmed tickets on a project over a period, locked and totalled.
create table labour_settlement (
    tenant_id    bigint not null references tenant (id),
    id           bigint generated always as identity,
    project_id   bigint not null,
    crew_id      bigint not null,
    period_start date not null,
    period_end   date not null,
    status       text not null default 'settled' check (status in ('settled', 'cancelled')),
    total_hours  numeric(14, 2) not null default 0,
    total_days   numeric(14, 2) not null default 0,
    total_amount numeric(18, 2) not null default 0,
    note         text not null default '' check (length(note) <= 2000),
    created_at   timestamptz not null default now(),
    created_by   bigint,
    cancelled_at timestamptz,
    cancelled_by bigint,
    primary key (tenant_id, id),
    check (period_end >= period_start),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, crew_id) references crew (tenant_id, id)
);
create index labour_settlement_tenant_id_project_idx
    on labour_settlement (tenant_id, project_id, period_start desc);

-- 点工单.
create table labour_ticket (
    tenant_id     bigint not null references tenant (id),
    id            bigint generated always as identity,
    project_id    bigint not null,
    ticket_date   date not null,
    crew_id       bigint not null,
    task_id       bigint,
    reason        text not null default '' check (length(reason) <= 500),
    work_content  text not null default '' check (length(work_content) <= 2000),
    count_unit    text not null check (count_unit in ('hour', 'day')),
    status        text not null default 'draft'
                  check (status in ('draft', 'submitted', 'confirmed', 'rejected', 'settled')),
    reject_reason text not null default '' check (length(reject_reason) <= 500),
    -- A correction: this ticket reverses that confirmed one. Both are kept.
    reverses_id   bigint,
    settlement_id bigint,
    -- Totals of the lines, kept with them so lists need not add them up.
    total_hours   numeric(14, 2) not null default 0,
    total_days    numeric(14, 2) not null default 0,
    total_amount  numeric(18, 2) not null default 0,
    created_at    timestamptz not null default now(),
    created_by    bigint,
    updated_at    timestamptz not null default now(),
    updated_by    bigint,
    version       integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, reverses_id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, crew_id) references crew (tenant_id, id),
    foreign key (tenant_id, project_id, task_id) references task (tenant_id, project_id, id)
        on delete set null (task_id),
    foreign key (tenant_id, reverses_id) references labour_ticket (tenant_id, id),
    foreign key (tenant_id, settlement_id) references labour_settlement (tenant_id, id),
    foreign key (tenant_id, created_by) references app_user (tenant_id, id)
);
create index labour_ticket_tenant_id_list_idx
    on labour_ticket (tenant_id, ticket_date desc, id desc);
create index labour_ticket_tenant_id_project_idx
    on labour_ticket (tenant_id, project_id, ticket_date desc, id desc);
create index labour_ticket_tenant_id_crew_idx
    on labour_ticket (tenant_id, crew_id, ticket_date);
-- The dashboard counts tickets waiting for confirmation on every view.
create index labour_ticket_tenant_id_waiting_idx
    on labour_ticket (tenant_id, project_id) where status = 'submitted';
create index labour_ticket_tenant_id_settlement_idx
    on labour_ticket (tenant_id, settlement_id) where settlement_id is not null;

-- A line: a named worker, or an unnamed head count of a trade. Hours, 工日 and amount are the
-- line's totals (for all its heads). Project, date, crew, task and status are copied from the
-- ticket so that summaries over a million lines read one table.
create table labour_ticket_line (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    ticket_id   bigint not null,
    line_no     smallint not null,
    project_id  bigint not null,
    ticket_date date not null,
    crew_id     bigint not null,
    task_id     bigint,
    status      text not null,
    worker_id   bigint,
    trade_id    bigint not null,
    head_count  integer not null default 1 check (head_count between 1 and 1000),
    pay_type    text not null default 'regular'
                check (pay_type in ('regular', 'overtime', 'rest_day', 'holiday')),
    hours       numeric(10, 2) not null,
    days        numeric(10, 2) not null,
    -- The day rate (per person) and the pay type's multiplier, as they were on the day.
    rate        numeric(18, 2) not null check (rate >= 0),
    multiplier  numeric(4, 2) not null check (multiplier > 0),
    amount      numeric(18, 2) not null,
    primary key (tenant_id, id),
    unique (tenant_id, ticket_id, line_no),
    check (worker_id is null or head_count = 1),
    foreign key (tenant_id, ticket_id) references labour_ticket (tenant_id, id) on delete cascade,
    foreign key (tenant_id, worker_id) references worker (tenant_id, id),
    foreign key (tenant_id, trade_id) references trade (tenant_id, id),
    foreign key (tenant_id, project_id, task_id) references task (tenant_id, project_id, id)
        on delete set null (task_id)
);
create index labour_ticket_line_tenant_id_ticket_idx on labour_ticket_line (tenant_id, ticket_id);
create index labour_ticket_line_tenant_id_project_idx
    on labour_ticket_line (tenant_id, project_id, ticket_date)
    include (status, crew_id, worker_id, trade_id, task_id, pay_type, hours, days, amount);
create index labour_ticket_line_tenant_id_date_idx
    on labour_ticket_line (tenant_id, ticket_date)
    include (status, project_id, crew_id, worker_id, trade_id, pay_type, hours, days, amount);
create index labour_ticket_line_tenant_id_worker_idx
    on labour_ticket_line (tenant_id, worker_id, ticket_date) where worker_id is not null;

-- Each worker's month, kept by a trigger on the lines: a year's worker summary for a whole
-- company reads some 60,000 of these instead of half a million lines. Unnamed head counts
-- have no worker and are not here.
create table labour_worker_month (
    tenant_id  bigint not null references tenant (id),
    month      date not null,
    worker_id  bigint not null,
    status     text not null,
    lines      bigint not null default 0,
    head_count bigint not null default 0,
    hours      numeric(16, 2) not null default 0,
    days       numeric(16, 2) not null default 0,
    amount     numeric(20, 2) not null default 0,
    primary key (tenant_id, month, worker_id, status)
);

-- Statement triggers with transition tables: a bulk insert, a status change of a whole
-- ticket or settlement, or a delete updates each worker's month once, not once per line.
create function labour_worker_month_keep() returns trigger language plpgsql as $$
declare
    -- Only the transition tables this event has may be named.
    changed text := case tg_op
        when 'INSERT' then 'select 1 as sign, * from new_rows'
        when 'DELETE' then 'select -1 as sign, * from old_rows'
        else 'select 1 as sign, * from new_rows union all select -1 as sign, * from old_rows'
    end;
begin
    execute format($sql$
        insert into labour_worker_month as m
            (tenant_id, month, worker_id, status, lines, head_count, hours, days, amount)
        select tenant_id, date_trunc('month', ticket_date)::date, worker_id, status,
               sum(sign), sum(sign * head_count), sum(sign * hours), sum(sign * days),
               sum(sign * amount)
        from (%s) changed
        where worker_id is not null
        group by 1, 2, 3, 4
        on conflict (tenant_id, month, worker_id, status) do update
        set lines = m.lines + excluded.lines, head_count = m.head_count + excluded.head_count,
            hours = m.hours + excluded.hours, days = m.days + excluded.days,
            amount = m.amount + excluded.amount
    $sql$, changed);
    return null;
end
$$;

create trigger labour_worker_month_insert after insert on labour_ticket_line
    referencing new table as new_rows
    for each statement execute function labour_worker_month_keep();
create trigger labour_worker_month_update after update on labour_ticket_line
    referencing old table as old_rows new table as new_rows
    for each statement execute function labour_worker_month_keep();
create trigger labour_worker_month_delete after delete on labour_ticket_line
    referencing old table as old_rows
    for each statement execute function labour_worker_month_keep();

-- Who moved a ticket from which status to which, when, and why.
create table labour_ticket_event (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    ticket_id   bigint not null,
    from_status text,
    to_status   text not null,
    note        text not null default '' check (length(note) <= 500),
    at          timestamptz not null default now(),
    by_user     bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references labour_ticket (tenant_id, id) on delete cascade,
    foreign key (tenant_id, by_user) references app_user (tenant_id, id)
);
create index labour_ticket_event_tenant_id_ticket_idx on labour_ticket_event (tenant_id, ticket_id, at);

create table labour_ticket_photo (
    tenant_id    bigint not null references tenant (id),
    id           bigint generated always as identity,
    ticket_id    bigint not null,
    file_name    text not null check (length(file_name) between 1 and 200),
    content_type text not null check (content_type in ('image/jpeg', 'image/png')),
    size         integer not null,
    data         bytea not null,
    thumbnail    bytea not null,
    created_at   timestamptz not null default now(),
    created_by   bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references labour_ticket (tenant_id, id) on delete cascade
);
create index labour_ticket_photo_tenant_id_ticket_idx on labour_ticket_photo (tenant_id, ticket_id);

-- 借支: paid to a worker ahead of wages, deducted from them.
create table labour_advance (
    tenant_id  bigint not null references tenant (id),
    id         bigint generated always as identity,
    project_id bigint not null,
    worker_id  bigint not null,
    paid_on    date not null,
    amount     numeric(18, 2) not null check (amount > 0),
    method     text not null check (method in ('bank', 'cash', 'wechat', 'alipay')),
    note       text not null default '' check (length(note) <= 500),
    created_at timestamptz not null default now(),
    created_by bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, worker_id) references worker (tenant_id, id)
);
create index labour_advance_tenant_id_worker_idx on labour_advance (tenant_id, worker_id, paid_on);
create index labour_advance_tenant_id_project_idx on labour_advance (tenant_id, project_id, paid_on);

-- 发放: wages paid for a month's work.
create table labour_payout (
    tenant_id  bigint not null references tenant (id),
    id         bigint generated always as identity,
    project_id bigint not null,
    worker_id  bigint not null,
    -- The first day of the month whose wages this pays.
    period     date not null check (extract(day from period) = 1),
    paid_on    date not null,
    amount     numeric(18, 2) not null check (amount > 0),
    method     text not null check (method in ('bank', 'cash', 'wechat', 'alipay')),
    reference  text not null default '' check (length(reference) <= 100),
    created_at timestamptz not null default now(),
    created_by bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, worker_id) references worker (tenant_id, id)
);
create index labour_payout_tenant_id_worker_idx on labour_payout (tenant_id, worker_id, paid_on);
create index labour_payout_tenant_id_project_idx on labour_payout (tenant_id, project_id, period);

-- An upload being imported: its progress is committed apart from the rows it imports, which
-- are saved in one transaction only if every row is good.
create table labour_import (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    kind        text not null check (kind in ('workers', 'tickets')),
    file_name   text not null check (length(file_name) <= 200),
    status      text not null default 'running' check (status in ('running', 'done', 'failed')),
    rows_total  integer not null default 0,
    rows_done   integer not null default 0,
    -- [{row, column, message}], at most a few hundred.
    errors      jsonb not null default '[]',
    created_at  timestamptz not null default now(),
    created_by  bigint,
    finished_at timestamptz,
    primary key (tenant_id, id)
);

do $$
declare
    t text;
begin
    foreach t in array array['labour_settings', 'trade', 'crew', 'worker', 'labour_settlement',
        'labour_ticket', 'labour_ticket_line', 'labour_worker_month', 'labour_ticket_event',
        'labour_ticket_photo',
        'labour_advance', 'labour_payout', 'labour_import']
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
-- The trail of a ticket is append-only.
revoke update, delete on labour_ticket_event from girder_app;
grant usage, select on all sequences in schema public to girder_app;

-- Labour cost as the cost centre reads it: confirmed (and settled) tickets by project, task and
-- month. security_invoker keeps row-level security in force for whoever reads the view.
create view labour_cost with (security_invoker = true) as
select tenant_id,
       project_id,
       task_id,
       date_trunc('month', ticket_date)::date as month,
       sum(hours) as hours,
       sum(days) as days,
       sum(amount) as amount
from labour_ticket_line
where status in ('confirmed', 'settled')
group by tenant_id, project_id, task_id, date_trunc('month', ticket_date);
grant select on labour_cost to girder_app;

-- Every company starts with the usual trades; those that signed up before this module get
-- them here (sign-up adds them for new companies).
do $$
declare
    t record;
begin
    for t in select id from tenant loop
        perform set_config('app.tenant_id', t.id::text, true);
        insert into trade (tenant_id, name_zh, name_en, sort_order)
        select t.id, d.zh, d.en, d.n
        from (values
            (1, '普工', 'General labourer'),
            (2, '木工', 'Carpenter'),
            (3, '钢筋工', 'Steel fixer'),
            (4, '砌筑工', 'Bricklayer'),
            (5, '混凝土工', 'Concrete worker'),
            (6, '架子工', 'Scaffolder'),
            (7, '电工', 'Electrician'),
            (8, '水暖工', 'Plumber'),
            (9, '焊工', 'Welder'),
            (10, '油漆工', 'Painter'),
            (11, '机械操作工', 'Machine operator')
        ) as d(n, zh, en)
        on conflict do nothing;
    end loop;
    perform set_config('app.tenant_id', '', true);
end
$$;
