//! Hostile uploads, made here: a workbook with a cell in the sheet's far corner, a zip bomb
//! (honest and lying headers), a 9000 × 9000 PNG and a 25,000-task MS Project file. Each is
//! refused with a message naming the limit's setting, writes nothing, and the server goes on
//! serving.

use std::io::{Cursor, Read, Write};

use axum::http::StatusCode;
use chrono::Days;
use girder::progress::site_log::PHOTO_BODY_LIMIT;
use rust_xlsxwriter::Workbook;

use crate::support::builders::create_project;
use crate::support::{TestApp, TestClient, TestResponse};

const TICKETS_HEAD: [&str; 12] = [
    "日期",
    "项目编号",
    "班组",
    "姓名",
    "身份证号",
    "工种",
    "人数",
    "工资类型",
    "数量",
    "日工资",
    "事由",
    "工作内容",
];

/// The 1.6 KB workbook of the report: headers in the first row and one cell at XFD1048576,
/// so the sheet declares itself 16,384 columns by 1,048,576 rows.
fn corner_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in (0u16..).zip(TICKETS_HEAD) {
        sheet.write_string(0, c, h).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().unwrap().into_owned(), out)
        })
        .collect()
}

/// A tickets workbook whose sheet unpacks to `mb` megabytes: one data row, then spaces.
fn bomb_xlsx(mb: usize) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in (0u16..).zip(TICKETS_HEAD) {
        sheet.write_string(0, c, h).unwrap();
    }
    sheet.write_string(1, 0, "2026-03-05").unwrap();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in unzip(&book.save_to_buffer().unwrap()) {
        zip.start_file(name.as_str(), options).unwrap();
        if name.contains("worksheets/") {
            let end = data.len() - "</worksheet>".len();
            zip.write_all(&data[..end]).unwrap();
            let spaces = vec![b' '; 1024 * 1024];
            for _ in 0..mb {
                zip.write_all(&spaces).unwrap();
            }
            zip.write_all(b"</worksheet>").unwrap();
        } else {
            zip.write_all(&data).unwrap();
        }
    }
    zip.finish().unwrap().into_inner()
}

/// `bytes` with every zip header that declares more than 1 MB unpacked claiming 1000 bytes.
fn lying_headers(mut bytes: Vec<u8>) -> Vec<u8> {
    let mut claims = 0;
    for (sig, offset) in [(&b"PK\x01\x02"[..], 24), (&b"PK\x03\x04"[..], 22)] {
        let mut i = 0;
        while let Some(at) = bytes[i..].windows(4).position(|w| w == sig) {
            let field = i + at + offset;
            let size = u32::from_le_bytes(bytes[field..field + 4].try_into().unwrap());
            if size > 1024 * 1024 {
                bytes[field..field + 4].copy_from_slice(&1000u32.to_le_bytes());
                claims += 1;
            }
            i += at + 4;
        }
    }
    assert_eq!(claims, 2, "one local and one central header");
    bytes
}

/// A real 9000 × 9000 grayscale PNG (81 megapixels, about 80 KB).
fn huge_png() -> Vec<u8> {
    use image::ImageEncoder;
    let pixels = vec![128u8; 9_000 * 9_000];
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&pixels, 9_000, 9_000, image::ExtendedColorType::L8)
        .unwrap();
    out
}

/// An MS Project file of `n` tasks in a chain.
fn mspdi(n: u32) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project"><Name>Big</Name>
<StartDate>2026-01-05T08:00:00</StartDate><Tasks>"#,
    );
    for uid in 1..=n {
        xml.push_str(&format!(
            "<Task><UID>{uid}</UID><Name>T{uid}</Name><OutlineLevel>1</OutlineLevel>\
             <Duration>PT8H0M0S</Duration>"
        ));
        if uid > 1 {
            xml.push_str(&format!(
                "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>1</Type></PredecessorLink>",
                uid - 1
            ));
        }
        xml.push_str("</Task>");
    }
    xml.push_str("</Tasks></Project>");
    xml.into_bytes()
}

async fn labour_upload(c: &mut TestClient, kind: &str, name: &str, bytes: Vec<u8>) -> TestResponse {
    let r = c.get("/labour/import").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c.post_multipart(
        &format!("/labour/import/{kind}"),
        &[],
        &[(
            "file",
            name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes,
        )],
    )
    .await
}

async fn labour_rows(app: &TestApp) -> [i64; 3] {
    [
        app.count("select count(*) from labour_import").await,
        app.count("select count(*) from worker").await,
        app.count("select count(*) from labour_ticket").await,
    ]
}

