-- Funds (资金数据中心), second part: the money itself. The company's bank accounts; every
-- receipt and payment in one ledger; progress-payment applications against income contracts
-- (GB 50500-2013 §10.3); payment requests and staff reimbursements with their approvals; tender
-- deposits; monthly fund plans. Tenant-owned tables follow DESIGN.md (tenant_id leads keys,
-- foreign keys and indexes; RLS enabled and forced).

-- The contract terms the applications need: the share of each period's value the client pays
-- (进度款支付比例, GB 50500-2013 §10.3.7: 60–90 %) and the advance payment (预付款) it recovers.
alter table contract add column payment_ratio numeric(5, 2)
    check (payment_ratio between 60 and 90);
alter table contract add column advance_amount numeric(18, 2) not null default 0
    check (advance_amount between 0 and 99999999999.99);

-- Approvals: the roles that approve payment requests, and the amount above which a second,
-- different approver must approve too.
alter table funds_settings add column approver_roles text[] not null
    default '{owner,admin,finance}'
    check (approver_roles <@ '{owner,admin,project_manager,finance}'::text[]);
alter table funds_settings add column second_approval_above numeric(18, 2) not null
    default 100000 check (second_approval_above >= 0);

-- The most one approver may approve alone (none: no limit beyond the role).
create table payment_approver (
    tenant_id    bigint not null references tenant (id),
    user_id      bigint not null,
    amount_limit numeric(18, 2) not null check (amount_limit >= 0),
    updated_at   timestamptz not null default now(),
    updated_by   bigint,
    primary key (tenant_id, user_id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);

-- The company's own bank accounts (基本户, 一般户, 农民工工资专用账户 …). The balance is the
-- opening balance plus the movements through the account.
create table bank_account (
    tenant_id       bigint not null references tenant (id),
    id              bigint generated always as identity,
    name            text not null check (length(name) between 1 and 100),
    bank_name       text not null default '' check (length(bank_name) <= 200),
    account_number  text not null default '' check (length(account_number) <= 60),
    opening_balance numeric(18, 2) not null default 0
                    check (opening_balance between -99999999999.99 and 99999999999.99),
    opened_on       date not null,
    active          boolean not null default true,
    created_at      timestamptz not null default now(),
    created_by      bigint,
    updated_at      timestamptz not null default now(),
    updated_by      bigint,
    version         integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

-- 进度款申请: one per income contract and period, numbered 1, 2, 3 … Values of the period
-- include VAT as the contract does. The derived figures (retention, net payable) are stored
-- when the application is submitted so that it stays as sent; the client's certified amount
-- (审核金额) is what the receipts are held against.
create table payment_application (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    contract_id       bigint not null,
    period_no         integer not null check (period_no > 0),
    period_end        date not null,
    -- This period's value: contract work completed, approved variations, day labour (计日工).
    completed_value   numeric(18, 2) not null default 0
                      check (completed_value between -99999999999.99 and 99999999999.99),
    variation_value   numeric(18, 2) not null default 0
                      check (variation_value between -99999999999.99 and 99999999999.99),
    day_labour_value  numeric(18, 2) not null default 0
                      check (day_labour_value between 0 and 99999999999.99),
    -- Deductions: advance payment recovered, owner-supplied materials (甲供材), others.
    advance_recovered numeric(18, 2) not null default 0
                      check (advance_recovered between 0 and 99999999999.99),
    owner_materials   numeric(18, 2) not null default 0
                      check (owner_materials between 0 and 99999999999.99),
    other_deductions  numeric(18, 2) not null default 0
                      check (other_deductions between 0 and 99999999999.99),
    payment_ratio     numeric(5, 2) not null check (payment_ratio between 0 and 100),
    retention_amount  numeric(18, 2) not null default 0,
    net_payable       numeric(18, 2) not null default 0,
    note              text not null default '' check (length(note) <= 2000),
    status            text not null default 'draft'
                      check (status in ('draft', 'submitted', 'certified', 'withdrawn')),
    submitted_on      date,
    certified_on      date,
    certified_amount  numeric(18, 2) check (certified_amount between 0 and 99999999999.99),
    -- The date the client must pay by (GB 50500-2013 §10.3.11: 14 days after certification).
    due_on            date,
    certified_by      bigint,
    created_at        timestamptz not null default now(),
    created_by        bigint,
    updated_at        timestamptz not null default now(),
    updated_by        bigint,
    version           integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, contract_id, period_no),
    foreign key (tenant_id, contract_id) references contract (tenant_id, id),
    check (status <> 'certified' or (certified_on is not null and certified_amount is not null))
);
create index payment_application_tenant_id_status_idx
    on payment_application (tenant_id, status, certified_on);

-- 付款申请 against an expense contract (progress payment or retention release) and staff
-- reimbursements (报销): requested → approved (one approver, or two above the tenant's
-- threshold) → paid, or rejected with a reason, or cancelled by the requester.
create table payment_request (
    tenant_id        bigint not null references tenant (id),
    id               bigint generated always as identity,
    kind             text not null check (kind in ('contract', 'retention', 'reimbursement')),
    project_id       bigint not null,
    contract_id      bigint,
    -- A reimbursement is paid to a member of staff.
    payee_user_id    bigint,
    -- The cost category a reimbursement belongs to (for reference on the request).
    category_id      bigint,
    amount           numeric(18, 2) not null check (amount > 0 and amount <= 99999999999.99),
    purpose          text not null check (length(purpose) between 1 and 500),
    requested_on     date not null,
    requested_by     bigint not null,
    status           text not null default 'requested'
                     check (status in ('requested', 'approved', 'rejected', 'paid', 'cancelled')),
    -- Two approvals are needed when the amount was above the threshold at request time.
    approvals_needed smallint not null default 1 check (approvals_needed in (1, 2)),
    -- Above the contract's payable balance: allowed only with a stated reason, audited.
    over_balance     boolean not null default false,
    override_reason  text not null default '' check (length(override_reason) <= 500),
    rejected_reason  text not null default '' check (length(rejected_reason) <= 500),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    updated_by       bigint,
    version          integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, contract_id) references contract (tenant_id, id),
    foreign key (tenant_id, payee_user_id) references app_user (tenant_id, id),
    foreign key (tenant_id, requested_by) references app_user (tenant_id, id),
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id),
    check ((kind = 'reimbursement' and contract_id is null and payee_user_id is not null)
        or (kind <> 'reimbursement' and contract_id is not null)),
    check (not over_balance or length(override_reason) > 0),
    check (status <> 'rejected' or length(rejected_reason) > 0)
);
create index payment_request_tenant_id_status_idx
    on payment_request (tenant_id, status, requested_on);
