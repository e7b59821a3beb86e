-- Cost centre (项目成本中心): cost categories, budget versions and their lines, revenue
-- variations, cost entries with attachments, closed periods, estimates to complete, alert
-- thresholds and frozen snapshots of the cost report. Every table is tenant-owned and follows
-- DESIGN.md (tenant_id leads keys, foreign keys and indexes; RLS enabled and forced).

-- 成本科目. The cost elements of 建标〔2013〕44号 plus subcontract, measures and other are
-- seeded with a `builtin` key; categories nest one level (a parent has no parent), which the
-- application checks.
create table cost_category (
    tenant_id  bigint not null references tenant (id),
    id         bigint generated always as identity,
    parent_id  bigint,
    code       text not null check (length(code) between 1 and 20),
    name_zh    text not null check (length(name_zh) between 1 and 50),
    name_en    text not null default '' check (length(name_en) <= 50),
    -- labour, materials, plant, overhead, fees, taxes, subcontract, measures, other. Labour
    -- tickets land on `labour`; builtin categories can be renamed, never removed.
    builtin    text check (builtin in ('labour', 'materials', 'plant', 'overhead', 'fees',
                                       'taxes', 'subcontract', 'measures', 'other')),
    active     boolean not null default true,
    sort_order integer not null default 0,
    version    integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, code),
    unique (tenant_id, builtin),
    check (parent_id is null or parent_id <> id),
    foreign key (tenant_id, parent_id) references cost_category (tenant_id, id)
);
create index cost_category_tenant_id_parent_idx on cost_category (tenant_id, parent_id);

-- 目标成本: number 0 is the original budget, then revisions. The current budget is the
-- approved version with the highest number; at most one draft per project at a time.
create table cost_budget_version (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    project_id        bigint not null,
    number            integer not null check (number >= 0),
    status            text not null default 'draft' check (status in ('draft', 'approved')),
    reason            text not null default '' check (length(reason) <= 1000),
    -- Set when an approved change request made this revision (the changes module).
    change_request_id bigint,
    approved_at       timestamptz,
    approved_by       bigint,
    created_at        timestamptz not null default now(),
    created_by        bigint,
    updated_at        timestamptz not null default now(),
    updated_by        bigint,
    version           integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, number),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, approved_by) references app_user (tenant_id, id),
    check ((status = 'approved') = (approved_at is not null)),
    check (number = 0 or status = 'draft' or length(reason) > 0)
);
create unique index cost_budget_version_one_draft_idx
    on cost_budget_version (tenant_id, project_id) where status = 'draft';

-- A budget line: a category, optionally down to one WBS task.
create table cost_budget_line (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    budget_version_id bigint not null,
    category_id       bigint not null,
    task_id           bigint,
    amount            numeric(18, 2) not null check (amount between 0 and 99999999999.99),
    note              text not null default '' check (length(note) <= 500),
    primary key (tenant_id, id),
    unique nulls not distinct (tenant_id, budget_version_id, category_id, task_id),
    foreign key (tenant_id, budget_version_id) references cost_budget_version (tenant_id, id)
        on delete cascade,
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id),
    -- A task with a budget line in any version is not deleted (approved versions are frozen).
    foreign key (tenant_id, task_id) references task (tenant_id, id)
);
create index cost_budget_line_tenant_id_task_idx
    on cost_budget_line (tenant_id, task_id) where task_id is not null;

-- Revenue side: approved variations (签证、变更) to the contract amount held on the project.
-- The funds module ties them to the income contract; the changes module creates them.
create table revenue_variation (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    project_id        bigint not null,
    number            text not null check (length(number) between 1 and 40),
    title             text not null check (length(title) between 1 and 200),
    amount            numeric(18, 2) not null
                      check (amount between -99999999999.99 and 99999999999.99 and amount <> 0),
    approved_on       date not null,
    change_request_id bigint,
    created_at        timestamptz not null default now(),
    created_by        bigint,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, number),
    foreign key (tenant_id, project_id) references project (tenant_id, id)
);

-- An actual cost: an invoice, a receipt, a cost transfer. `amount` excludes VAT (input VAT is
-- recoverable for a general taxpayer, so it is not cost); the tax is kept beside it. A
-- reversal is a new entry negating the one it names, dated in an open month.
create table cost_entry (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    project_id  bigint not null,
    entry_date  date not null,
    category_id bigint not null,
    task_id     bigint,
    supplier    text not null default '' check (length(supplier) <= 200),
    description text not null check (length(description) between 1 and 500),
    amount      numeric(18, 2) not null check (amount between -99999999999.99 and 99999999999.99),
    tax_rate    numeric(5, 2) not null default 0 check (tax_rate between 0 and 100),
    tax_amount  numeric(18, 2) not null default 0,
    document_no text not null default '' check (length(document_no) <= 60),
    reverses_id bigint,
    reason      text not null default '' check (length(reason) <= 500),
    created_at  timestamptz not null default now(),
    created_by  bigint,
    updated_at  timestamptz not null default now(),
    updated_by  bigint,
    version     integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, reverses_id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id),
    -- A deleted task leaves its cost on the project, as day labour does.
    foreign key (tenant_id, project_id, task_id) references task (tenant_id, project_id, id)
        on delete set null (task_id),
    foreign key (tenant_id, reverses_id) references cost_entry (tenant_id, id),
    check (reverses_id is not null or amount >= 0)
);
create index cost_entry_tenant_id_project_date_idx
    on cost_entry (tenant_id, project_id, entry_date, id);