/// Refused with a 4xx whose message, in the import's section, names `variable`.
fn assert_refused(r: &TestResponse, kind: &str, variable: &str) {
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    let message = r.text(&format!("#e-{kind}"));
    assert!(message.contains(variable), "{message:?}");
}

/// After the hostile files the server still imports a good one.
async fn a_good_workers_file_still_imports(c: &mut TestClient) {
    let good = "姓名,身份证号,工种,日工资\n王五,110101199003070038,普工,280\n";
    let r = labour_upload(c, "workers", "good.csv", good.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/labour/import/jobs/"));
}

#[tokio::test]
async fn a_cell_in_the_far_corner_is_refused_by_both_imports() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let before = labour_rows(&app).await;
    let file = corner_xlsx();
    assert!(file.len() < 8 * 1024, "{}", file.len());
    for kind in ["tickets", "workers"] {
        let r = labour_upload(&mut owner, kind, "corner.xlsx", file.clone()).await;
        assert_refused(&r, kind, "GIRDER_IMPORT_MAX_COLUMNS");
        assert!(r.text(&format!("#e-{kind}")).contains("XFD1048576"));
    }
    assert_eq!(labour_rows(&app).await, before);
    a_good_workers_file_still_imports(&mut owner).await;
}

#[tokio::test]
async fn a_zip_bomb_is_refused_whatever_its_headers_say() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let before = labour_rows(&app).await;
    // 100 MB of sheet, over the 64 MB a part may unpack to, in about 100 KB.
    let bomb = bomb_xlsx(100);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let r = labour_upload(&mut owner, "tickets", "bomb.xlsx", bomb.clone()).await;
    assert_refused(&r, "tickets", "GIRDER_IMPORT_MAX_PART_MB");
    // Headers that claim 1000 bytes: refused all the same.
    let r = labour_upload(&mut owner, "workers", "liar.xlsx", lying_headers(bomb)).await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    assert!(!r.text("#e-workers").is_empty());
    assert_eq!(labour_rows(&app).await, before);
    a_good_workers_file_still_imports(&mut owner).await;
}

#[tokio::test]
async fn a_photo_of_81_megapixels_is_refused() {
    let app = TestApp::spawn_with(|c| c.body_limit = c.body_limit.max(PHOTO_BODY_LIMIT)).await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let project = create_project(&mut owner, "P1", "").await;
    let day = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .checked_sub_days(Days::new(1))
        .unwrap();
    let log = format!("/projects/{project}/site-logs/{day}");
    owner.get(&log).await;
    let r = owner
        .post_form(
            &log,
            &[
                ("version", "0"),
                ("weather", "sunny"),
                ("temperature", "12–20℃"),
                ("crew", ""),
                ("headcount", ""),
                ("work_done", "浇筑"),
                ("problems", ""),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);

    let png = huge_png();
    assert!(png.len() < 1024 * 1024, "{}", png.len());
    owner.get(&log).await;
    let r = owner
        .post_multipart(
            &format!("{log}/photos"),
            &[],
            &[("photo", "huge.png", "image/png", png)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.field_error("photo")
            .contains("GIRDER_UPLOAD_MAX_MEGAPIXELS"),
        "{}",
        r.field_error("photo")
    );
    assert_eq!(app.count("select count(*) from site_log_photo").await, 0);
    // The next photo is taken.
    let mut small = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::new(64, 48))
        .write_to(&mut Cursor::new(&mut small), image::ImageFormat::Png)
        .unwrap();
    owner.get(&log).await;
    let r = owner
        .post_multipart(
            &format!("{log}/photos"),
            &[],
            &[("photo", "small.png", "image/png", small)],
        )
        .await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
    assert_eq!(app.count("select count(*) from site_log_photo").await, 1);
}

#[tokio::test]
async fn an_ms_project_file_of_25000_tasks_is_refused() {
    let app = TestApp::spawn().await;
    let (mut owner, _) = app.signup("Acme", "owner@acme.cn").await;
    let import = async |c: &mut TestClient, code: &str, xml: Vec<u8>| {
        c.get("/projects/import").await;
        c.post_multipart(
            "/projects/import",
            &[("code", code)],
            &[("file", "plan.xml", "application/xml", xml)],
        )
        .await
    };
    let r = import(&mut owner, "BIG", mspdi(25_000)).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    r.assert_contains("GIRDER_IMPORT_MAX_TASKS");
    r.assert_contains("20000");
    assert_eq!(app.count("select count(*) from project").await, 0);
    assert_eq!(app.count("select count(*) from task").await, 0);
    assert_eq!(app.count("select count(*) from task_link").await, 0);
    let r = import(&mut owner, "SMALL", mspdi(30)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("select count(*) from task").await, 30);
}
