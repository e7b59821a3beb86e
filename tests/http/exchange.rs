//! MS Project XML import and export, the milestones feed, and hostile files.

use axum::http::StatusCode;

use crate::support::{TestApp, TestClient};

const LIMITS: girder::config::UploadLimits = girder::config::UploadLimits::DEFAULT;

fn case(name: &str, file: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/scheduling/{name}/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn import(c: &mut TestClient, code: &str, xml: Vec<u8>) -> crate::support::TestResponse {
    c.get("/projects/import").await;
    c.post_multipart(
        "/projects/import",
        &[("code", code)],
        &[("file", "plan.xml", "application/xml", xml)],
    )
    .await
}

#[tokio::test]
async fn reference_networks_import_and_schedule_to_the_expected_dates() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    for name in ["case-04", "case-07"] {
        for file in ["network.xml", "scheduled.xml"] {
            let code = format!("{name}-{file}");
            let r = import(&mut owner, &code, case(name, file)).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let project: i64 = r
                .location()
                .trim_start_matches("/projects/")
                .parse()
                .unwrap();
            let expected: serde_json::Value =
                serde_json::from_slice(&case(name, "expected.json")).unwrap();
            let mut conn = app.superuser().await;
            // Tasks were created in file order, so ids follow the file.
            #[expect(clippy::disallowed_methods, reason = "a test reads rows the app wrote")]
            let rows: Vec<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> = sqlx::query_as(
                "select early_start, early_finish from task where project_id = $1 order by id",
            )
            .bind(project)
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let tasks = expected["tasks"].as_array().unwrap();
            assert_eq!(rows.len(), tasks.len());
            for (e, (es, ef)) in tasks.iter().zip(rows) {
                for (field, got) in [("early_start", es), ("early_finish", ef)] {
                    let got = got.unwrap().to_string();
                    let ok =
                        e[field].as_str() == Some(&got) || e["alt"][field].as_str() == Some(&got);
                    assert!(
                        ok,
                        "{name} {file} uid {} {field}: expected {} got {got}",
                        e["uid"], e[field]
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn export_round_trips_through_the_importer() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let r = import(&mut owner, "C5", case("case-05", "network.xml")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/projects/")
        .parse()
        .unwrap();
    let xml = owner.get(&format!("/projects/{id}/export.xml")).await;
    assert_eq!(xml.status, StatusCode::OK);
    assert!(
        xml.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let original = girder::plans::mspdi::parse(&case("case-05", "network.xml"), &LIMITS).unwrap();
    let exported = girder::plans::mspdi::parse(xml.body.as_bytes(), &LIMITS).unwrap();
    assert_eq!(exported.tasks.len(), original.tasks.len());
    let shape = |p: &girder::plans::mspdi::MspdiProject| {
        p.tasks
            .iter()
            .map(|t| (t.outline_level, t.duration_days, t.milestone, t.summary))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&exported), shape(&original));
    assert_eq!(exported.links.len(), original.links.len());
    assert_eq!(
        exported.calendar.holidays.len(),
        original.calendar.holidays.len()
    );
    assert!(
        exported
            .tasks
            .iter()
            .all(|t| t.start.is_some() && t.finish.is_some())
    );
    // And the export imports again, to the same dates.
    let again = import(&mut owner, "C5-again", xml.body.into_bytes()).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let same = app
        .count(&format!(
            "select count(*) from task a join task b on a.name = b.name and a.early_start = b.early_start and a.early_finish = b.early_finish
             where a.project_id = {id} and b.project_id = (select id from project where code = 'C5-again')"
        ))
        .await;
    assert!(same >= original.tasks.len() as i64);

    let ics = owner.get(&format!("/projects/{id}/milestones.ics")).await;
    assert_eq!(ics.status, StatusCode::OK);
    ics.assert_contains("BEGIN:VCALENDAR");
    assert_eq!(
        ics.body.matches("BEGIN:VEVENT").count(),
        original.tasks.iter().filter(|t| t.milestone).count()
    );
}

#[tokio::test]
async fn hostile_and_broken_files_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Project>&lol2;</Project>"#.to_vec();
    let network = String::from_utf8(case("case-01", "network.xml")).unwrap();
    // 3 → 4 → 6 exist; making 6 a predecessor of 3 closes a loop.
    let cycle = {
        let at = network.find("<UID>3</UID>").unwrap();
        let end = at + network[at..].find("</Task>").unwrap();
        let mut s = network.clone();
        s.insert_str(end, "<PredecessorLink><PredecessorUID>6</PredecessorUID><Type>1</Type><LinkLag>0</LinkLag><LagFormat>7</LagFormat></PredecessorLink>");
        s
    };
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "wrong root",
            b"<?xml version=\"1.0\"?><Workbook/>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Workbook",
        ),
        (
            "broken",
            network.as_bytes()[..network.len() / 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "import-error",
        ),
        (
            "laughs",
            laughs,
            StatusCode::UNPROCESSABLE_ENTITY,
            "import-error",
        ),
        (
            "garbage",
            vec![0xff, 0xfe, 0x00, 0x01, 0x02],
            StatusCode::UNPROCESSABLE_ENTITY,
            "import-error",
        ),
        (
            "cycle",
            cycle.into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "→",
        ),
        (
            "huge",
            vec![b' '; 50 * 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "20 MB",
        ),
    ];
    for (what, bytes, status, needle) in cases {
        let r = import(&mut owner, what, bytes).await;
        assert_eq!(
            r.status,
            status,
            "{what}: {}",
            &r.body[..r.body.len().min(2000)]
        );
        r.assert_contains(needle);
    }
    let r = import(&mut owner, "", Vec::new()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.field_error("code").is_empty());
    assert_eq!(app.count("select count(*) from project").await, 0);
    assert_eq!(app.count("select count(*) from task").await, 0);
    assert_eq!(
        app.count("select count(*) from calendar where name like '%(%'")
            .await,
        0
    );
    // Without the token nothing is read.
    let r = owner.post_raw("/projects/import", String::new()).await;
    assert!(r.status.is_client_error());
}

#[tokio::test]
async fn repeated_links_are_one_link_and_impossible_actuals_are_refused() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let network = String::from_utf8(case("case-01", "network.xml")).unwrap();
    // Task 4's predecessor link, listed a second time.
    let at = network.find("<UID>4</UID>").unwrap();
    let link_at = at + network[at..].find("<PredecessorLink>").unwrap();
    let link_end = link_at
        + network[link_at..].find("</PredecessorLink>").unwrap()
        + "</PredecessorLink>".len();
    let mut doubled = network.clone();
    doubled.insert_str(link_end, &network[link_at..link_end]);
    let r = import(&mut owner, "TWICE", doubled.into_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select count(*) from task_link").await, 4);

    // Task 3 finishing before it starts.
    let end = at.min(network.find("<UID>3</UID>").unwrap());
    let end = end + network[end..].find("</Task>").unwrap();
    let mut backwards = network.clone();
    backwards.insert_str(end, "<ActualStart>2025-06-10T08:00:00</ActualStart><ActualFinish>2025-06-02T17:00:00</ActualFinish><PercentComplete>100</PercentComplete>");
    let r = import(&mut owner, "BACKWARDS", backwards.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("2025-06-02");
    assert_eq!(
        app.count("select count(*) from project where code = 'BACKWARDS'")
            .await,
        0
    );
}