create index cost_entry_tenant_id_task_idx
    on cost_entry (tenant_id, project_id, task_id) where task_id is not null;
create index cost_entry_tenant_id_project_category_idx
    on cost_entry (tenant_id, project_id, category_id, entry_date) include (amount, task_id);

create table cost_entry_attachment (
    tenant_id     bigint not null references tenant (id),
    id            bigint generated always as identity,
    cost_entry_id bigint not null,
    file_name     text not null check (length(file_name) between 1 and 200),
    content_type  text not null
                  check (content_type in ('application/pdf', 'image/jpeg', 'image/png')),
    size          integer not null,
    data          bytea not null,
    created_at    timestamptz not null default now(),
    created_by    bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, cost_entry_id) references cost_entry (tenant_id, id) on delete cascade
);
create index cost_entry_attachment_tenant_id_entry_idx
    on cost_entry_attachment (tenant_id, cost_entry_id);

-- Actual cost by project, category and month, kept by statement triggers on the entries and
-- on confirmed day-labour lines: the report and the dashboard read a few hundred of these
-- instead of millions of entries. Labour tickets carry no category: they are category 0,
-- which the report shows under the `labour` category.
create table cost_actual_month (
    tenant_id   bigint not null references tenant (id),
    project_id  bigint not null,
    category_id bigint not null,
    month       date not null,
    entries     bigint not null default 0,
    amount      numeric(20, 2) not null default 0,
    primary key (tenant_id, project_id, category_id, month)
);

-- Statement triggers with transition tables, as for labour_worker_month: a bulk insert or a
-- whole ticket's confirmation updates each month once. Entries carry their category; labour
-- lines are category 0 and count once confirmed (or settled).
create function cost_actual_month_keep() returns trigger language plpgsql as $$
declare
    -- Only the transition tables this event has may be named.
    changed text := case tg_op
        when 'INSERT' then 'select 1 as sign, * from new_rows'
        when 'DELETE' then 'select -1 as sign, * from old_rows'
        else 'select 1 as sign, * from new_rows union all select -1 as sign, * from old_rows'
    end;
    costs text := case tg_table_name
        when 'cost_entry' then
            'select tenant_id, project_id, category_id, entry_date as day, sign, amount
             from (%s) c'
        else
            'select tenant_id, project_id, 0::bigint as category_id, ticket_date as day, sign,
                    amount
             from (%s) c where status in (''confirmed'', ''settled'')'
    end;
begin
    execute format($sql$
        insert into cost_actual_month as m (tenant_id, project_id, category_id, month, entries, amount)
        select tenant_id, project_id, category_id, date_trunc('month', day)::date,
               sum(sign), sum(sign * amount)
        from (%s) changed
        group by 1, 2, 3, 4
        on conflict (tenant_id, project_id, category_id, month) do update
        set entries = m.entries + excluded.entries, amount = m.amount + excluded.amount
    $sql$, format(costs, changed));
    return null;
end
$$;

create trigger cost_actual_month_insert after insert on cost_entry
    referencing new table as new_rows
    for each statement execute function cost_actual_month_keep();
create trigger cost_actual_month_update after update on cost_entry
    referencing old table as old_rows new table as new_rows
    for each statement execute function cost_actual_month_keep();
create trigger cost_actual_month_delete after delete on cost_entry
    referencing old table as old_rows
    for each statement execute function cost_actual_month_keep();
create trigger cost_actual_month_labour_insert after insert on labour_ticket_line
    referencing new table as new_rows
    for each statement execute function cost_actual_month_keep();
create trigger cost_actual_month_labour_update after update on labour_ticket_line
    referencing old table as old_rows new table as new_rows
    for each statement execute function cost_actual_month_keep();
create trigger cost_actual_month_labour_delete after delete on labour_ticket_line
    referencing old table as old_rows
    for each statement execute function cost_actual_month_keep();

-- 结账: a closed month (its first day) takes no new, changed or reversed entries.
create table cost_period (
    tenant_id bigint not null references tenant (id),
    month     date not null check (extract(day from month) = 1),
    closed_at timestamptz not null default now(),
    closed_by bigint,
    primary key (tenant_id, month),
    foreign key (tenant_id, closed_by) references app_user (tenant_id, id)
);

