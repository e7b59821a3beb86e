//! Photos from site phones: one file per upload read from a multipart form after its CSRF
//! token, checked by its content (JPEG or PNG, decodable within limits, so a decompression
//! bomb is refused before it is decoded), with a JPEG thumbnail, and served back inline. The
//! checks are pure; `read_upload` and `check_in_background` do the I/O around them. The site
//! log and day-labour tickets both keep photos this way.

use std::io::Cursor;

use axum::body::Body;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use tokio::sync::Semaphore;

use crate::config::{Limit, OverLimit, UploadLimits};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Page;
use crate::web::form::{CSRF_FIELD, verify_csrf};

/// Largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Largest upload request: one photo plus the form around it.
pub const PHOTO_BODY_LIMIT: usize = MAX_PHOTO_BYTES + 1024 * 1024;
/// The long side of a thumbnail, in pixels.
pub const THUMBNAIL_EDGE: u32 = 320;
/// The longest file name kept.
pub const MAX_FILE_NAME: usize = 200;

/// Why a photo was refused; each has a message for the upload form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    /// No file was chosen.
    Missing,
    /// More than one file in one upload.
    OneAtATime,
    TooLarge,
    /// Not a JPEG or PNG, whatever its name or declared type.
    NotJpegOrPng,
    /// Says it is a JPEG or PNG but does not decode (truncated, damaged).
    Unreadable,
    /// More pixels, or more bytes once decoded, than `UploadLimits` allow.
    TooManyPixels,
}

impl PhotoError {
    pub fn message_key(self) -> &'static str {
        match self {
            PhotoError::Missing => "photo.missing",
            PhotoError::OneAtATime => "photo.one_at_a_time",
            PhotoError::TooLarge => "photo.too_large",
            PhotoError::NotJpegOrPng => "photo.type",
            PhotoError::Unreadable => "photo.unreadable",
            PhotoError::TooManyPixels => "upload_limits.photo",
        }
    }
}

/// A photo that passed: its type from its content, and a JPEG thumbnail.
#[derive(Debug, Clone)]
pub struct CheckedPhoto {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
}

/// Checks an uploaded file and makes its thumbnail. The type is decided by the bytes alone,
/// and the whole image is decoded (within `limits`) so a damaged file is refused now rather
/// than shown broken later. The pixel count and decoded size are read from the header and
/// checked before anything is decoded, so a decompression bomb costs nothing. CPU-heavy:
/// call it from `spawn_blocking`.
pub fn check_photo(bytes: &[u8], limits: &UploadLimits) -> Result<CheckedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Missing);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotJpegOrPng)?;
    let content_type = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        _ => return Err(PhotoError::NotJpegOrPng),
    };
    let decoded_max = limits.max_count(Limit::UploadDecodedMb);
    let mut decoder_limits = Limits::default();
    // What the decoder allocates besides the image counts too.
    decoder_limits.max_alloc = Some(decoded_max);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let working = match format {
        ImageFormat::Jpeg => jpeg_working_bytes(bytes),
        _ => 0,
    };
    let decoded = decoder.total_bytes().saturating_add(working);
    check_size(decoder.dimensions(), decoded, limits).map_err(|_| PhotoError::TooManyPixels)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let (width, height) = (img.width(), img.height());
    let mut small = if img.width() > THUMBNAIL_EDGE || img.height() > THUMBNAIL_EDGE {
        img.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE)
    } else {
        img
    };
    // Phones store portrait photos sideways with an EXIF turn; the thumbnail shows it upright.
    // Turned after shrinking: turning the full image would copy it.
    small.apply_orientation(orientation);
    let mut thumbnail = Vec::new();
    JpegEncoder::new_with_quality(&mut thumbnail, 80)
        .encode_image(&on_white(&small))
        .map_err(|_| PhotoError::Unreadable)?;
    Ok(CheckedPhoto {
        content_type,
        width,
        height,
        thumbnail,
    })
}

/// The limits on an image of `(width, height)` pixels taking `decoded` bytes: the one rule
/// for every image Girder decodes.
pub fn check_size(
    (width, height): (u32, u32),
    decoded: u64,
    limits: &UploadLimits,
) -> Result<(), OverLimit> {
    let at = || format!("{width} × {height}");
    limits.check(
        Limit::UploadMegapixels,
        u64::from(width) * u64::from(height),
        at,
    )?;
    limits.check(Limit::UploadDecodedMb, decoded, at)
}

fn decode_error(e: ImageError) -> PhotoError {
    match e {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::Unreadable,
    }
}

