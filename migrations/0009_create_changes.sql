-- Risks and changes: a risk register per project, and change requests (工程变更 / 现场签证)
-- reviewed by a board for their cost, revenue and schedule impact. Approval applies all three
-- in one transaction: a budget revision, a variation on the income contract (and the cost
-- centre's revenue side), and new task durations with the project rescheduled. Tenant-owned
-- tables follow DESIGN.md (tenant_id leads keys, foreign keys and indexes; RLS enabled and
-- forced).

-- Categories a company adds beside the built-in technical, data, people and business.
create table risk_category (
    tenant_id  bigint not null references tenant (id),
    id         bigint generated always as identity,
    name       text not null check (length(name) between 1 and 60),
    active     boolean not null default true,
    created_at timestamptz not null default now(),
    created_by bigint,
    version    integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

-- 风险登记册. Exactly one of `category` (built-in) and `category_id` (the company's own).
-- The score is probability × impact (1–25), the heat map's cell.
create table risk (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    project_id        bigint not null,
    -- R-001, R-002 … per project.
    number            text not null check (length(number) between 1 and 20),
    category          text check (category in ('technical', 'data', 'people', 'business')),
    category_id       bigint,
    title             text not null check (length(title) between 1 and 200),
    description       text not null default '' check (length(description) <= 4000),
    probability       smallint not null check (probability between 1 and 5),
    impact            smallint not null check (impact between 1 and 5),
    score             smallint generated always as (probability * impact) stored,
    owner_id          bigint,
    response_plan     text not null default '' check (length(response_plan) <= 4000),
    trigger_condition text not null default '' check (length(trigger_condition) <= 1000),
    status            text not null default 'open'
                      check (status in ('open', 'mitigating', 'closed')),
    next_review_on    date,
    closed_on         date,
    created_at        timestamptz not null default now(),
    created_by        bigint,
    updated_at        timestamptz not null default now(),
    updated_by        bigint,
    version           integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, number),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, category_id) references risk_category (tenant_id, id),
    foreign key (tenant_id, owner_id) references app_user (tenant_id, id),
    check ((category is null) <> (category_id is null)),
    check ((status = 'closed') = (closed_on is not null))
);
create index risk_tenant_id_project_idx on risk (tenant_id, project_id, status);
-- Overdue reviews for the dashboard and the project home.
create index risk_tenant_id_review_idx
    on risk (tenant_id, next_review_on) where status <> 'closed';

-- Each review of a risk: what it was judged then, and what was noted.
create table risk_review (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    risk_id     bigint not null,
    reviewed_on date not null,
    probability smallint not null check (probability between 1 and 5),
    impact      smallint not null check (impact between 1 and 5),
    status      text not null check (status in ('open', 'mitigating', 'closed')),
    note        text not null default '' check (length(note) <= 2000),
    created_at  timestamptz not null default now(),
    created_by  bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, risk_id) references risk (tenant_id, id) on delete cascade
);
create index risk_review_tenant_id_risk_idx on risk_review (tenant_id, risk_id, reviewed_on);

-- The review board: no row means the defaults (one approval; owners and admins review while
-- no member is named), so no page writes on a GET.
create table changes_settings (
    tenant_id        bigint primary key references tenant (id),
    approvals_needed smallint not null default 1 check (approvals_needed between 1 and 20),
    updated_at       timestamptz not null default now(),
    updated_by       bigint,
    version          integer not null default 1
);

