-- Each contract's money in one row: variations, what was certified (with the retention
-- withheld), invoiced (cost entries booked against it, without and with VAT), approved and
-- not yet paid, and what moved on it by kind. The cost centre's committed cost and billing,
-- the cash-flow pages and the dashboard read one row per contract instead of adding up
-- millions of cost entries on every view.
--
-- Kept by row-level triggers in the writer's own transaction (a statement trigger's
-- transition tables are not available on a distributed PostgreSQL). Each trigger takes the
-- old row's share away and adds the new row's, so an insert, an edit, a status change and a
-- delete all land; every contract has its row from the moment it is written.
create table contract_money (
    tenant_id           bigint not null references tenant (id),
    contract_id         bigint not null,
    variations          numeric(20, 2) not null default 0,
    certified           numeric(20, 2) not null default 0,
    retention_certified numeric(20, 2) not null default 0,
    invoiced_net        numeric(20, 2) not null default 0,
    invoiced            numeric(20, 2) not null default 0,
    due_to_pay          numeric(20, 2) not null default 0,
    received            numeric(20, 2) not null default 0,
    retention_received  numeric(20, 2) not null default 0,
    paid                numeric(20, 2) not null default 0,
    retention_paid      numeric(20, 2) not null default 0,
    -- What follows from the money and the contract's terms (`contract_money_figures`):
    -- where its committed cost lands and how much it is, what is receivable or payable and
    -- the retention still held. Kept with the money, so company-wide pages add up a column
    -- instead of working out every contract on each view.
    project_id          bigint,
    category_id         bigint,
    committed           numeric(20, 2) not null default 0,
    receivable          numeric(20, 2) not null default 0,
    payable             numeric(20, 2) not null default 0,
    retention_held      numeric(20, 2) not null default 0,
    primary key (tenant_id, contract_id),
    foreign key (tenant_id, contract_id) references contract (tenant_id, id) on delete cascade
);

-- Adds a change to a contract's row. Every contract has its row from the start
-- (`contract_money_terms`); while a contract is being deleted (a draft, its variations going
-- with it by cascade) its row may already be gone, and there is nothing left to add to.
create function contract_money_add(
    t bigint, k bigint, d_variations numeric, d_certified numeric,
    d_retention_certified numeric, d_invoiced_net numeric, d_invoiced numeric,
    d_due_to_pay numeric, d_received numeric, d_retention_received numeric, d_paid numeric,
    d_retention_paid numeric
) returns void language sql as $$
    update contract_money m
    set variations = m.variations + d_variations,
        certified = m.certified + d_certified,
        retention_certified = m.retention_certified + d_retention_certified,
        invoiced_net = m.invoiced_net + d_invoiced_net,
        invoiced = m.invoiced + d_invoiced,
        due_to_pay = m.due_to_pay + d_due_to_pay,
        received = m.received + d_received,
        retention_received = m.retention_received + d_retention_received,
        paid = m.paid + d_paid,
        retention_paid = m.retention_paid + d_retention_paid
    where m.tenant_id = t and m.contract_id = k
$$;