/// What the JPEG decoder needs besides the decoded image, from the frame header: a
/// progressive JPEG keeps every coefficient of every component (two bytes each) until its
/// last scan, and a four-component (CMYK) one is decoded to four bytes a pixel before it
/// becomes RGB. 0 for a baseline YCbCr or grey JPEG, or when no frame header is found (the
/// decoder refuses those).
fn jpeg_working_bytes(bytes: &[u8]) -> u64 {
    // Markers after SOI (FFD8): FFxx, then a big-endian length counting itself.
    let mut at = 2;
    while let Some(&[0xFF, marker, hi, lo]) = bytes.get(at..at + 4) {
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        let segment = bytes.get(at + 4..at + 2 + len).unwrap_or_default();
        // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return sof_working_bytes(marker, segment);
        }
        if marker == 0xDA || len < 2 {
            return 0;
        }
        at += 2 + len;
    }
    0
}

/// See `jpeg_working_bytes`; `sof` is the frame header after its length.
fn sof_working_bytes(marker: u8, sof: &[u8]) -> u64 {
    let (Some(&[hi_h, lo_h, hi_w, lo_w, n]), Some(components)) = (sof.get(1..6), sof.get(6..))
    else {
        return 0;
    };
    let height = u64::from(u16::from_be_bytes([hi_h, lo_h]));
    let width = u64::from(u16::from_be_bytes([hi_w, lo_w]));
    let sampling: Vec<(u64, u64)> = components
        .chunks_exact(3)
        .take(usize::from(n))
        .map(|c| (u64::from(c[1] >> 4).max(1), u64::from(c[1] & 0x0F).max(1)))
        .collect();
    let h_max = sampling.iter().map(|s| s.0).max().unwrap_or(1);
    let v_max = sampling.iter().map(|s| s.1).max().unwrap_or(1);
    // Blocks are 8 × 8, in whole MCUs: round each side up generously.
    let (w, h) = (width + 8 * h_max, height + 8 * v_max);
    let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
    let coefficients: u64 = if progressive {
        sampling
            .iter()
            .map(|(hs, vs)| w * hs / h_max * (h * vs / v_max) * 2)
            .sum()
    } else {
        0
    };
    let cmyk = if n >= 4 { width * height * 4 } else { 0 };
    coefficients + cmyk
}

/// RGB for JPEG: transparent parts of a PNG become white, not black.
fn on_white(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let mix = |c: u8| {
            let v = (u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255;
            u8::try_from(v).unwrap_or(u8::MAX)
        };
        image::Rgb([mix(r), mix(g), mix(b)])
    })
}

/// The name to store for an uploaded file: no folders, no control characters, at most
/// `MAX_FILE_NAME` characters, and an extension that matches the content.
pub fn sanitize_file_name(name: &str, content_type: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '\u{FFFD}')
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let (wanted, allowed): (&str, &[&str]) = match content_type {
        "image/png" => ("png", &["png"]),
        _ => ("jpg", &["jpg", "jpeg"]),
    };
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((stem, ext)) if allowed.contains(&ext.to_ascii_lowercase().as_str()) => {
            (stem.trim(), ext.to_owned())
        }
        _ => (clean, wanted.to_owned()),
    };
    let stem = if stem.is_empty() { "photo" } else { stem };
    let room = MAX_FILE_NAME - ext.chars().count() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end())
}

/// `Content-Disposition` for showing a stored photo in the browser, with its name
/// (RFC 6266: an ASCII fallback and the UTF-8 name percent-encoded).
pub fn inline_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Photos decoded at the same time: each decode may take `GIRDER_UPLOAD_MAX_DECODED_MB`.
static DECODING: Semaphore = Semaphore::const_new(2);

/// An uploaded file as read from the form.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Reads the upload form: the CSRF token, then one file in the `photo` field (at most
/// `MAX_PHOTO_BYTES`; reading stops as soon as it is over). A missing or wrong token is an
/// error; a missing, extra or oversized file is a `PhotoError` for the form.
pub async fn read_upload(
    state: &AppState,
    page: &Page,
    parts: &Parts,
    body: Body,
) -> AppResult<Result<Upload, PhotoError>> {
    let mut request = Request::new(body);
    *request.headers_mut() = parts.headers.clone();
    // The extensions carry the route's body limit.
    *request.extensions_mut() = parts.extensions.clone();
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text().into()))?;
    let mut token_checked = false;
    let mut upload: Option<Upload> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return multipart_error(e, token_checked),
        };
        match field.name() {
            Some(CSRF_FIELD) => {
                let sent = match field.text().await {
                    Ok(sent) => sent,
                    Err(e) => return multipart_error(e, false),
                };
                verify_csrf(&page.session, &sent).await?;
                token_checked = true;
            }
            Some("photo") => {
                // The form sends its token first: nothing of a forged upload is read.
                if !token_checked {
                    return Err(AppError::Csrf);
                }
                if upload.is_some() {
                    return Ok(Err(PhotoError::OneAtATime));
                }
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let mut field = field;
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > MAX_PHOTO_BYTES {
                                return Ok(Err(PhotoError::TooLarge));
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return multipart_error(e, token_checked),
                    }
                }
                upload = Some(Upload { file_name, bytes });
            }
            _ => {}
        }
    }
    if !token_checked {
        return Err(AppError::Csrf);
    }
    Ok(upload.ok_or(PhotoError::Missing))
}