create index payment_request_tenant_id_contract_idx
    on payment_request (tenant_id, contract_id) where contract_id is not null;
create index payment_request_tenant_id_project_idx on payment_request (tenant_id, project_id);

-- Each approver's decision; one row per step.
create table payment_approval (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    request_id  bigint not null,
    step        smallint not null check (step in (1, 2)),
    decision    text not null check (decision in ('approved', 'rejected')),
    approver_id bigint not null,
    reason      text not null default '' check (length(reason) <= 500),
    decided_at  timestamptz not null default now(),
    primary key (tenant_id, id),
    unique (tenant_id, request_id, step),
    foreign key (tenant_id, request_id) references payment_request (tenant_id, id),
    foreign key (tenant_id, approver_id) references app_user (tenant_id, id)
);

-- 投标保证金: paid to a tenderer before a project may exist; refunded, or converted (into the
-- performance security or a contract payment) when the tender ends.
create table tender_deposit (
    tenant_id       bigint not null references tenant (id),
    id              bigint generated always as identity,
    project_id      bigint,
    tender_name     text not null check (length(tender_name) between 1 and 200),
    counterparty_id bigint not null,
    amount          numeric(18, 2) not null check (amount > 0 and amount <= 99999999999.99),
    paid_on         date not null,
    due_back_on     date,
    status          text not null default 'paid' check (status in ('paid', 'refunded', 'converted')),
    settled_on      date,
    note            text not null default '' check (length(note) <= 500),
    created_at      timestamptz not null default now(),
    created_by      bigint,
    updated_at      timestamptz not null default now(),
    updated_by      bigint,
    version         integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, counterparty_id) references counterparty (tenant_id, id),
    check (status = 'paid' or settled_on is not null)
);
create index tender_deposit_tenant_id_status_idx on tender_deposit (tenant_id, status, due_back_on);

