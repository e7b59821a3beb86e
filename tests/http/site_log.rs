//! The daily site log over HTTP: writing a day's log with its crews and seeing it on the month
//! calendar, refused input, stale saves, "copy yesterday", photos (accepted, served, refused),
//! roles, and other tenants' ids.

use std::io::Cursor;

use axum::http::{StatusCode, header};
use chrono::{Datelike, Days, NaiveDate};
use girder::progress::site_log::{MAX_PHOTO_BYTES, PHOTO_BODY_LIMIT};
use image::{DynamicImage, ImageFormat, RgbImage};

use crate::support::builders::{Company, CompanyBuilder, add_member, create_project, user_id};
use crate::support::{TestApp, TestClient, TestResponse, assert_not_found};

/// The tenant's today (Asia/Shanghai, the default time zone).
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

fn log_path(project: i64, date: NaiveDate) -> String {
    format!("/projects/{project}/site-logs/{date}")
}

/// Saves the log of `date` as the form does: five crew rows, the empty ones sent empty.
async fn save_log(
    c: &mut TestClient,
    project: i64,
    date: NaiveDate,
    weather: &str,
    crews: &[(&str, &str)],
    work_done: &str,
    version: i32,
) -> TestResponse {
    c.get(&log_path(project, date)).await;
    let version = version.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("version", &version),
        ("weather", weather),
        ("temperature", "12–20℃"),
    ];
    for i in 0..crews.len().max(5) {
        let (crew, count) = crews.get(i).copied().unwrap_or(("", ""));
        fields.push(("crew", crew));
        fields.push(("headcount", count));
    }
    fields.push(("work_done", work_done));
    fields.push(("problems", "塔吊检修，停工两小时"));
    c.post_form(&log_path(project, date), &fields).await
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| image::Rgb([30, (x % 256) as u8, 200]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn upload(
    c: &mut TestClient,
    project: i64,
    date: NaiveDate,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> TestResponse {
    c.get(&log_path(project, date)).await;
    c.post_multipart(
        &format!("{}/photos", log_path(project, date)),
        &[],
        &[("photo", name, content_type, bytes)],
    )
    .await
}

#[tokio::test]
async fn a_log_with_crews_shows_on_the_calendar_with_its_headcount() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let day = days_ago(1);

    let r = save_log(
        &mut owner,
        project,
        day,
        "sunny",
        &[("木工班", "12"), ("钢筋班", "8")],
        "三层楼板浇筑完成",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), log_path(project, day));
    let page = owner.follow(&r).await;
    page.assert_contains("施工日志已保存。");
    page.assert_contains("value=\"木工班\"");
    page.assert_contains("value=\"钢筋班\"");
    page.assert_contains("三层楼板浇筑完成");
    page.assert_contains("<option value=\"sunny\" selected>晴</option>");

    let month = owner
        .get(&format!(
            "/projects/{project}/site-logs?month={}",
            day.format("%Y-%m")
        ))
        .await;
    assert_eq!(month.status, StatusCode::OK);
    assert_eq!(month.text("td.has-log .count"), "20 人");
    month.assert_contains(&format!("href=\"{}\"", log_path(project, day)));
    assert_eq!(
        month.text("#month-title"),
        format!("{}年{}月", day.year(), day.month())
    );
    // Days without a log link to the form; the future has no link.
    month.assert_contains("class=\"new\"");
    // The default month is the tenant's current one.
    let current = owner.get(&format!("/projects/{project}/site-logs")).await;
    assert_eq!(
        current.text("#month-title"),
        format!("{}年{}月", today().year(), today().month())
    );

    // Saving again replaces the crews in the same transaction.
    let r = save_log(
        &mut owner,
        project,
        day,
        "rain",
        &[("瓦工班", "5")],
        "砌筑",
        1,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select count(*) from site_log_crew").await, 1);
    assert_eq!(
        app.count("select sum(headcount) from site_log_crew").await,
        5
    );
    assert_eq!(app.count("select version::bigint from site_log").await, 2);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'site_log'")
            .await,
        2
    );
    let month = owner
        .get(&format!(
            "/projects/{project}/site-logs?month={}",
            day.format("%Y-%m")
        ))
        .await;
    assert_eq!(month.text("td.has-log .count"), "5 人");
}