-- A source row's share of its contract's money (`sign` -1 takes an old row's share away).
create function contract_money_share(source text, r jsonb, sign int)
returns void language plpgsql as $$
declare
    t bigint := (r ->> 'tenant_id')::bigint;
    k bigint := (r ->> 'contract_id')::bigint;
    amount numeric := sign * coalesce((r ->> 'amount')::numeric, 0);
begin
    case source
    when 'contract_variation' then
        perform contract_money_add(t, k, amount, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    when 'payment_application' then
        if r ->> 'status' = 'certified' then
            perform contract_money_add(t, k, 0,
                                       sign * (r ->> 'certified_amount')::numeric,
                                       sign * (r ->> 'retention_amount')::numeric,
                                       0, 0, 0, 0, 0, 0, 0);
        end if;
    when 'cost_entry' then
        perform contract_money_add(t, k, 0, 0, 0, amount,
                                   amount + sign * (r ->> 'tax_amount')::numeric,
                                   0, 0, 0, 0, 0);
    when 'payment_request' then
        if r ->> 'status' = 'approved' then
            perform contract_money_add(t, k, 0, 0, 0, 0, 0, amount, 0, 0, 0, 0);
        end if;
    when 'fund_contract_flow' then
        perform contract_money_add(
            t, k, 0, 0, 0, 0, 0, 0,
            case when r ->> 'kind' = 'progress_receipt' then amount else 0 end,
            case when r ->> 'kind' = 'retention_receipt' then amount else 0 end,
            case when r ->> 'kind' = 'contract_payment' then amount else 0 end,
            case when r ->> 'kind' = 'retention_payment' then amount else 0 end);
    end case;
end
$$;

create function contract_money_keep() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform contract_money_share(tg_table_name, to_jsonb(old), -1);
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        perform contract_money_share(tg_table_name, to_jsonb(new), 1);
    end if;
    return null;
end
$$;

-- Only the columns a contract's money depends on wake the triggers (a bench clearing
-- `change_request_id` on variations, say, does not).
create trigger contract_money_keep after insert or delete or update of contract_id, amount
    on contract_variation for each row execute function contract_money_keep();
create trigger contract_money_keep
    after insert or delete or update of contract_id, status, certified_amount, retention_amount
    on payment_application for each row execute function contract_money_keep();
create trigger contract_money_keep_insert after insert on cost_entry
    for each row when (new.contract_id is not null) execute function contract_money_keep();
create trigger contract_money_keep_delete after delete on cost_entry
    for each row when (old.contract_id is not null) execute function contract_money_keep();
create trigger contract_money_keep_update after update of contract_id, amount, tax_amount
    on cost_entry
    for each row when (old.contract_id is not null or new.contract_id is not null)
    execute function contract_money_keep();
create trigger contract_money_keep
    after insert or delete or update of contract_id, status, amount
    on payment_request for each row execute function contract_money_keep();
create trigger contract_money_keep
    after insert or delete or update of contract_id, kind, amount
    on fund_contract_flow for each row execute function contract_money_keep();

-- The figures that follow from a contract's money and terms, worked out whenever the row or
-- its contract changes:
-- - committed cost: what a signed expense contract has not yet turned into cost, its amount
--   without VAT less the larger of what was invoiced (cost entries booked against it) and
--   what was paid on it (payments without VAT), never below zero; a contract without a
--   category commits subcontract cost;
-- - 应收 (income): certified less received, never below zero;
-- - retention held: by the client (income), what it withheld less what it paid back; from
--   the other party (expense), the retention share of what was invoiced so far (up to the
--   contract's amount) less what was paid back; never below zero;
-- - 应付 (expense): invoiced less everything paid, less the retention still held (shown
--   apart, not as a debt overdue), never below zero.
create function contract_money_figures() returns trigger language plpgsql as $$
declare
    k record;
    income boolean;
begin
    select c.project_id, c.direction, c.status, c.amount, c.tax_rate, c.retention_percent,
           coalesce(c.category_id,
                    (select g.id from cost_category g
                     where g.tenant_id = c.tenant_id and g.builtin = 'subcontract')) as category_id
    into k
    from contract c where c.tenant_id = new.tenant_id and c.id = new.contract_id;
    income := k.direction = 'income';
    new.project_id := k.project_id;
    new.category_id := k.category_id;
    new.committed := case when k.direction = 'expense' and k.status = 'signed' then
        greatest(round((k.amount + new.variations) / (1 + k.tax_rate / 100), 2)
                 - greatest(new.invoiced_net,
                            round((new.paid + new.retention_paid) / (1 + k.tax_rate / 100), 2)),
                 0)
        else 0 end;
    new.receivable := case when income then greatest(new.certified - new.received, 0) else 0 end;
    new.retention_held := case
        when income then greatest(new.retention_certified - new.retention_received, 0)
        when k.direction = 'expense' then
            greatest(round(least(new.invoiced, k.amount + new.variations)
                           * k.retention_percent / 100, 2)
                     - new.retention_paid, 0)
        else 0 end;
    new.payable := case when k.direction = 'expense' then
        greatest(new.invoiced - new.paid - new.retention_paid - new.retention_held, 0)
        else 0 end;
    return new;
end
$$;

create trigger contract_money_figures before insert or update on contract_money
    for each row execute function contract_money_figures();

-- A contract's own terms move its committed cost too: every contract has its row from the
-- start, and a change of its terms works the row out again.
create function contract_money_terms() returns trigger language plpgsql as $$
begin
    insert into contract_money as m (tenant_id, contract_id)
    values (new.tenant_id, new.id)
    on conflict (tenant_id, contract_id) do update set variations = m.variations;
    return null;
end
$$;

create trigger contract_money_terms
    after insert or update of project_id, direction, status, amount, tax_rate, category_id,
                              retention_percent
    on contract for each row execute function contract_money_terms();

-- Committed cost by project and category, for the cost report, the overview and the
-- dashboard: a row per category instead of working out every contract on each view.
create table cost_committed_total (
    tenant_id   bigint not null references tenant (id),
    project_id  bigint not null,
    category_id bigint not null,
    amount      numeric(20, 2) not null default 0,
    primary key (tenant_id, project_id, category_id)
);

create function cost_committed_total_keep() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and old.committed <> 0 then
        update cost_committed_total t set amount = t.amount - old.committed
        where t.tenant_id = old.tenant_id and t.project_id = old.project_id
          and t.category_id = old.category_id;
    end if;
    if tg_op in ('UPDATE', 'INSERT') and new.committed <> 0 then
        insert into cost_committed_total as t (tenant_id, project_id, category_id, amount)
        values (new.tenant_id, new.project_id, new.category_id, new.committed)
        on conflict (tenant_id, project_id, category_id) do update
        set amount = t.amount + excluded.amount;
    end if;
    return null;
end
$$;

create trigger cost_committed_total_keep after insert or update or delete on contract_money
    for each row execute function cost_committed_total_keep();

-- The cost centre's views read the row instead of the entries and the ledger.
create or replace view project_billing with (security_invoker = true) as
select k.tenant_id, k.project_id,
       coalesce(sum(m.certified + m.retention_certified), 0)::numeric(18, 2) as billed,
       coalesce(sum(m.received + m.retention_received), 0)::numeric(18, 2) as collected
from contract k
join contract_money m on m.tenant_id = k.tenant_id and m.contract_id = k.id
where k.direction = 'income'
group by k.tenant_id, k.project_id;

create or replace view cost_committed with (security_invoker = true) as
select tenant_id, project_id, category_id, committed::numeric(18, 2) as amount
from contract_money
where committed <> 0;

-- Actual cost by project and category over all months: the cost overview and the
-- dashboard's cost panel read a row per category instead of adding up every month. Kept by
-- a row-level trigger on the monthly roll-up, which changes once per month touched by a
-- statement, not once per entry.
create table cost_actual_total (
    tenant_id   bigint not null references tenant (id),
    project_id  bigint not null,
    category_id bigint not null,
    entries     bigint not null default 0,
    amount      numeric(20, 2) not null default 0,
    primary key (tenant_id, project_id, category_id)
);

create function cost_actual_total_keep() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        update cost_actual_total t
        set entries = t.entries - old.entries, amount = t.amount - old.amount
        where t.tenant_id = old.tenant_id and t.project_id = old.project_id
          and t.category_id = old.category_id;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into cost_actual_total as t (tenant_id, project_id, category_id, entries, amount)
        values (new.tenant_id, new.project_id, new.category_id, new.entries, new.amount)
        on conflict (tenant_id, project_id, category_id) do update
        set entries = t.entries + excluded.entries, amount = t.amount + excluded.amount;
    end if;
    return null;
end
$$;

create trigger cost_actual_total_keep after insert or update or delete on cost_actual_month
    for each row execute function cost_actual_total_keep();

grant select on cost_committed, project_billing to girder_app;

-- Row-level security on the new tables, as on every tenant table.
do $$
declare
    t text;
begin
    foreach t in array array['contract_money', 'cost_committed_total', 'cost_actual_total']
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

-- What is there already. Row-level security binds the migration's role too, hence one
-- tenant at a time.
do $$
declare
    t record;
begin
    for t in select id from tenant loop
        perform set_config('app.tenant_id', t.id::text, true);
        insert into contract_money
            (tenant_id, contract_id, variations, certified, retention_certified, invoiced_net,
             invoiced, due_to_pay, received, retention_received, paid, retention_paid)
        select k.tenant_id, k.id,
               coalesce((select sum(v.amount) from contract_variation v
                         where v.tenant_id = k.tenant_id and v.contract_id = k.id), 0),
               coalesce(a.certified, 0), coalesce(a.retention, 0),
               coalesce(e.net, 0), coalesce(e.gross, 0),
               coalesce((select sum(q.amount) from payment_request q
                         where q.tenant_id = k.tenant_id and q.contract_id = k.id
                           and q.status = 'approved'), 0),
               coalesce(f.received, 0), coalesce(f.retention_received, 0),
               coalesce(f.paid, 0), coalesce(f.retention_paid, 0)
        from contract k
        left join (select contract_id, sum(certified_amount) as certified,
                          sum(retention_amount) as retention
                   from payment_application
                   where tenant_id = t.id and status = 'certified'
                   group by contract_id) a on a.contract_id = k.id
        left join (select contract_id, sum(amount) as net, sum(amount + tax_amount) as gross
                   from cost_entry
                   where tenant_id = t.id and contract_id is not null
                   group by contract_id) e on e.contract_id = k.id
        left join (select contract_id,
                          sum(amount) filter (where kind = 'progress_receipt') as received,
                          sum(amount) filter (where kind = 'retention_receipt')
                              as retention_received,
                          sum(amount) filter (where kind = 'contract_payment') as paid,
                          sum(amount) filter (where kind = 'retention_payment')
                              as retention_paid
                   from fund_contract_flow
                   where tenant_id = t.id
                   group by contract_id) f on f.contract_id = k.id
        where k.tenant_id = t.id;
        insert into cost_actual_total (tenant_id, project_id, category_id, entries, amount)
        select tenant_id, project_id, category_id, sum(entries), sum(amount)
        from cost_actual_month
        where tenant_id = t.id
        group by 1, 2, 3;
    end loop;
    perform set_config('app.tenant_id', '', true);
end
$$;
