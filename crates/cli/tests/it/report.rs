//! The implementation report: `palermo report implementation` through the real binary on both
//! engines (HTML with one section per operative paragraph, figures through the disclosure gate,
//! treaty status with its as-of date; PDF printed by Chromium and read back with pdftotext), and
//! the page with the coordinator's texts.

use palermo_service::RequestMeta;
use palermo_service::admin::Caller;
use palermo_testkit::{TestApp, postgres_admin_url};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_palermo");

crate::on_both_engines!(report_page_and_the_coordinators_texts);

fn run(env: &[(String, String)], args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).envs(env.iter().cloned()).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn have(cmd: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success())
}

fn journey(dir: &std::path::Path, db: &str) {
    let env = vec![
        ("PALERMO_DATA_DIR".to_owned(), dir.display().to_string()),
        ("PALERMO_DATA_DATABASE".to_owned(), db.to_owned()),
        ("PALERMO_LOG_LEVEL".to_owned(), "warn".to_owned()),
        ("PALERMO_SECURITY_ARGON2_MEMORY_KIB".to_owned(), "19456".to_owned()),
        ("PALERMO_SECURITY_ARGON2_ITERATIONS".to_owned(), "2".to_owned()),
    ];
    let (ok, out) = run(&env, &["demo"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&env, &["report", "implementation", "--year", "1066", "--out", dir.join("x.html").to_str().unwrap()]);
    assert!(!ok && out.contains("--year: a year from 1990 to 2100"), "{out}");
    let html_path = dir.join("report.html");
    let (ok, out) = run(&env, &["report", "implementation", "--year", "2026", "--country", "XVR", "--out", html_path.to_str().unwrap()]);
    assert!(ok, "{out}");
    let html = std::fs::read_to_string(&html_path).unwrap();
    for n in 1..=17 {
        assert!(html.contains(&format!("id=\"paragraph-{n}\"")), "¶{n} missing");
    }
    assert!(html.contains("Urges Member States to employ a comprehensive approach"));
    assert!(html.contains("Trafficking in Persons Protocol") && html.contains("Demo country (invented)"), "treaty status with its source");
    assert!(html.contains("<td><time dir=\"ltr\" datetime=\"20"), "the treaty dates are dates");
    assert!(html.contains("<svg") && html.contains("role=\"img\""), "charts");
    assert!(html.contains("48200.00 EUR"), "value confiscated");
    assert!(!html.contains("<script"), "no script in the document");
    let fr_path = dir.join("rapport.html");
    let (ok, out) =
        run(&env, &["report", "implementation", "--year", "2026", "--country", "XVR", "--lang", "fr", "--out", fr_path.to_str().unwrap()]);
    assert!(ok, "{out}");
    let fr = std::fs::read_to_string(&fr_path).unwrap();
    assert!(fr.contains("<html lang=\"fr\"") && fr.contains("Enquêtes ouvertes") && !fr.contains("Investigations opened"), "{fr}");
    let (ok, out) = run(&env, &["report", "implementation", "--year", "2026", "--lang", "de", "--out", fr_path.to_str().unwrap()]);
    assert!(!ok && out.contains("--lang") && out.contains("en, fr, ar"), "{out}");
    // Every count of persons (the released tables) is 0, at least 11, or x.
    let released: Vec<&str> = html.split("<table class=\"released\">").skip(1).filter_map(|t| t.split("</table>").next()).collect();
    assert!(released.len() >= 6, "the persons tables are there");
    for table in released {
        for cell in table.split("<td>").skip(1).filter_map(|c| c.split("</td>").next()) {
            match cell.trim() {
                "x" => {}
                v => {
                    let n: u64 = v.parse().unwrap_or_else(|_| panic!("{v:?}"));
                    assert!(n == 0 || n >= 11, "{n} published in {table}");
                }
            }
        }
    }
    // PDF, printed by Chromium, read back.
    let required = std::env::var("PALERMO_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if !(have("chromium") && have("pdftotext")) {
        assert!(!required, "the PDF test needs chromium and pdftotext (poppler-utils)");
        return;
    }
    let pdf_path = dir.join("report.pdf");
    let (ok, out) = run(&env, &["report", "implementation", "--year", "2026", "--country", "XVR", "--out", pdf_path.to_str().unwrap()]);
    assert!(ok, "{out}");
    let bytes = std::fs::read(&pdf_path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    let text = Command::new("pdftotext").arg(&pdf_path).arg("-").output().unwrap();
    assert!(text.status.success(), "the PDF opens");
    let text = String::from_utf8_lossy(&text.stdout);
    for n in 1..=17 {
        assert!(text.contains(&format!("¶{n}\n")), "¶{n} is a section of the PDF");
    }
    assert!(text.contains("Implementation of resolution 58/137"));
    // In Arabic, right to left: the treaty table's dates stay whole (they wrapped at their
    // hyphens in the narrow cells, "2001-09-" over "06").
    let ar_path = dir.join("report-ar.pdf");
    let (ok, out) =
        run(&env, &["report", "implementation", "--year", "2026", "--country", "XVR", "--lang", "ar", "--out", ar_path.to_str().unwrap()]);
    assert!(ok, "{out}");
    let text = Command::new("pdftotext").arg("-layout").arg(&ar_path).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let (whole, broken) = dates_in(&text);
    assert!(whole.iter().filter(|d| d.starts_with("20")).count() >= 4, "the treaty dates: {whole:?} in {text}");
    assert_eq!(broken, Vec::<String>::new(), "{text}");
}

/// What starts like a date (four digits and a hyphen) in a text: the whole ones (YYYY-MM-DD) and
/// the others.
fn dates_in(text: &str) -> (Vec<String>, Vec<String>) {
    let b = text.as_bytes();
    let (mut whole, mut broken) = (Vec::new(), Vec::new());
    for i in 0..b.len().saturating_sub(4) {
        let starts = (i == 0 || !b[i - 1].is_ascii_digit()) && b[i..i + 4].iter().all(u8::is_ascii_digit) && b[i + 4] == b'-';
        if !starts {
            continue;
        }
        let s = String::from_utf8_lossy(&b[i..(i + 10).min(b.len())]).into_owned();
        if palermo_web::published::is_date(&s) { whole.push(s) } else { broken.push(s) }
    }
    (whole, broken)
}

#[test]
fn report_command_on_sqlite() {
    let dir = tempdir("report-sqlite");
    journey(&dir, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_command_on_postgres() {
    let Some(admin) = postgres_admin_url() else {
        assert_ne!(std::env::var("PALERMO_REQUIRE_POSTGRES").as_deref(), Ok("1"), "PostgreSQL is required");
        return;
    };
    let name = format!("palermo_report_{}", std::process::id());
    palermo_store::testing::create_postgres_database(&admin, &name).await.unwrap();
    let url = format!("{}/{name}", admin.trim_end_matches('/'));
    let dir = tempdir("report-postgres");
    let u = url.clone();
    tokio::task::spawn_blocking(move || journey(&dir, &u)).await.unwrap();
    palermo_store::testing::drop_postgres_database(&admin, &name).await.unwrap();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("palermo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn report_page_and_the_coordinators_texts(app: &TestApp) {
    app.app.create_demo(&|_| {}).await.unwrap();
    let mut coord = app.client();
    coord.sign_in("coordinator", palermo_service::demo::DEMO_PASSWORD).await;
    let page = coord.get("/report?year=2026&country=XVR").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("class=\"report-paragraph\"").count(), 17);
    let csrf = coord.csrf_token().await.unwrap();
    let text = "Veridia adopted its second National Action Plan in March.";
    let r = coord
        .post_form("/report/narrative", &[("csrf", &csrf), ("year", "2026"), ("paragraph", "1"), ("text", text), ("country", "XVR")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = coord.post_form("/report/narrative", &[("csrf", &csrf), ("year", "2026"), ("paragraph", "18"), ("text", "x")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let page = coord.get("/report?year=2026&country=XVR").await;
    assert!(page.body.contains(text));
    let download = coord.get("/report/download?year=2026&country=XVR").await;
    assert_eq!(download.status, 200);
    assert!(download.headers.get("content-disposition").unwrap().to_str().unwrap().contains("implementation-report-2026.html"));
    assert!(download.body.contains(text) && !download.body.contains("name=\"csrf\""), "the document has no forms");
    // Others read the report (only publishable figures) but do not write it.
    let mut cw = app.client();
    cw.sign_in("case-worker", palermo_service::demo::DEMO_PASSWORD).await;
    let page = cw.get("/report?year=2026").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/report/narrative"), "no form for a case worker");
    let csrf = cw.csrf_token().await.unwrap();
    let r = cw.post_form("/report/narrative", &[("csrf", &csrf), ("year", "2026"), ("paragraph", "1"), ("text", "mine")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(cw.get("/statistics?year=2026").await.status, 403, "the dashboard is for coordinators and analysts");
    let dash = coord.get("/statistics?year=2026").await;
    assert_eq!(dash.status, 200);
    assert!(
        dash.body.contains("<svg") && dash.body.contains("id=\"by-month-table\"") && dash.body.contains("id=\"waiting-table\""),
        "{}",
        dash.body
    );
    for table in ["by-month-table", "persons-table", "by-form-table", "by-place-1-table", "by-place-2-table", "referral-outcomes-table"] {
        let rows = dash.body.split(&format!("id=\"{table}\"")).nth(1).unwrap().split("</table>").next().unwrap();
        for cell in rows.split("<td>").skip(1).filter_map(|c| c.split("</td>").next()) {
            if let Ok(n) = cell.parse::<u64>() {
                assert!(n == 0 || n >= 11, "{n} in {table}");
            }
        }
    }
    // The persons the cases concern: as many as the database's distinct persons (a person with
    // several cases once), or hidden with the total where a figure would be small.
    let db = |sql: &'static str| {
        let url = app.db_url.clone();
        async move { palermo_store::testing::count(&url, sql).await.unwrap() as u64 }
    };
    let persons = db("SELECT COUNT(*) FROM (SELECT 1 AS one FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2027-01-01' \
         GROUP BY COALESCE(person_id, id)) AS p")
    .await;
    let twice = db("SELECT COUNT(*) FROM (SELECT 1 AS one FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2027-01-01' \
         GROUP BY COALESCE(person_id, id) HAVING COUNT(*) > 1) AS p")
    .await;
    let cases = db("SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2027-01-01'").await;
    assert!(persons > 0 && persons <= cases, "{persons} persons, {cases} cases");
    let table = dash.body.split("id=\"persons-table\"").nth(1).unwrap().split("</table>").next().unwrap();
    let cells: Vec<&str> = table.split("<td>").skip(1).filter_map(|c| c.split("</td>").next()).collect();
    let shown = |n: u64| n == 0 || n >= 11;
    if shown(persons - twice) && shown(twice) {
        assert_eq!(cells, [(persons - twice).to_string(), twice.to_string(), persons.to_string()], "{table}");
    } else {
        assert_eq!(cells, ["x", "x", "x"], "a hidden figure hides the total: {table}");
    }
    // The cases per month (one grouped read, Store::cases_by_month): each published month is the
    // database's count of cases referred in it.
    let table = dash.body.split("id=\"by-month-table\"").nth(1).unwrap().split("</table>").next().unwrap();
    let months: Vec<&str> = table.split("<td>").skip(1).filter_map(|c| c.split("</td>").next()).take(12).collect();
    assert_eq!(months.len(), 12, "{table}");
    let month_sql = [
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-01-01' AND referred_on < '2026-02-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-02-01' AND referred_on < '2026-03-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-03-01' AND referred_on < '2026-04-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-04-01' AND referred_on < '2026-05-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-05-01' AND referred_on < '2026-06-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-06-01' AND referred_on < '2026-07-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-07-01' AND referred_on < '2026-08-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-08-01' AND referred_on < '2026-09-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-09-01' AND referred_on < '2026-10-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-10-01' AND referred_on < '2026-11-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-11-01' AND referred_on < '2026-12-01'",
        "SELECT COUNT(*) FROM cases WHERE referred_on >= '2026-12-01' AND referred_on < '2027-01-01'",
    ];
    let mut published = 0;
    for (shown, sql) in months.iter().zip(month_sql) {
        if let Ok(n) = shown.parse::<u64>() {
            assert_eq!(n, db(sql).await, "{sql}: {table}");
            published += 1;
        }
    }
    assert!(published > 0, "the demo publishes some months: {table}");
    // The charts of detections say what they count: cases, not persons (the persons table does).
    let month_desc = dash.body.split("<desc").nth(1).and_then(|d| d.split("</desc>").next()).unwrap();
    assert!(month_desc.contains("2026-01: ") && !month_desc.contains("persons"), "{month_desc}");
    assert!(month_desc.contains(" cases") || month_desc.split("; ").all(|b| b.ends_with("not published")), "{month_desc}");
    // Four charts, each with a table behind it; the demo's budgets give an execution per programme area.
    assert_eq!(dash.body.matches("<svg").count(), 5, "by month, by form, waiting times, budget execution, referral response times");
    assert!(dash.body.contains("id=\"response-table\""), "the table behind the response-time chart");
    let budget = dash.body.split("id=\"budget-table\"").nth(1).expect("the budget table").split("</table>").next().unwrap();
    assert!(budget.contains("Victim services: EUR") && budget.contains("Prevention"), "{budget}");
    let by_form = dash.body.split("id=\"by-form-table\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(by_form.contains("<th scope=\"row\">Sexual exploitation</th>") && by_form.contains("Forced labour"), "{by_form}");
    let by_country = dash.body.split("id=\"by-place-2-table\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(by_country.contains("country of exploitation") && by_country.contains("XVR"), "{by_country}");
    // The dashboard and the report in the reader's language: titles, headers, labels and units;
    // the same figures; no code or message key left showing.
    let figures = |body: &str| -> Vec<String> {
        body.split("<td>")
            .skip(1)
            .filter_map(|c| c.split("</td>").next())
            .filter(|c| c.parse::<u64>().is_ok() || *c == "x")
            .map(str::to_owned)
            .collect()
    };
    let report_en = coord.get("/report?year=2026&country=XVR").await.body;
    for (lang, words) in [
        ("fr", ["Victimes détectées par forme", "Exploitation sexuelle", "Enquêtes ouvertes", "Protocole"]),
        ("ar", ["الضحايا المكتشفون حسب شكل الاستغلال", "الاستغلال الجنسي", "التحقيقات المفتوحة", "بروتوكول"]),
    ] {
        let d = coord.get_with("/statistics?year=2026", &[("accept-language", lang)]).await;
        let r = coord.get_with("/report?year=2026&country=XVR", &[("accept-language", lang)]).await;
        assert_eq!((d.status, r.status), (200, 200));
        assert!(d.body.contains(words[0]) && d.body.contains(words[1]), "{lang}: {}", d.body);
        assert!(r.body.contains(&format!("<dt>{}</dt>", words[2])) && r.body.contains(words[3]), "{lang}: {}", r.body);
        assert_eq!(figures(&d.body), figures(&dash.body), "{lang}: the dashboard's figures do not depend on the language");
        assert_eq!(figures(&r.body), figures(&report_en), "{lang}: nor the report's");
        for body in [&d.body, &r.body] {
            for leftover in
                ["Victims detected", "sexual_exploitation", "other_or_unknown", "Persons convicted", "RG median", "not published"]
            {
                assert!(!body.contains(leftover), "{lang}: {leftover:?} left in English or as a code");
            }
        }
        assert!(
            r.body.contains("<blockquote class=\"resolution-text\" lang=\"en\""),
            "the resolution is quoted in English, marked as such"
        );
        let download = coord.get_with("/report/download?year=2026&country=XVR", &[("accept-language", lang)]).await;
        assert!(download.body.contains(words[2]), "{lang}: the downloaded document in the reader's language");
        // A timestamp (2026-12-06T13:37:53Z) keeps its order inside right-to-left text.
        assert!(download.body.contains("<time dir=\"ltr\">20"), "{lang}: {}", download.body);
    }
    for body in [&dash.body, &report_en] {
        for key in ["st-", "rf-", "c-stat"] {
            assert!(!body.contains(&format!(">{key}")), "a message key shown instead of its words: {key}");
        }
    }
    let audit = app.app.recent_audit(&Caller::Console, 200, &RequestMeta::cli()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "report.release"));
    assert!(audit.iter().any(|e| e.action == "report.write" && e.outcome == "ok"));
}
