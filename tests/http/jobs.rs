//! The job queue: a job whose worker stopped is taken again by a live worker once its lease
//! runs out, a job that used up its attempts is failed with a message its page shows (and
//! the page stops reloading), a failing attempt is retried, and the workers of a server run
//! what is queued without being asked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{StatusCode, header};
use girder::db::TenantScope;
use girder::error::AppResult;
use girder::ids::TenantId;
use girder::jobs::{
    self, BoxFuture, GaveUp, GaveUpReason, Handler, Job, JobError, Registry, Runner,
};

use crate::labour_import::{ID_C, ID_D, Site, WORKERS_HEAD, assert_ended, count, site, upload};
use crate::support::{TestApp, TestResponse};

fn runner(app: &TestApp) -> Runner {
    Runner::new(
        app.state.db.clone(),
        Registry::new([girder::labour::import::JOB]),
    )
}

/// A worker whose process stops: its lease runs out (as it would some seconds after its
/// last heartbeat).
async fn lease_runs_out(app: &TestApp) {
    app.exec("update job set locked_until = now() - interval '1 second' where status = 'running'")
        .await;
}

async fn job_row(app: &TestApp, column: &str) -> i64 {
    app.count(&format!(
        "select {column}::bigint from job order by id desc limit 1"
    ))
    .await
}

/// Two good workers, uploaded; the import is queued.
async fn queued_workers_import(site: &mut Site) -> String {
    let file = format!("{WORKERS_HEAD}王五,{ID_C},,普工,,280,,\n赵六,{ID_D},,电工,,350,,\n");
    let r = upload(&mut site.owner, "workers", "w.csv", file.into_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_owned()
}

fn assert_polls(page: &TestResponse) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.headers[header::REFRESH], "1");
    page.assert_contains("<meta http-equiv=\"refresh\" content=\"1\">");
}

#[tokio::test]
async fn a_job_whose_worker_stopped_is_taken_again_by_a_live_worker() {
    let mut site = site().await;
    let at = queued_workers_import(&mut site).await;
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site;
    let before = count(&app, "worker", tenant).await;

    // A worker claims the job, then its process stops: it never runs it.
    let dead = runner(&app).claim().await.unwrap().expect("a job to claim");
    assert_eq!(dead.attempt, 1);
    assert_eq!(job_row(&app, "attempts").await, 1);

    // While the dead worker's lease lasts, no one else takes the job.
    let live = runner(&app);
    assert_eq!(live.run_until_idle().await, 0);
    assert_polls(&owner.get(&at).await);
    assert_eq!(count(&app, "worker", tenant).await, before);

    // Once it has run out, a live worker does, and finishes it.
    lease_runs_out(&app).await;
    assert_eq!(live.run_until_idle().await, 1);
    let page = owner.get(&at).await;
    assert_ended(&page);
    assert_eq!(page.text("#status"), "已完成");
    assert!(
        page.text("#result").contains("已保存 2 名工人"),
        "{}",
        page.body
    );
    assert_eq!(count(&app, "worker", tenant).await, before + 2);
    assert_eq!(
        app.count("select count(*) from job where status = 'done' and attempts = 2 and data is null and locked_until is null")
            .await,
        1
    );

    // Were the stopped worker to come back, it could not end the job a second time.
    let mut scope = app.state.db.begin_tenant(TenantId(tenant)).await.unwrap();
    assert!(dead.complete(&mut scope).await.is_err());
    drop(scope);
    assert_eq!(live.run_until_idle().await, 0);
    assert_eq!(count(&app, "worker", tenant).await, before + 2);
}

#[tokio::test]
async fn a_server_that_shuts_down_puts_its_jobs_back_without_spending_an_attempt() {
    let mut site = site().await;
    let at = queued_workers_import(&mut site).await;
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site;
    let before = count(&app, "worker", tenant).await;

    // A server claims the job, then shuts down cleanly before ending it.
    let stopping = runner(&app);
    let held = stopping.claim().await.unwrap().expect("a job to claim");
    assert_eq!(held.attempt, 1);
    assert_eq!(stopping.release_held().await.unwrap(), 1);
    assert_eq!(
        app.count("select count(*) from job where status = 'queued' and attempts = 0 and locked_by is null and locked_until is null")
            .await,
        1
    );
    assert_polls(&owner.get(&at).await);

    // The next server runs it at once, on its first attempt: no lease to wait out.
    assert_eq!(runner(&app).run_until_idle().await, 1);
    assert_ended(&owner.get(&at).await);
    assert_eq!(count(&app, "worker", tenant).await, before + 2);
    assert_eq!(job_row(&app, "attempts").await, 1);
    // The stopped server's claim is worth nothing now.
    let mut scope = app.state.db.begin_tenant(TenantId(tenant)).await.unwrap();
    assert!(held.complete(&mut scope).await.is_err());
}