-- 资金流水: every yuan in or out, once. A movement is never edited: a mistake is reversed by
-- a movement of the negated amount that names it (`reverses_id`). What it pays or receives is
-- named by at most one of application, request and deposit; `kind` says what it is.
create table fund_movement (
    tenant_id          bigint not null references tenant (id),
    id                 bigint generated always as identity,
    project_id         bigint,
    direction          text not null check (direction in ('in', 'out')),
    kind               text not null check (kind in (
                           'progress_receipt', 'retention_receipt', 'contract_payment',
                           'retention_payment', 'reimbursement', 'deposit_paid',
                           'deposit_refund', 'other_in', 'other_out')),
    moved_on           date not null,
    amount             numeric(18, 2) not null
                       check (amount between -99999999999.99 and 99999999999.99 and amount <> 0),
    method             text not null
                       check (method in ('bank', 'cash', 'acceptance_bill', 'cheque', 'wechat', 'alipay')),
    bank_account_id    bigint,
    reference          text not null default '' check (length(reference) <= 100),
    counterparty_id    bigint,
    contract_id        bigint,
    application_id     bigint,
    payment_request_id bigint,
    deposit_id         bigint,
    note               text not null default '' check (length(note) <= 500),
    reverses_id        bigint,
    created_at         timestamptz not null default now(),
    created_by         bigint,
    primary key (tenant_id, id),
    unique (tenant_id, reverses_id),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, bank_account_id) references bank_account (tenant_id, id),
    foreign key (tenant_id, counterparty_id) references counterparty (tenant_id, id),
    foreign key (tenant_id, contract_id) references contract (tenant_id, id),
    foreign key (tenant_id, application_id) references payment_application (tenant_id, id),
    foreign key (tenant_id, payment_request_id) references payment_request (tenant_id, id),
    foreign key (tenant_id, deposit_id) references tender_deposit (tenant_id, id),
    foreign key (tenant_id, reverses_id) references fund_movement (tenant_id, id),
    check (reverses_id is not null or amount > 0),
    check ((direction = 'in') = (kind in ('progress_receipt', 'retention_receipt', 'deposit_refund', 'other_in'))),
    check (method in ('cash', 'wechat', 'alipay') or bank_account_id is not null),
    check (num_nonnulls(application_id, payment_request_id, deposit_id) <= 1),
    -- A receipt against an application names its contract too: the roll-up below keys on it.
    check (application_id is null or contract_id is not null)
);
create index fund_movement_tenant_id_project_idx on fund_movement (tenant_id, project_id, moved_on);
create index fund_movement_tenant_id_moved_on_idx on fund_movement (tenant_id, moved_on);
create index fund_movement_tenant_id_account_idx
    on fund_movement (tenant_id, bank_account_id, moved_on) where bank_account_id is not null;
create index fund_movement_tenant_id_contract_idx
    on fund_movement (tenant_id, contract_id) where contract_id is not null;
create index fund_movement_tenant_id_application_idx
    on fund_movement (tenant_id, application_id) where application_id is not null;
create index fund_movement_tenant_id_request_idx
    on fund_movement (tenant_id, payment_request_id) where payment_request_id is not null;
create index fund_movement_tenant_id_deposit_idx
    on fund_movement (tenant_id, deposit_id) where deposit_id is not null;

create table fund_movement_attachment (
    tenant_id    bigint not null references tenant (id),
    id           bigint generated always as identity,
    movement_id  bigint not null,
    file_name    text not null check (length(file_name) between 1 and 200),
    content_type text not null
                 check (content_type in ('application/pdf', 'image/jpeg', 'image/png')),
    size         integer not null,
    data         bytea not null,
    created_at   timestamptz not null default now(),
    created_by   bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, movement_id) references fund_movement (tenant_id, id) on delete cascade
);
create index fund_movement_attachment_tenant_id_movement_idx
    on fund_movement_attachment (tenant_id, movement_id);

