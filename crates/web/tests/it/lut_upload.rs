//! The LUT library's file upload (multipart, beside the paste box) on both stores: a `.cube`
//! file with a bad row is refused on the page naming the file and the line, with the name, the
//! use and the file's text kept in the form and nothing added; a good file is added under its
//! file name when no name is given.
use postflow_testkit::app_backends;
use postflow_testkit::server::{csrf_of, signed_in, TestApp};
use reqwest::StatusCode;

app_backends!(a_cube_file_is_uploaded_and_a_bad_one_is_refused_naming_its_line);

fn multipart(boundary: &str, fields: &[(&str, &str)], file: (&str, &str)) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    ));
    body.into_bytes()
}

async fn a_cube_file_is_uploaded_and_a_bad_one_is_refused_naming_its_line(app: TestApp) {
    let c = signed_in(&app, "producer@demo.postflow").await;
    let page = format!("{}/projects/ACME-SPRING/jobs", app.base);
    let html = c.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("id=\"upload-lut\""),
        "the upload form is there"
    );
    let csrf = csrf_of(&c, &page).await;
    let upload = |body: Vec<u8>| {
        c.post(format!("{}/projects/ACME-SPRING/luts/upload", app.base))
            .header(
                "content-type",
                "multipart/form-data; boundary=----pfBoundary7MA4YWxk",
            )
            .body(body)
            .send()
    };

    // Line 4 holds a typo: refused naming the file and the line, the input kept.
    let bad = "TITLE \"Show look\"\nLUT_1D_SIZE 3\n0 0 0\n0.5 O.5 0.5\n1 1 1\n";
    let r = upload(multipart(
        "----pfBoundary7MA4YWxk",
        &[("csrf", &csrf), ("name", "Show look"), ("kind", "creative")],
        ("show_look.cube", bad),
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    let error = html
        .split("id=\"lut-error\">")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or_else(|| panic!("no error shown: {html}"));
    assert!(
        error.contains("show_look.cube") && error.contains("line 4"),
        "{error}"
    );
    assert!(html.contains("value=\"Show look\""), "the name is kept");
    assert!(
        html.contains("<option value=\"creative\" selected>"),
        "the use is kept"
    );
    assert!(
        html.contains("0.5 O.5 0.5"),
        "the file's text is in the paste box to fix"
    );
    assert!(!html.contains("id=\"lut-list\""), "nothing was added");

    // Without the session's CSRF token the upload is refused.
    let r = upload(multipart(
        "----pfBoundary7MA4YWxk",
        &[("csrf", "forged"), ("kind", "camera")],
        ("camera.cube", "LUT_1D_SIZE 2\n0 0 0\n1 1 1\n"),
    ))
    .await
    .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    // A good file without a name is added under the file's name.
    let r = upload(multipart(
        "----pfBoundary7MA4YWxk",
        &[("csrf", &csrf), ("name", ""), ("kind", "camera")],
        ("LogC_to_709.cube", "LUT_1D_SIZE 2\n0 0 0\n1 1 1\n"),
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c.get(&page).send().await.unwrap().text().await.unwrap();
    let list = html
        .split("id=\"lut-list\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no LUT list: {html}"));
    assert!(
        list.contains("LogC_to_709") && list.contains("camera") && list.contains("1D, 2 points"),
        "{list}"
    );
}
