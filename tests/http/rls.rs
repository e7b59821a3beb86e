//! Row-level security is the second wall behind `where tenant_id = …`: every table of the
//! migrated schema that has a `tenant_id` column has it ENABLED and FORCED (the tables'
//! owner is then held to it too), except the few tables read across tenants on purpose.
#![expect(
    clippy::disallowed_methods,
    reason = "the catalogue is read with plain SQL as the superuser"
)]

use crate::support::TestApp;

/// Tables with a `tenant_id` that are read across tenants on purpose, so they have no
/// row-level security and are reached only by the code named here.
const CROSS_TENANT: &[&str] = &[
    // Sign-in finds a user's tenant by email before any tenant is known
    // (src/db/cross_tenant.rs).
    "login_identity",
    // Workers claim queued jobs of every tenant; each job's work then runs in a transaction
    // bound to its tenant (migrations/0011_create_job_queue.sql, src/db/job_queue.rs).
    "job",
];

/// Every ordinary or partitioned table in `public` with a `tenant_id` column, with its
/// `relrowsecurity` and `relforcerowsecurity`.
async fn tenant_tables(app: &TestApp) -> Vec<(String, bool, bool)> {
    let mut conn = app.superuser().await;
    sqlx::query_as(
        "select c.relname::text, c.relrowsecurity, c.relforcerowsecurity
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public'
           and c.relkind in ('r', 'p')
           and exists (select 1 from pg_attribute a
                       where a.attrelid = c.oid and a.attname = 'tenant_id'
                         and a.attnum > 0 and not a.attisdropped)
         order by c.relname",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn every_tenant_owned_table_has_row_level_security_enabled_and_forced() {
    let app = TestApp::spawn().await;
    let tables = tenant_tables(&app).await;
    let names: Vec<&str> = tables.iter().map(|(t, _, _)| t.as_str()).collect();
    assert!(
        names.contains(&"app_user") && names.contains(&"project"),
        "the catalogue query found too few tables: {names:?}"
    );
    for listed in CROSS_TENANT {
        assert!(
            names.contains(listed),
            "{listed} is excepted here but is no table with a tenant_id: remove it from the list"
        );
    }

    let offenders: Vec<String> = tables
        .iter()
        .filter(|(t, _, _)| !CROSS_TENANT.contains(&t.as_str()))
        .filter(|(_, enabled, forced)| !(*enabled && *forced))
        .map(|(t, enabled, forced)| format!("{t} (enabled: {enabled}, forced: {forced})"))
        .collect();
    assert!(
        offenders.is_empty(),
        "tenant-owned tables without row-level security enabled and forced:\n  {}",
        offenders.join("\n  ")
    );
}