-- 资金计划: planned inflows and outflows of a project by month.
create table fund_plan (
    tenant_id   bigint not null references tenant (id),
    project_id  bigint not null,
    month       date not null check (extract(day from month) = 1),
    planned_in  numeric(18, 2) not null default 0 check (planned_in between 0 and 99999999999.99),
    planned_out numeric(18, 2) not null default 0 check (planned_out between 0 and 99999999999.99),
    note        text not null default '' check (length(note) <= 500),
    updated_at  timestamptz not null default now(),
    updated_by  bigint,
    version     integer not null default 1,
    primary key (tenant_id, project_id, month),
    foreign key (tenant_id, project_id) references project (tenant_id, id)
);

-- Cash in and out by project (0: none) and month, kept by statement triggers on the ledger
-- and on the labour wage account (advances and payouts to workers are outflows), so the cash
-- flow pages read a few hundred rows instead of every movement.
create table fund_month (
    tenant_id  bigint not null references tenant (id),
    project_id bigint not null,
    month      date not null,
    movements  bigint not null default 0,
    inflow     numeric(20, 2) not null default 0,
    outflow    numeric(20, 2) not null default 0,
    primary key (tenant_id, project_id, month)
);

create function fund_month_keep() returns trigger language plpgsql as $$
declare
    changed text := case tg_op
        when 'INSERT' then 'select 1 as sign, * from new_rows'
        when 'DELETE' then 'select -1 as sign, * from old_rows'
        else 'select 1 as sign, * from new_rows union all select -1 as sign, * from old_rows'
    end;
    flows text := case tg_table_name
        when 'fund_movement' then
            'select tenant_id, coalesce(project_id, 0) as project_id, moved_on as day, sign,
                    case when direction = ''in'' then amount else 0 end as inflow,
                    case when direction = ''out'' then amount else 0 end as outflow
             from (%s) c'
        else
            'select tenant_id, project_id, paid_on as day, sign, 0 as inflow, amount as outflow
             from (%s) c'
    end;
begin
    execute format($sql$
        insert into fund_month as m (tenant_id, project_id, month, movements, inflow, outflow)
        select tenant_id, project_id, date_trunc('month', day)::date,
               sum(sign), sum(sign * inflow), sum(sign * outflow)
        from (%s) changed
        group by 1, 2, 3
        on conflict (tenant_id, project_id, month) do update
        set movements = m.movements + excluded.movements,
            inflow = m.inflow + excluded.inflow,
            outflow = m.outflow + excluded.outflow
    $sql$, format(flows, changed));
    return null;
end
$$;

-- What moved on each contract by kind (received, retention received, paid, retention paid …),
-- kept by statement triggers like fund_month: receivables, payables and the cash-flow overview
-- read one row per contract and kind instead of summing the whole ledger.
create table fund_contract_flow (
    tenant_id   bigint not null references tenant (id),
    contract_id bigint not null,
    kind        text not null,
    movements   bigint not null default 0,
    amount      numeric(20, 2) not null default 0,
    primary key (tenant_id, contract_id, kind)
);

create function fund_contract_flow_keep() returns trigger language plpgsql as $$
declare
    changed text := case tg_op
        when 'INSERT' then 'select 1 as sign, * from new_rows'
        when 'DELETE' then 'select -1 as sign, * from old_rows'
        else 'select 1 as sign, * from new_rows union all select -1 as sign, * from old_rows'
    end;
begin
    execute format($sql$
        insert into fund_contract_flow as f (tenant_id, contract_id, kind, movements, amount)
        select tenant_id, contract_id, kind, sum(sign), sum(sign * amount)
        from (%s) changed
        where contract_id is not null
        group by 1, 2, 3
        on conflict (tenant_id, contract_id, kind) do update
        set movements = f.movements + excluded.movements, amount = f.amount + excluded.amount
    $sql$, changed);
    return null;
end
$$;

create trigger fund_contract_flow_insert after insert on fund_movement
    referencing new table as new_rows
    for each statement execute function fund_contract_flow_keep();
create trigger fund_contract_flow_update after update on fund_movement
    referencing old table as old_rows new table as new_rows
    for each statement execute function fund_contract_flow_keep();