#[tokio::test]
async fn a_job_past_its_attempts_is_failed_with_a_message_and_its_page_stops_polling() {
    let mut site = site().await;
    let at = queued_workers_import(&mut site).await;
    let Site {
        app,
        mut owner,
        tenant,
        ..
    } = site;
    let before = count(&app, "worker", tenant).await;

    // Three workers in turn take the job and stop before ending it.
    for attempt in 1..=jobs::DEFAULT_MAX_ATTEMPTS {
        let dead = runner(&app).claim().await.unwrap().expect("a job to claim");
        assert_eq!(dead.attempt, attempt);
        lease_runs_out(&app).await;
    }
    assert_polls(&owner.get(&at).await);

    // The next worker gives it up instead of running it a fourth time.
    assert_eq!(runner(&app).run_until_idle().await, 1);
    let page = owner.get(&at).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_ended(&page);
    assert_eq!(page.text("#status"), "未导入");
    assert!(
        page.text("#result").contains("服务器停止了"),
        "{}",
        page.body
    );
    assert_eq!(count(&app, "worker", tenant).await, before);
    assert_eq!(
        app.count("select count(*) from job where status = 'failed' and attempts = 3 and data is null and error like '%server stopped%'")
            .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from labour_import where tenant_id = {tenant} and status = 'failed' and finished_at is not null"
        ))
        .await,
        1
    );
    // The recent imports list says so too.
    assert!(
        owner
            .get("/labour/import")
            .await
            .text("#jobs")
            .contains("未导入")
    );

    // In English as well.
    app.exec("update app_user set locale = 'en' where email = 'owner@acme.cn'")
        .await;
    let page = owner.get(&at).await;
    assert_ended(&page);
    assert_eq!(page.text("#status"), "Not imported");
    assert!(
        page.text("#result")
            .contains("The server stopped while this import ran"),
        "{}",
        page.body
    );
}

static PROBE_RUNS: AtomicUsize = AtomicUsize::new(0);
static PROBE_GAVE_UP: AtomicUsize = AtomicUsize::new(0);

fn probe_run(job: Job) -> BoxFuture<'static, Result<(), JobError>> {
    Box::pin(async move {
        PROBE_RUNS.fetch_add(1, Ordering::SeqCst);
        match job.payload.get("fail").and_then(|v| v.as_str()) {
            Some("panic") => panic!("the probe job panics"),
            Some(_) => Err(JobError::Retry("the probe job failed".to_owned())),
            None => Ok(()),
        }
    })
}

fn probe_gave_up<'a>(_: &'a mut TenantScope, job: &'a GaveUp) -> BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        assert!(matches!(job.reason, GaveUpReason::Failed(_)), "{job:?}");
        PROBE_GAVE_UP.fetch_add(1, Ordering::SeqCst);
        Ok(())
    })
}

const PROBE: Handler = Handler {
    kind: "probe_panic",
    run: probe_run,
    gave_up: probe_gave_up,
};

#[tokio::test]
async fn a_panicking_job_is_retried_then_given_up() {
    let app = TestApp::spawn().await;
    let (_, tenant) = app.signup("Acme", "owner@acme.cn").await;
    let mut scope = app.state.db.begin_tenant(TenantId(tenant)).await.unwrap();
    jobs::enqueue(
        &mut scope,
        PROBE.kind,
        &serde_json::json!({ "fail": "panic" }),
        None,
    )
    .await
    .unwrap();
    scope.commit().await.unwrap();
    let probe = Runner::new(app.state.db.clone(), Registry::new([PROBE]));

    for attempt in 1..=3 {
        assert_eq!(probe.run_until_idle().await, 1, "attempt {attempt}");
        if attempt < 3 {
            // Back in the queue, due a little later, with why.
            assert_eq!(
                app.count(&format!(
                    "select count(*) from job where status = 'queued' and attempts = {attempt}
                       and run_after > now() and error like '%panicked%'"
                ))
                .await,
                1
            );
            assert_eq!(probe.run_until_idle().await, 0, "not due yet");
            app.exec("update job set run_after = now()").await;
        }
    }
    assert_eq!(PROBE_RUNS.load(Ordering::SeqCst), 3);
    assert_eq!(PROBE_GAVE_UP.load(Ordering::SeqCst), 1);
    assert_eq!(
        app.count("select count(*) from job where status = 'failed' and attempts = 3 and error like '%panicked%'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_servers_workers_run_an_upload_without_being_asked() {
    let mut site = site().await;
    let Site { app, tenant, .. } = &site;
    let before = count(app, "worker", *tenant).await;
    let workers = jobs::start(app.state.db.clone(), [girder::labour::import::JOB]);
    let at = queued_workers_import(&mut site).await;
    let mut page = site.owner.get(&at).await;
    for _ in 0..100 {
        if page.text("#status") == "已完成" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        page = site.owner.get(&at).await;
    }
    assert_ended(&page);
    assert_eq!(page.text("#status"), "已完成", "{}", page.body);
    assert_eq!(count(&site.app, "worker", site.tenant).await, before + 2);
    for task in workers.tasks {
        task.abort();
    }
}