-- The estimate to complete per project and category; none means the remaining budget.
create table cost_estimate (
    tenant_id   bigint not null references tenant (id),
    project_id  bigint not null,
    category_id bigint not null,
    amount      numeric(18, 2) not null check (amount between 0 and 99999999999.99),
    note        text not null default '' check (length(note) <= 500),
    updated_at  timestamptz not null default now(),
    updated_by  bigint,
    version     integer not null default 1,
    primary key (tenant_id, project_id, category_id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id)
);

-- Alert thresholds. No row means the defaults, so no page writes on a GET.
create table cost_alert_setting (
    tenant_id            bigint primary key references tenant (id),
    warning_percent      numeric(6, 2) not null default 90 check (warning_percent between 1 and 1000),
    overrun_percent      numeric(6, 2) not null default 100 check (overrun_percent between 1 and 1000),
    margin_floor_percent numeric(6, 2) not null default 5
                         check (margin_floor_percent between -100 and 100),
    updated_at           timestamptz not null default now(),
    updated_by           bigint,
    version              integer not null default 1,
    check (warning_percent < overrun_percent)
);

-- A cost baseline: the whole report frozen at a date, line by category.
create table cost_snapshot (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    project_id  bigint not null,
    name        text not null check (length(name) between 1 and 100),
    as_of       date not null,
    revenue     numeric(18, 2) not null,
    billed      numeric(18, 2) not null,
    collected   numeric(18, 2) not null,
    created_at  timestamptz not null default now(),
    created_by  bigint,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, name),
    foreign key (tenant_id, project_id) references project (tenant_id, id)
);

create table cost_snapshot_line (
    tenant_id   bigint not null references tenant (id),
    snapshot_id bigint not null,
    category_id bigint not null,
    budget      numeric(18, 2) not null,
    actual      numeric(18, 2) not null,
    committed   numeric(18, 2) not null,
    estimate    numeric(18, 2) not null,
    primary key (tenant_id, snapshot_id, category_id),
    foreign key (tenant_id, snapshot_id) references cost_snapshot (tenant_id, id) on delete cascade,
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id)
);

-- Committed cost (已签未结): signed purchase and subcontract amounts not yet invoiced, by
-- project and category. The funds module replaces this view with one over its contracts;
-- until then nothing is committed.
create view cost_committed with (security_invoker = true) as
select null::bigint as tenant_id, null::bigint as project_id, null::bigint as category_id,
       null::numeric(18, 2) as amount
where false;

-- What was billed to the client (certified) and collected, by project: the funds module
-- replaces this view with one over its applications and receipts.
create view project_billing with (security_invoker = true) as
select null::bigint as tenant_id, null::bigint as project_id,
       null::numeric(18, 2) as billed, null::numeric(18, 2) as collected
where false;

do $$
declare
    t text;
begin
    foreach t in array array['cost_category', 'cost_budget_version', 'cost_budget_line',
        'revenue_variation', 'cost_entry', 'cost_entry_attachment', 'cost_actual_month',
        'cost_period', 'cost_estimate', 'cost_alert_setting', 'cost_snapshot',
        'cost_snapshot_line']
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
-- Snapshots are frozen.
revoke update on cost_snapshot, cost_snapshot_line from girder_app;
grant select on cost_committed, project_billing to girder_app;
grant usage, select on all sequences in schema public to girder_app;

-- Every company starts with the standard categories; those that signed up before this
-- module get them here (sign-up adds them for new companies), and their day labour already
-- confirmed counts as cost from the start. Row-level security binds the migration's role too,
-- hence one tenant at a time.
do $$
declare
    t record;
begin
    for t in select id from tenant loop
        perform set_config('app.tenant_id', t.id::text, true);
        insert into cost_category (tenant_id, code, name_zh, name_en, builtin, sort_order)
        select t.id, d.code, d.zh, d.en, d.builtin, d.n
        from (values
            (1, '01', '人工费', 'Labour', 'labour'),
            (2, '02', '材料费', 'Materials', 'materials'),
            (3, '03', '施工机具使用费', 'Plant and machinery', 'plant'),
            (4, '04', '分包费', 'Subcontract', 'subcontract'),
            (5, '05', '措施费', 'Measures', 'measures'),
            (6, '06', '企业管理费', 'Overhead', 'overhead'),
            (7, '07', '规费', 'Statutory fees', 'fees'),
            (8, '08', '税金', 'Taxes', 'taxes'),
            (9, '09', '其他', 'Other', 'other')
        ) as d(n, code, zh, en, builtin)
        on conflict do nothing;
        insert into cost_actual_month (tenant_id, project_id, category_id, month, entries, amount)
        select tenant_id, project_id, 0, date_trunc('month', ticket_date)::date, count(*),
               sum(amount)
        from labour_ticket_line
        where tenant_id = t.id and status in ('confirmed', 'settled')
        group by 1, 2, 3, 4;
    end loop;
end
$$;