create trigger fund_contract_flow_delete after delete on fund_movement
    referencing old table as old_rows
    for each statement execute function fund_contract_flow_keep();

do $$
declare
    t text;
begin
    foreach t in array array['fund_movement', 'labour_payout', 'labour_advance']
    loop
        execute format('create trigger fund_month_insert after insert on %I
            referencing new table as new_rows
            for each statement execute function fund_month_keep()', t);
        execute format('create trigger fund_month_update after update on %I
            referencing old table as old_rows new table as new_rows
            for each statement execute function fund_month_keep()', t);
        execute format('create trigger fund_month_delete after delete on %I
            referencing old table as old_rows
            for each statement execute function fund_month_keep()', t);
    end loop;
end
$$;

-- Billed and collected by project, for the cost centre's margins: what the client certified
-- on income contracts with the retention it withheld, and what was received against them,
-- retention received included.
create or replace view project_billing with (security_invoker = true) as
select k.tenant_id, k.project_id,
       coalesce(sum((select sum(a.certified_amount + a.retention_amount) from payment_application a
                     where a.tenant_id = k.tenant_id and a.contract_id = k.id
                       and a.status = 'certified')), 0)::numeric(18, 2) as billed,
       coalesce(sum((select sum(f.amount) from fund_contract_flow f
                     where f.tenant_id = k.tenant_id and f.contract_id = k.id
                       and f.kind in ('progress_receipt', 'retention_receipt'))), 0)::numeric(18, 2)
           as collected
from contract k
where k.direction = 'income'
group by k.tenant_id, k.project_id;

-- Committed cost is what a signed expense contract has not yet turned into cost: its amount
-- without VAT less the larger of what was invoiced (cost entries booked against it) and what
-- was paid on it (payments without VAT), never below zero.
create or replace view cost_committed with (security_invoker = true) as
select k.tenant_id, k.project_id,
       coalesce(k.category_id,
                (select c.id from cost_category c
                 where c.tenant_id = k.tenant_id and c.builtin = 'subcontract')) as category_id,
       greatest(round((k.amount + coalesce((select sum(v.amount) from contract_variation v
                                            where v.tenant_id = k.tenant_id
                                              and v.contract_id = k.id), 0))
                      / (1 + k.tax_rate / 100), 2)
                - greatest(
                    coalesce((select sum(e.amount) from cost_entry e
                              where e.tenant_id = k.tenant_id and e.contract_id = k.id), 0),
                    round(coalesce((select sum(f.amount) from fund_contract_flow f
                                    where f.tenant_id = k.tenant_id and f.contract_id = k.id
                                      and f.kind in ('contract_payment', 'retention_payment')),
                                   0)
                          / (1 + k.tax_rate / 100), 2)),
                0)::numeric(18, 2) as amount
from contract k
where k.direction = 'expense' and k.status = 'signed';

do $$
declare
    t text;
begin
    foreach t in array array['payment_approver', 'bank_account', 'payment_application',
                             'payment_request', 'payment_approval', 'tender_deposit',
                             'fund_movement', 'fund_movement_attachment', 'fund_plan',
                             'fund_month', 'fund_contract_flow']
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
-- The ledger is append-only: mistakes are reversed, never edited (only a scratch tenant of
-- the benchmark is ever deleted).
revoke update on fund_movement from girder_app;
grant select on cost_committed, project_billing to girder_app;
grant usage, select on all sequences in schema public to girder_app;

-- Wages already paid before this module count from the start. Row-level security binds the
-- migration's role too, hence one tenant at a time.
do $$
declare
    t record;
begin
    for t in select id from tenant loop
        perform set_config('app.tenant_id', t.id::text, true);
        insert into fund_month (tenant_id, project_id, month, movements, inflow, outflow)
        select tenant_id, project_id, date_trunc('month', paid_on)::date, count(*), 0, sum(amount)
        from (select tenant_id, project_id, paid_on, amount from labour_payout
              where tenant_id = t.id
              union all
              select tenant_id, project_id, paid_on, amount from labour_advance
              where tenant_id = t.id) w
        group by 1, 2, 3;
    end loop;
end
$$;