#[tokio::test]
async fn bad_input_is_refused_with_messages_and_nothing_saved() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let day = days_ago(1);

    let future = today().checked_add_days(Days::new(2)).unwrap();
    let r = save_log(
        &mut owner,
        project,
        future,
        "sunny",
        &[("木工班", "3")],
        "x",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("不能填写未来日期的施工日志。");

    let r = save_log(
        &mut owner,
        project,
        day,
        "hail",
        &[("木工班", "-1"), ("木工班", "3"), ("", "4")],
        "浇筑",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("weather"), "请从选项中选择。");
    assert_eq!(r.field_error("headcount_0"), "数值超出范围。");
    assert_eq!(r.field_error("crew_1"), "该班组已在上面填写。");
    assert_eq!(r.field_error("crew_2"), "此项必填。");
    // What was typed stays in the form.
    r.assert_contains("value=\"-1\"");
    r.assert_contains("浇筑");

    let r = save_log(
        &mut owner,
        project,
        day,
        "sunny",
        &[("木工班", "10001")],
        &"很".repeat(10_001),
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.field_error("headcount_0"), "数值超出范围。");
    assert_eq!(r.field_error("work_done"), "内容过长。");

    for table in [
        "site_log",
        "site_log_crew",
        "audit_log where entity = 'site_log'",
    ] {
        assert_eq!(
            app.count(&format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }

    // A date that is not a date is not a page.
    for bad in ["2026-02-30", "yesterday", "2026-3-1"] {
        assert_not_found(
            &owner
                .get(&format!("/projects/{project}/site-logs/{bad}"))
                .await,
        );
    }
}

#[tokio::test]
async fn a_stale_save_answers_409_with_the_other_values() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let mut pm = app.user(tenant, "pm@acme.cn", "project_manager").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "pm@acme.cn").await,
        "manager",
    )
    .await;
    let day = days_ago(2);
    let r = save_log(
        &mut owner,
        project,
        day,
        "sunny",
        &[("木工班", "12")],
        "第一版",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Both read version 1; the project manager saves first.
    let r = save_log(
        &mut pm,
        project,
        day,
        "cloudy",
        &[("木工班", "14")],
        "项目经理的版本",
        1,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = save_log(
        &mut owner,
        project,
        day,
        "rain",
        &[("木工班", "9")],
        "业主的版本",
        1,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let box_text = r.text("#refusal");
    assert!(box_text.contains("其他人保存了这篇日志"), "{box_text}");
    assert!(box_text.contains("项目经理的版本"), "{box_text}");
    assert!(box_text.contains("多云"), "{box_text}");
    // The owner's input is kept, at the current version, for a deliberate overwrite.
    r.assert_contains("业主的版本");
    r.assert_contains("name=\"version\" value=\"2\"");
    assert_eq!(
        app.count("select count(*) from site_log where work_done = '项目经理的版本'")
            .await,
        1
    );

    // Creating a log that someone else created meanwhile is a conflict too.
    let r = save_log(&mut owner, project, day, "rain", &[], "又一个新日志", 0).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let r = save_log(
        &mut owner,
        project,
        day,
        "rain",
        &[("木工班", "9")],
        "业主的版本",
        2,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select version::bigint from site_log").await, 3);
}

#[tokio::test]
async fn copy_yesterday_starts_the_day_from_the_last_log() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let earlier = days_ago(3);
    let day = days_ago(1);
    let r = save_log(
        &mut owner,
        project,
        earlier,
        "light_rain",
        &[("木工班", "12"), ("钢筋班", "8")],
        "模板支设",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = owner.get(&log_path(project, day)).await;
    page.assert_contains(&format!("复制上一篇日志 ({earlier})"));
    let r = owner
        .post_form(&format!("{}/copy-yesterday", log_path(project, day)), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.follow(&r).await;
    page.assert_contains("已复制上一篇日志");
    page.assert_contains("value=\"木工班\"");
    page.assert_contains("<option value=\"light_rain\" selected>小雨</option>");
    page.assert_contains("模板支设");
    assert_eq!(
        app.count(&format!(
            "select count(*) from site_log l join site_log_crew c on c.site_log_id = l.id
             where l.log_date = '{day}' and l.temperature = '' and l.problems = ''"
        ))
        .await,
        2
    );
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'site_log'")
            .await,
        2
    );

    // The day has a log now: nothing more to copy into it.
    let r = owner
        .post_form(&format!("{}/copy-yesterday", log_path(project, day)), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text("#refusal").contains("这一天已经有日志"));
    // Nothing earlier than the first log.
    let first = days_ago(5);
    let r = owner
        .post_form(&format!("{}/copy-yesterday", log_path(project, first)), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text("#refusal").contains("之前没有可复制的日志"));
    let future = today().checked_add_days(Days::new(2)).unwrap();
    let r = owner
        .post_form(
            &format!("{}/copy-yesterday", log_path(project, future)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from site_log").await, 2);
}

#[tokio::test]
async fn photos_upload_and_are_served_with_their_type_and_thumbnail() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let day = days_ago(1);
    save_log(
        &mut owner,
        project,
        day,
        "sunny",
        &[("木工班", "3")],
        "浇筑",
        0,
    )
    .await;

    let png_bytes = png(640, 480);
    let r = upload(
        &mut owner,
        project,
        day,
        "C:\\相机\\现场.png",
        "image/png",
        png_bytes.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{}#photos", log_path(project, day)));
    let page = owner.follow(&r).await;
    page.assert_contains("照片已上传。");
    page.assert_contains("现场.png");
    let png_id = app.count("select max(id) from site_log_photo").await;
    page.assert_contains(&format!(
        "/projects/{project}/site-logs/photos/{png_id}/thumb"
    ));
    // Stored byte for byte as uploaded.
    assert_eq!(
        app.count(&format!(
            "select count(*) from site_log_photo where id = {png_id}
             and bytes = '\\x{}'::bytea and file_name = '现场.png'",
            hex(&png_bytes)
        ))
        .await,
        1
    );

    let jpeg_bytes = jpeg(400, 900);
    let r = upload(
        &mut owner,
        project,
        day,
        "IMG_0001.JPG",
        "image/jpeg",
        jpeg_bytes,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let jpeg_id = app.count("select max(id) from site_log_photo").await;

    let photo = owner
        .get(&format!("/projects/{project}/site-logs/photos/{png_id}"))
        .await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(photo.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        photo.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert!(
        photo.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(&photo.body[3..6], "PNG");

    let photo = owner
        .get(&format!("/projects/{project}/site-logs/photos/{jpeg_id}"))
        .await;
    assert_eq!(photo.headers[header::CONTENT_TYPE], "image/jpeg");

    // Thumbnails are JPEGs of at most 320 px on the long side.
    for id in [png_id, jpeg_id] {
        let thumb = owner
            .get(&format!("/projects/{project}/site-logs/photos/{id}/thumb"))
            .await;
        assert_eq!(thumb.status, StatusCode::OK);
        assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(thumb.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    let mut db = app.superuser().await;
    let thumb: Vec<u8> = sqlx::query_scalar!(
        "select thumbnail from site_log_photo where id = $1",
        jpeg_id
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    let thumb = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (142, 320));

    // The calendar counts the photos; deleting one leaves an audit row.
    let month = owner
        .get(&format!(
            "/projects/{project}/site-logs?month={}",
            day.format("%Y-%m")
        ))
        .await;
    assert!(month.text("td.has-log .pics").contains('2'));
    owner.get(&log_path(project, day)).await;
    let r = owner
        .post_form(
            &format!("/projects/{project}/site-logs/photos/{png_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    owner.follow(&r).await.assert_contains("照片已删除。");
    assert_eq!(app.count("select count(*) from site_log_photo").await, 1);
    assert_not_found(
        &owner
            .get(&format!("/projects/{project}/site-logs/photos/{png_id}"))
            .await,
    );
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'site_log_photo'")
            .await,
        3
    );
}

#[tokio::test]
async fn files_that_are_not_jpeg_or_png_are_refused_and_nothing_saved() {
    // The app-wide body limit must admit a photo upload (see `PHOTO_BODY_LIMIT`).
    let app = TestApp::spawn_with(|c| c.body_limit = c.body_limit.max(PHOTO_BODY_LIMIT)).await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let project = create_project(&mut owner, "P1", "").await;
    let day = days_ago(1);
    save_log(&mut owner, project, day, "sunny", &[], "浇筑", 0).await;

    let whole = png(200, 200);
    let mut oversized = jpeg(16, 16);
    oversized.resize(MAX_PHOTO_BYTES + 1, 0);
    let cases: [(&str, &str, Vec<u8>, &str); 5] = [
        (
            "notes.jpg",
            "image/jpeg",
            b"this is only text, whatever its name says".to_vec(),
            "只接受 JPEG 或 PNG 照片",
        ),
        (
            "anim.png",
            "image/png",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec(),
            "只接受 JPEG 或 PNG 照片",
        ),
        (
            "cut.png",
            "image/png",
            whole[..whole.len() / 2].to_vec(),
            "无法读取这张图片",
        ),
        ("big.jpg", "image/jpeg", oversized, "照片超过 10 MB"),
        ("", "application/octet-stream", Vec::new(), "请选择要上传的照片"),
    ];
    for (name, content_type, bytes, message) in cases {
        let r = upload(&mut owner, project, day, name, content_type, bytes).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        let shown = r.field_error("photo");
        assert!(shown.contains(message), "{name}: {shown}");
    }
    assert_eq!(app.count("select count(*) from site_log_photo").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'site_log_photo'")
            .await,
        0
    );

    // A day without a log takes no photos; a forged upload (no token) is refused outright.
    let r = upload(
        &mut owner,
        project,
        days_ago(4),
        "a.png",
        "image/png",
        png(10, 10),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_error("photo").contains("请先保存当天的日志"));
    owner.csrf = Some("forged".into());
    let r = owner
        .post_multipart(
            &format!("{}/photos", log_path(project, day)),
            &[],
            &[("photo", "a.png", "image/png", png(10, 10))],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("select count(*) from site_log_photo").await, 0);
}

/// A PNG of noise: it does not compress, so it is about `3 × w × h` bytes.
fn noise_png(w: u32, h: u32) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let img = RgbImage::from_fn(w, h, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [r, g, b, _] = seed.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_phone_photo_of_several_megabytes_is_accepted() {
    // Bigger than a form may be: the photo route lifts axum's 2 MB limit to
    // `PHOTO_BODY_LIMIT`, which the app-wide limit must admit too.
    let app = TestApp::spawn_with(|c| c.body_limit = c.body_limit.max(PHOTO_BODY_LIMIT)).await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let project = create_project(&mut owner, "P1", "").await;
    let day = days_ago(1);
    save_log(&mut owner, project, day, "sunny", &[], "浇筑", 0).await;
    let big = noise_png(1100, 1000);
    assert!(big.len() > 3 * 1024 * 1024, "{}", big.len());
    let size = big.len();
    let r = upload(&mut owner, project, day, "big.png", "image/png", big).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("select octet_length(bytes)::bigint from site_log_photo")
            .await,
        i64::try_from(size).unwrap()
    );
}

#[tokio::test]
async fn a_foreman_may_write_and_a_viewer_may_only_read() {
    let Company {
        app,
        mut owner,
        tenant,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let mut foreman = app.user(tenant, "foreman@acme.cn", "foreman").await;
    let mut viewer = app.user(tenant, "viewer@acme.cn", "viewer").await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "foreman@acme.cn").await,
        "foreman",
    )
    .await;
    add_member(
        &mut owner,
        project,
        user_id(&app, "viewer@acme.cn").await,
        "viewer",
    )
    .await;
    let day = days_ago(1);

    let r = save_log(
        &mut foreman,
        project,
        day,
        "overcast",
        &[("架子工", "6")],
        "脚手架搭设",
        0,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = upload(
        &mut foreman,
        project,
        day,
        "a.jpg",
        "image/jpeg",
        jpeg(50, 50),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photo = app.count("select max(id) from site_log_photo").await;

    // The viewer reads the log, without a form to change it.
    let page = viewer.get(&log_path(project, day)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("脚手架搭设");
    page.assert_contains("架子工: 6");
    assert!(!page.body.contains("name=\"crew\""));
    assert!(!page.body.contains("type=\"file\""));
    let month = viewer.get(&format!("/projects/{project}/site-logs")).await;
    assert_eq!(month.status, StatusCode::OK);
    let r = viewer
        .get(&format!("/projects/{project}/site-logs/photos/{photo}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // …and every write is refused.
    let r = save_log(&mut viewer, project, day, "sunny", &[], "改", 1).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    viewer.get(&log_path(project, day)).await;
    let r = viewer
        .post_form(
            &format!("{}/copy-yesterday", log_path(project, days_ago(0))),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = upload(&mut viewer, project, day, "b.png", "image/png", png(10, 10)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    viewer.get(&log_path(project, day)).await;
    let r = viewer
        .post_form(
            &format!("/projects/{project}/site-logs/photos/{photo}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("select count(*) from site_log_photo").await, 1);
    assert_eq!(app.count("select version::bigint from site_log").await, 1);
}

#[tokio::test]
async fn another_tenants_logs_and_photos_are_not_found() {
    let Company {
        app,
        mut owner,
        tenant: _,
        project,
        ..
    } = CompanyBuilder::new("Acme").build().await;
    let day = days_ago(1);
    save_log(
        &mut owner,
        project,
        day,
        "sunny",
        &[("木工班", "3")],
        "浇筑",
        0,
    )
    .await;
    let r = upload(&mut owner, project, day, "a.png", "image/png", png(20, 20)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photo = app.count("select max(id) from site_log_photo").await;

    let (mut other, _) = app.signup("Other", "owner@other.cn").await;
    let own = create_project(&mut other, "O1", "").await;
    for path in [
        format!("/projects/{project}/site-logs"),
        log_path(project, day),
        format!("/projects/{project}/site-logs/photos/{photo}"),
        format!("/projects/{project}/site-logs/photos/{photo}/thumb"),
        // Their photo through our own project.
        format!("/projects/{own}/site-logs/photos/{photo}"),
        format!("/projects/{own}/site-logs/photos/{photo}/thumb"),
    ] {
        assert_not_found(&other.get(&path).await);
    }
    other.get(&log_path(own, day)).await;
    for path in [
        log_path(project, day),
        format!("{}/copy-yesterday", log_path(project, day)),
        format!("/projects/{project}/site-logs/photos/{photo}/delete"),
        format!("/projects/{own}/site-logs/photos/{photo}/delete"),
    ] {
        assert_not_found(
            &other
                .post_form(&path, &[("version", "1"), ("weather", "sunny")])
                .await,
        );
    }
    let r = other
        .post_multipart(
            &format!("{}/photos", log_path(project, day)),
            &[],
            &[("photo", "x.png", "image/png", png(10, 10))],
        )
        .await;
    assert_not_found(&r);
    assert_eq!(app.count("select count(*) from site_log_photo").await, 1);
    assert_eq!(app.count("select version::bigint from site_log").await, 1);
}
