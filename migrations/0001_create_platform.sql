-- The platform: tenants, their users and settings, sessions, licences, the audit log and the
-- vendor's operators. Tenant-owned tables follow DESIGN.md: tenant_id leads the key, foreign
-- keys and indexes; row-level security is enabled and forced on each.

-- The role the application runs as. Created here so grants below can name it; private clusters
-- and tests give it a password, other installs grant it to their login role.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'girder_app') then
        create role girder_app nologin nosuperuser nobypassrls nocreatedb nocreaterole;
    end if;
end
$$;

-- Cross-tenant ------------------------------------------------------------------------------

create table tenant (
    id              bigint generated always as identity primary key,
    name            text not null check (length(name) between 1 and 200),
    time_zone       text not null default 'Asia/Shanghai',
    currency        text not null default 'CNY' check (currency ~ '^[A-Z]{3}$'),
    default_locale  text not null default 'zh-CN' check (default_locale in ('zh-CN', 'en')),
    plan            text not null default 'trial' check (plan in ('trial', 'licensed')),
    trial_ends_at   timestamptz not null,
    trial_extended  boolean not null default false,
    -- The active licence, copied here so the operator console reads it without crossing RLS.
    licence_seats   integer check (licence_seats > 0),
    licence_expires_on date,
    licence_modules text[] not null default '{}',
    suspended_at    timestamptz,
    last_active_at  timestamptz,
    -- Kept by a trigger on app_user, in the same transaction.
    user_count        integer not null default 0,
    active_user_count integer not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    version         integer not null default 1
);

create table platform_operator (
    id            bigint generated always as identity primary key,
    email         text not null unique check (email = lower(email)),
    name          text not null,
    password_hash text not null,
    active        boolean not null default true,
    created_at    timestamptz not null default now()
);

-- Server-side sessions (tower-sessions records).
create table session (
    id          text primary key,
    data        jsonb not null,
    expires_at  timestamptz not null
);
create index session_expires_at_idx on session (expires_at);

-- Tenant-owned ------------------------------------------------------------------------------

create table app_user (
    tenant_id      bigint not null references tenant (id),
    id             bigint generated always as identity,
    email          text not null check (email = lower(email) and length(email) <= 254),
    name           text not null check (length(name) between 1 and 100),
    phone          text check (length(phone) <= 40),
    role           text not null check (role in ('owner', 'admin', 'project_manager', 'finance', 'foreman', 'viewer')),
    locale         text check (locale in ('zh-CN', 'en')),
    password_hash  text not null,
    active         boolean not null default true,
    last_login_at  timestamptz,
    created_at     timestamptz not null default now(),
    created_by     bigint,
    updated_at     timestamptz not null default now(),
    updated_by     bigint,
    version        integer not null default 1,
    primary key (tenant_id, id),
    constraint app_user_tenant_id_email_key unique (tenant_id, email)
);

-- Sign-in looks a person up by email before it knows the tenant; emails are unique platform-wide.
create table login_identity (
    email      text primary key check (email = lower(email)),
    tenant_id  bigint not null,
    user_id    bigint not null,
    foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);

create table tenant_module (
    tenant_id   bigint not null references tenant (id),
    module      text not null check (module in ('plans', 'progress', 'cost', 'funds', 'labour', 'changes')),
    enabled     boolean not null,
    updated_at  timestamptz not null default now(),
    updated_by  bigint,
    primary key (tenant_id, module)
);

create table invitation (
    tenant_id    bigint not null references tenant (id),
    id           bigint generated always as identity,
    email        text not null check (email = lower(email)),
    role         text not null check (role in ('admin', 'project_manager', 'finance', 'foreman', 'viewer')),
    token_hash   bytea not null,
    invited_by   bigint not null,
    expires_at   timestamptz not null,
    accepted_at  timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, invited_by) references app_user (tenant_id, id)
);
create index invitation_tenant_id_token_hash_idx on invitation (tenant_id, token_hash);

create table password_reset (
    tenant_id   bigint not null references tenant (id),
    id          bigint generated always as identity,
    user_id     bigint not null,
    token_hash  bytea not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, id)
);
create index password_reset_tenant_id_token_hash_idx on password_reset (tenant_id, token_hash);

create table licence (
    tenant_id     bigint not null references tenant (id),
    id            bigint generated always as identity,
    key_id        text not null,
    licence_key   text not null,
    seats         integer not null check (seats > 0),
    modules       text[] not null,
    expires_on    date,
    activated_at  timestamptz not null default now(),
    activated_by  bigint not null,
    primary key (tenant_id, id),
    constraint licence_tenant_id_key_id_key unique (tenant_id, key_id),
    foreign key (tenant_id, activated_by) references app_user (tenant_id, id)
);

create table audit_log (
    tenant_id      bigint not null references tenant (id),
    id             bigint generated always as identity,
    at             timestamptz not null default now(),
    actor_user_id  bigint,
    actor_label    text not null,
    entity         text not null,
    entity_id      bigint,
    action         text not null check (action in ('create', 'update', 'delete')),
    summary        text not null default '',
    before         jsonb,
    after          jsonb,
    primary key (tenant_id, id)
);
create index audit_log_tenant_id_at_idx on audit_log (tenant_id, at desc);
create index audit_log_tenant_id_entity_idx on audit_log (tenant_id, entity, entity_id);
create index audit_log_tenant_id_actor_idx on audit_log (tenant_id, actor_user_id, at desc);

-- Row-level security on every tenant-owned table.
do $$
declare
    t text;
begin
    foreach t in array array['app_user', 'tenant_module', 'invitation', 'password_reset', 'licence', 'audit_log']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy tenant_isolation on %I
                using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::bigint)
                with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::bigint)',
            t);
    end loop;
end
$$;

-- The user counts on tenant, kept in the same transaction as the change (under the tenant's RLS).
create function app_user_count_rollup() returns trigger
language plpgsql as $$
declare
    tid bigint := coalesce(new.tenant_id, old.tenant_id);
begin
    update tenant
       set user_count = (select count(*) from app_user where tenant_id = tid),
           active_user_count = (select count(*) from app_user where tenant_id = tid and active)
     where id = tid;
    return null;
end
$$;
create trigger app_user_count_rollup
    after insert or update of active or delete on app_user
    for each row execute function app_user_count_rollup();

-- What the application may do. The audit log is append-only.
grant usage on schema public to girder_app;
grant select, insert, update, delete on all tables in schema public to girder_app;
revoke update, delete on audit_log from girder_app;
grant usage, select on all sequences in schema public to girder_app;
