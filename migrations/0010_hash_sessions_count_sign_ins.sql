-- Session ids are kept only as their SHA-256 (hex): a copy of the table no longer holds
-- live cookies. Existing rows are hashed in place, so nobody is signed out by the upgrade.
update session
set id = encode(sha256(convert_to(id, 'UTF8')), 'hex');

-- Sign-in, sign-up and password-reset attempts, counted per key (a client address or an
-- account) and fixed time window, in the database so every app server sees the same counts.
-- Cross-tenant: reached only through src/db/cross_tenant.rs.
create table auth_throttle (
    key           text not null check (length(key) <= 400),
    window_start  timestamptz not null,
    attempts      integer not null default 0,
    primary key (key, window_start)
);
create index auth_throttle_window_start_idx on auth_throttle (window_start);

grant select, insert, update, delete on auth_throttle to girder_app;