/// A body over the route's limit is a photo too large (once the token is known good); any
/// other broken multipart body is a bad request.
fn multipart_error(
    e: MultipartError,
    token_checked: bool,
) -> AppResult<Result<Upload, PhotoError>> {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE if token_checked => Ok(Err(PhotoError::TooLarge)),
        StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::TooLarge),
        _ => Err(AppError::BadRequest(e.body_text().into())),
    }
}

/// Decodes the photo on the blocking pool, a few at a time.
pub async fn check_in_background(
    bytes: Vec<u8>,
    limits: &UploadLimits,
) -> AppResult<Result<(CheckedPhoto, Vec<u8>), PhotoError>> {
    let limits = *limits;
    let slot = DECODING.acquire().await.map_err(anyhow::Error::from)?;
    let checked = tokio::task::spawn_blocking(move || {
        // The slot goes with the work: it is held until decoding ends, even if the client
        // has gone away meanwhile.
        let _slot = slot;
        check_photo(&bytes, &limits).map(|c| (c, bytes))
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(checked)
}

/// A stored image, shown inline, never sniffed as anything else, cached by this browser only.
pub fn image_response(content_type: &str, file_name: &str, bytes: Vec<u8>) -> AppResult<Response> {
    // The table allows these two types only; anything else would be a bug, sent as bytes.
    let content_type = match content_type {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
    let disposition =
        HeaderValue::from_str(&inline_disposition(file_name)).map_err(anyhow::Error::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A stored attachment (PDF, JPEG or PNG) as a download under its cleaned name, never
/// sniffed as anything else, never cached.
pub fn download_response(
    content_type: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<Response> {
    // The tables allow these three types only; anything else would be a bug, sent as bytes.
    let content_type = match content_type {
        "application/pdf" => "application/pdf",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
    let inline = inline_disposition(file_name);
    let disposition = format!(
        "attachment{}",
        inline.strip_prefix("inline").unwrap_or(&inline)
    );
    let disposition = HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A byte count for people: "850 KB", "3.4 MB".
pub fn size_label(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let img = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
                w,
                h,
                image::Rgba([0, 0, 0, 0]),
            ))
        } else {
            DynamicImage::ImageRgb8(RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30])))
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, image::Rgb([30, 120, 200]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    fn check(bytes: &[u8]) -> Result<CheckedPhoto, PhotoError> {
        check_photo(bytes, &UploadLimits::DEFAULT)
    }

    fn decoded(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).unwrap()
    }

    #[test]
    fn jpeg_and_png_pass_with_a_small_jpeg_thumbnail() {
        let p = check(&png(800, 400, false)).unwrap();
        assert_eq!(p.content_type, "image/png");
        assert_eq!((p.width, p.height), (800, 400));
        let t = decoded(&p.thumbnail);
        assert_eq!((t.width(), t.height()), (320, 160));
        let j = check(&jpeg(300, 1000)).unwrap();
        assert_eq!(j.content_type, "image/jpeg");
        let t = decoded(&j.thumbnail);
        assert_eq!((t.width(), t.height()), (96, 320));
        // Small images are not blown up.
        let s = check(&png(40, 30, false)).unwrap();
        assert_eq!(decoded(&s.thumbnail).width(), 40);
    }

    #[test]
    fn transparent_pngs_get_a_white_thumbnail() {
        let p = check(&png(10, 10, true)).unwrap();
        let t = decoded(&p.thumbnail).to_rgb8();
        assert!(t.get_pixel(5, 5).0.iter().all(|&c| c > 240));
    }

    #[test]
    fn other_files_are_refused_whatever_they_claim() {
        assert_eq!(check(b"").unwrap_err(), PhotoError::Missing);
        assert_eq!(
            check(b"just some text, named photo.jpg").unwrap_err(),
            PhotoError::NotJpegOrPng
        );
        assert_eq!(
            check(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err(),
            PhotoError::NotJpegOrPng
        );
        let whole = png(64, 64, false);
        assert_eq!(
            check(&whole[..whole.len() / 2]).unwrap_err(),
            PhotoError::Unreadable
        );
        let mut big = jpeg(8, 8);
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(check(&big).unwrap_err(), PhotoError::TooLarge);
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        // A valid PNG header claiming 20000 × 20000 pixels (1.6 GB decoded) in a tiny file.
        let mut bomb = png(1, 1, false);
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        // Fix the IHDR checksum so only the size is wrong.
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(check(&bomb).unwrap_err(), PhotoError::TooManyPixels);
        // 9000 × 9000 is 81 megapixels.
        let mut wide = png(1, 1, false);
        wide[16..20].copy_from_slice(&9_000u32.to_be_bytes());
        wide[20..24].copy_from_slice(&9_000u32.to_be_bytes());
        let crc = crc32(&wide[12..29]);
        wide[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(check(&wide).unwrap_err(), PhotoError::TooManyPixels);
        // Under 40 megapixels, but 16-bit RGBA: 6000 × 6000 × 8 bytes is 288 MB decoded.
        let mut deep = png(1, 1, false);
        deep[16..20].copy_from_slice(&6_000u32.to_be_bytes());
        deep[20..24].copy_from_slice(&6_000u32.to_be_bytes());
        deep[24] = 16;
        deep[25] = 6;
        let crc = crc32(&deep[12..29]);
        deep[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(check(&deep).unwrap_err(), PhotoError::TooManyPixels);
        let limits = UploadLimits::DEFAULT;
        assert_eq!(
            check_size((6_000, 6_000), 288_000_000, &limits).map_err(|e| e.limit),
            Err(Limit::UploadDecodedMb)
        );
        assert_eq!(
            check_size((9_000, 9_000), 243_000_000, &limits).map_err(|e| e.limit),
            Err(Limit::UploadMegapixels)
        );
        assert!(check_size((8_000, 5_000), 120_000_000, &limits).is_ok());
    }

    #[test]
    fn a_progressive_jpeg_counts_its_coefficients() {
        // SOI, then a frame header of 7000 × 5000 with three components at full resolution.
        let frame = |marker: u8, sampling: u8| {
            let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, marker, 0, 17, 8];
            j.extend_from_slice(&5_000u16.to_be_bytes());
            j.extend_from_slice(&7_000u16.to_be_bytes());
            j.push(3);
            for id in 1..=3 {
                j.extend_from_slice(&[id, if id == 1 { sampling } else { 0x11 }, 0]);
            }
            j
        };
        assert_eq!(jpeg_working_bytes(&frame(0xC0, 0x11)), 0);
        let full = jpeg_working_bytes(&frame(0xC2, 0x11));
        // 35 megapixels × 3 components × 2 bytes, and a little for whole blocks.
        assert!((210_000_000..212_000_000).contains(&full), "{full}");
        // 4:2:0: the colour components at a quarter of the pixels.
        let subsampled = jpeg_working_bytes(&frame(0xC2, 0x22));
        assert!(
            (105_000_000..106_000_000).contains(&subsampled),
            "{subsampled}"
        );
        // Over the decoded limit with its 105 MB of pixels, though under 40 megapixels.
        assert!(check_size((7_000, 5_000), 105_000_000 + full, &UploadLimits::DEFAULT).is_err());
        assert!(jpeg_working_bytes(&jpeg(16, 16)) == 0);
        assert_eq!(jpeg_working_bytes(b"\xFF\xD8\xFF"), 0);
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn file_names_lose_folders_and_controls_and_match_their_content() {
        assert_eq!(
            sanitize_file_name("../../etc/passwd", "image/png"),
            "passwd.png"
        );
        assert_eq!(
            sanitize_file_name("C:\\Users\\li\\现场 1.JPG", "image/jpeg"),
            "现场 1.JPG"
        );
        assert_eq!(
            sanitize_file_name("a\u{0}b\r\nc.jpeg", "image/jpeg"),
            "abc.jpeg"
        );
        assert_eq!(
            sanitize_file_name("notes.txt", "image/jpeg"),
            "notes.txt.jpg"
        );
        assert_eq!(sanitize_file_name("", "image/png"), "photo.png");
        assert_eq!(sanitize_file_name("..", "image/png"), "photo.png");
        let long = sanitize_file_name(&format!("{}.png", "长".repeat(500)), "image/png");
        assert_eq!(long.chars().count(), MAX_FILE_NAME);
        assert!(long.ends_with(".png"));
    }

    #[test]
    fn the_disposition_header_is_safe_ascii() {
        let h = inline_disposition("现场 \"1\".jpg");
        assert!(h.is_ascii());
        assert!(h.starts_with("inline; filename=\"__ _1_.jpg\""));
        assert!(h.ends_with("filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%221%22.jpg"));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(850 * 1024), "850 KB");
        assert_eq!(size_label(3_565_158), "3.4 MB");
        assert_eq!(size_label(10 * 1024 * 1024), "10.0 MB");
    }
}