create table change_board_member (
    tenant_id bigint not null references tenant (id),
    user_id   bigint not null,
    added_at  timestamptz not null default now(),
    added_by  bigint,
    primary key (tenant_id, user_id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);

-- 变更 / 签证. `round` counts submissions: withdrawing and submitting again starts a new round
-- of votes. `apply_error` says why the last approval could not be applied (the request then
-- stays under review). What approval did is kept on the row: the budget revision, the
-- variations, and the budget total and project finish before and after.
create table change_request (
    tenant_id             bigint not null references tenant (id),
    id                    bigint generated always as identity,
    project_id            bigint not null,
    -- BG-001, BG-002 … per project.
    number                text not null check (length(number) between 1 and 20),
    kind                  text not null default 'change' check (kind in ('change', 'visa')),
    title                 text not null check (length(title) between 1 and 200),
    reason                text not null check (length(reason) between 1 and 4000),
    requester_id          bigint not null,
    -- The variation on the income contract (incl. VAT, as the contract): up or down.
    revenue_amount        numeric(18, 2) not null default 0
                          check (revenue_amount between -99999999999.99 and 99999999999.99),
    contract_id           bigint,
    status                text not null default 'draft'
                          check (status in ('draft', 'submitted', 'under_review', 'approved',
                                            'rejected')),
    round                 integer not null default 0 check (round >= 0),
    submitted_at          timestamptz,
    decided_at            timestamptz,
    apply_error           text check (length(apply_error) <= 2000),
    budget_version_id     bigint,
    contract_variation_id bigint,
    revenue_variation_id  bigint,
    budget_before         numeric(18, 2),
    budget_after          numeric(18, 2),
    finish_before         date,
    finish_after          date,
    created_at            timestamptz not null default now(),
    created_by            bigint,
    updated_at            timestamptz not null default now(),
    updated_by            bigint,
    version               integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, number),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, requester_id) references app_user (tenant_id, id),
    foreign key (tenant_id, contract_id) references contract (tenant_id, id),
    foreign key (tenant_id, budget_version_id) references cost_budget_version (tenant_id, id),
    foreign key (tenant_id, contract_variation_id) references contract_variation (tenant_id, id),
    foreign key (tenant_id, revenue_variation_id) references revenue_variation (tenant_id, id),
    check (status = 'draft' or submitted_at is not null),
    check ((status in ('approved', 'rejected')) = (decided_at is not null)),
    check (revenue_amount = 0 or contract_id is not null)
);
create index change_request_tenant_id_project_idx
    on change_request (tenant_id, project_id, status);
create index change_request_tenant_id_status_idx on change_request (tenant_id, status);

-- Affected tasks: working days added (positive) or removed (negative). The durations before
-- and after are written when the request is approved.
create table change_request_task (
    tenant_id         bigint not null references tenant (id),
    change_request_id bigint not null,
    task_id           bigint not null,
    days              integer not null check (days between -10000 and 10000 and days <> 0),
    duration_before   integer,
    duration_after    integer,
    primary key (tenant_id, change_request_id, task_id),
    foreign key (tenant_id, change_request_id) references change_request (tenant_id, id)
        on delete cascade,
    foreign key (tenant_id, task_id) references task (tenant_id, id) on delete cascade
);
create index change_request_task_tenant_id_task_idx on change_request_task (tenant_id, task_id);

-- Cost impact by category (excl. VAT, as the budget): up or down.
create table change_request_cost (
    tenant_id         bigint not null references tenant (id),
    change_request_id bigint not null,
    category_id       bigint not null,
    amount            numeric(18, 2) not null
                      check (amount between -99999999999.99 and 99999999999.99 and amount <> 0),
    primary key (tenant_id, change_request_id, category_id),
    foreign key (tenant_id, change_request_id) references change_request (tenant_id, id)
        on delete cascade,
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id)
);

-- One vote per board member and round, each with its comment (审批意见).
create table change_vote (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    change_request_id bigint not null,
    round             integer not null,
    voter_id          bigint not null,
    decision          text not null check (decision in ('approve', 'reject')),
    comment           text not null default '' check (length(comment) <= 2000),
    voted_at          timestamptz not null default now(),
    primary key (tenant_id, id),
    unique (tenant_id, change_request_id, round, voter_id),
    foreign key (tenant_id, change_request_id) references change_request (tenant_id, id)
        on delete cascade,
    foreign key (tenant_id, voter_id) references app_user (tenant_id, id),
    check (length(trim(comment)) > 0)
);

create table change_attachment (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    change_request_id bigint not null,
    file_name         text not null check (length(file_name) between 1 and 200),
    content_type      text not null
                      check (content_type in ('application/pdf', 'image/jpeg', 'image/png')),
    size              integer not null,
    data              bytea not null,
    created_at        timestamptz not null default now(),
    created_by        bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, change_request_id) references change_request (tenant_id, id)
        on delete cascade
);
create index change_attachment_tenant_id_request_idx
    on change_attachment (tenant_id, change_request_id);

-- The revisions and variations an approved request made point back at it.
alter table cost_budget_version add foreign key (tenant_id, change_request_id)
    references change_request (tenant_id, id);
alter table revenue_variation add foreign key (tenant_id, change_request_id)
    references change_request (tenant_id, id);
alter table contract_variation add foreign key (tenant_id, change_request_id)
    references change_request (tenant_id, id);

do $$
declare
    t text;
begin
    foreach t in array array['risk_category', 'risk', 'risk_review', 'changes_settings',
                             'change_board_member', 'change_request', 'change_request_task',
                             'change_request_cost', 'change_vote', 'change_attachment']
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
grant usage, select on all sequences in schema public to girder_app;
