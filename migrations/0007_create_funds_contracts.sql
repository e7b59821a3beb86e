-- Funds (资金数据中心), first part: counterparties, contracts and their variations, the
-- retention cap, and the committed cost the cost centre reads. Every table is tenant-owned and
-- follows DESIGN.md (tenant_id leads keys, foreign keys and indexes; RLS enabled and forced).

-- 往来单位: clients, subcontractors and suppliers, tenant-wide, with their bank details. The
-- unified social credit code (统一社会信用代码, GB 32100-2015) is checked by the application.
create table counterparty (
    tenant_id    bigint not null references tenant (id),
    id           bigint generated always as identity,
    name         text not null check (length(name) between 1 and 200),
    kind         text not null check (kind in ('client', 'subcontractor', 'supplier')),
    credit_code  text check (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    contact      text not null default '' check (length(contact) <= 100),
    phone        text not null default '' check (length(phone) <= 40),
    bank_name    text not null default '' check (length(bank_name) <= 200),
    bank_account text not null default '' check (length(bank_account) <= 60),
    active       boolean not null default true,
    created_at   timestamptz not null default now(),
    created_by   bigint,
    updated_at   timestamptz not null default now(),
    updated_by   bigint,
    version      integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

-- 合同: income contracts with the client ('main'), expense contracts with subcontractors and
-- suppliers. `amount` includes VAT at `tax_rate`. A draft is edited freely; a signed contract
-- is locked except for its variations and closing.
create table contract (
    tenant_id            bigint not null references tenant (id),
    id                   bigint generated always as identity,
    project_id           bigint not null,
    number               text not null check (length(number) between 1 and 40),
    title                text not null check (length(title) between 1 and 200),
    direction            text not null check (direction in ('income', 'expense')),
    kind                 text not null,
    counterparty_id      bigint not null,
    -- The cost category an expense contract commits cost under (none: subcontract).
    category_id          bigint,
    amount               numeric(18, 2) not null check (amount > 0 and amount <= 99999999999.99),
    tax_rate             numeric(5, 2) not null default 0 check (tax_rate between 0 and 100),
    signed_on            date,
    payment_terms        text not null default '' check (length(payment_terms) <= 2000),
    -- 质保金, capped by funds_settings.retention_cap_percent (checked by the application).
    retention_percent    numeric(5, 2) not null default 0 check (retention_percent between 0 and 100),
    retention_release_on date,
    status               text not null default 'draft' check (status in ('draft', 'signed', 'closed')),
    created_at           timestamptz not null default now(),
    created_by           bigint,
    updated_at           timestamptz not null default now(),
    updated_by           bigint,
    version              integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, number),
    foreign key (tenant_id, project_id) references project (tenant_id, id),
    foreign key (tenant_id, counterparty_id) references counterparty (tenant_id, id),
    foreign key (tenant_id, category_id) references cost_category (tenant_id, id),
    check ((direction = 'income' and kind = 'main' and category_id is null)
        or (direction = 'expense' and kind in ('subcontract', 'purchase', 'lease', 'service'))),
    check (status = 'draft' or signed_on is not null)
);
create index contract_tenant_id_project_idx on contract (tenant_id, project_id, status);
create index contract_tenant_id_counterparty_idx on contract (tenant_id, counterparty_id);
create index contract_tenant_id_category_idx
    on contract (tenant_id, category_id) where category_id is not null;

-- 变更/签证 on a contract: approved, they adjust its amount (up or down).
create table contract_variation (
    tenant_id         bigint not null references tenant (id),
    id                bigint generated always as identity,
    contract_id       bigint not null,
    number            text not null check (length(number) between 1 and 40),
    title             text not null check (length(title) between 1 and 200),
    amount            numeric(18, 2) not null
                      check (amount between -99999999999.99 and 99999999999.99 and amount <> 0),
    approved_on       date not null,
    -- Set when an approved change request made it (the changes module).
    change_request_id bigint,
    created_at        timestamptz not null default now(),
    created_by        bigint,
    primary key (tenant_id, id),
    unique (tenant_id, contract_id, number),
    foreign key (tenant_id, contract_id) references contract (tenant_id, id) on delete cascade
);

-- The funds settings. No row means the defaults, so no page writes on a GET. The retention
-- cap: 建设工程质量保证金管理办法 (建质〔2017〕138号) 第七条, at most 3 % of the settled amount.
create table funds_settings (
    tenant_id             bigint primary key references tenant (id),
    retention_cap_percent numeric(5, 2) not null default 3
                          check (retention_cap_percent between 0 and 100),
    updated_at            timestamptz not null default now(),
    updated_by            bigint,
    version               integer not null default 1
);

-- Committed cost (已签未结): signed expense contracts with their variations, without VAT, by
-- project and category (none: the tenant's subcontract category). Later parts subtract what
-- was invoiced.
-- A cost entry may name the expense contract it books (an invoice of contracted work): what
-- is booked against a contract is actual cost, no longer committed.
alter table cost_entry add column contract_id bigint;
alter table cost_entry add constraint cost_entry_contract_fk
    foreign key (tenant_id, contract_id) references contract (tenant_id, id);
create index cost_entry_tenant_id_contract_idx
    on cost_entry (tenant_id, contract_id) where contract_id is not null;

create or replace view cost_committed with (security_invoker = true) as
select k.tenant_id, k.project_id,
       coalesce(k.category_id,
                (select c.id from cost_category c
                 where c.tenant_id = k.tenant_id and c.builtin = 'subcontract')) as category_id,
       greatest(round((k.amount + coalesce((select sum(v.amount) from contract_variation v
                                            where v.tenant_id = k.tenant_id
                                              and v.contract_id = k.id), 0))
                      / (1 + k.tax_rate / 100), 2)
                - coalesce((select sum(e.amount) from cost_entry e
                            where e.tenant_id = k.tenant_id and e.contract_id = k.id), 0),
                0)::numeric(18, 2) as amount
from contract k
where k.direction = 'expense' and k.status = 'signed';

do $$
declare
    t text;
begin
    foreach t in array array['counterparty', 'contract', 'contract_variation', 'funds_settings']
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
grant select on cost_committed to girder_app;
grant usage, select on all sequences in schema public to girder_app;
