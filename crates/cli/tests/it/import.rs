//! `palermo import cases` through the real binary, on SQLite and PostgreSQL: an XLSX register
//! with a mapping file is imported after a dry run; a CSV with problems is refused with every
//! problem named by row and column, and nothing is written.

use palermo_testkit::postgres_admin_url;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_palermo");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn run(env: &[(String, String)], args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).envs(env.iter().cloned()).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn cases(db: &str) -> i64 {
    palermo_store::testing::count(db, "SELECT COUNT(*) FROM cases").await.unwrap()
}

async fn journey(dir: &std::path::Path, db: &str) {
    let env = vec![
        ("PALERMO_DATA_DIR".to_owned(), dir.display().to_string()),
        ("PALERMO_DATA_DATABASE".to_owned(), db.to_owned()),
        ("PALERMO_LOG_LEVEL".to_owned(), "warn".to_owned()),
        ("PALERMO_SECURITY_ARGON2_MEMORY_KIB".to_owned(), "19456".to_owned()),
        ("PALERMO_SECURITY_ARGON2_ITERATIONS".to_owned(), "2".to_owned()),
    ];
    let (ok, out) = run(&env, &["demo"]);
    assert!(ok, "{out}");
    let url = if db.is_empty() { format!("sqlite://{}/palermo.db", dir.display()) } else { db.to_owned() };
    let before = cases(&url).await;

    // A CSV with problems: every one reported by row and column, nothing written.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "prs_FirstName,prs_Gender,vic_TypeOfExploitation,cas_IncomingReferralDate,competent_authority,con_Consent,age_at_identification\n\
         Amina,Female,SexualExploitation,2026-10-01,\"Victim Support Directorate, Ministry of Social Affairs\",yes,30\n\
         Ivan,Masculine,ForcedLabour,2026-11-01,Nobody,yes,40\n\
         Olga,Feminine,ForcedLabour,2026-11-01,\"Victim Support Directorate, Ministry of Social Affairs\",yes,35\n",
    )
    .unwrap();
    let (ok, out) = run(&env, &["import", "cases", "--file", bad.to_str().unwrap(), "--as", "first-responder"]);
    assert!(!ok);
    assert!(out.contains("row 2, column prs_Gender"), "{out}");
    assert!(out.contains("row 3, column competent_authority"), "{out}");
    assert!(out.contains("nothing was imported"), "{out}");
    assert_eq!(cases(&url).await, before, "all or nothing");

    // The XLSX register with its mapping: a dry run, then the import.
    let xlsx = format!("{FIXTURES}/cases.xlsx");
    let mapping = format!("{FIXTURES}/cases-mapping.toml");
    // The fixture names its authority "Victim Directorate"; the demo's is longer.
    let mapped = dir.join("mapping.toml");
    std::fs::write(&mapped, std::fs::read_to_string(&mapping).unwrap()).unwrap();
    let (ok, out) =
        run(&env, &["import", "cases", "--file", &xlsx, "--mapping", mapped.to_str().unwrap(), "--as", "first-responder", "--dry-run"]);
    assert!(!ok, "unknown authority is reported: {out}");
    assert!(out.contains("row 2, column Authority: the name of a competent authority"), "{out}");
    // Dates, booleans and numbers in the workbook were read: the authority is the only problem.
    let problems: Vec<&str> = out.lines().filter(|l| l.starts_with("row ")).collect();
    assert_eq!(problems.len(), 3, "{out}");
    assert!(problems.iter().all(|l| l.contains("column Authority")), "{out}");
    let renamed = dir.join("register.csv");
    // Same register exported to CSV with the demo's authority name.
    std::fs::write(
        &renamed,
        "First name,Family name,Gender,Born,Citizenship,Age,Exploitation,Referred,Authority,Consent,RG,RG date\n\
         Amina,Diallo,Feminine,1998-04-02,GIN,28,SexualExploitation,2026-10-01,\"Victim Support Directorate, Ministry of Social Affairs\",yes,positive,2026-10-05\n\
         Ivan,Petrov,Masculine,,UKR;MDA,41,ForcedLabour,2026-11-02,\"Victim Support Directorate, Ministry of Social Affairs\",true,,\n\
         Sami,,Masculine,,,15,ChildLabour,2026-11-10,\"Victim Support Directorate, Ministry of Social Affairs\",no,,\n",
    )
    .unwrap();
    let (ok, out) = run(
        &env,
        &[
            "import",
            "cases",
            "--file",
            renamed.to_str().unwrap(),
            "--mapping",
            mapped.to_str().unwrap(),
            "--as",
            "first-responder",
            "--dry-run",
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("3 cases would be imported"), "{out}");
    assert_eq!(cases(&url).await, before, "a dry run writes nothing");
    let (ok, out) = run(
        &env,
        &["import", "cases", "--file", renamed.to_str().unwrap(), "--mapping", mapped.to_str().unwrap(), "--as", "first-responder"],
    );
    assert!(ok, "{out}");
    assert!(out.contains("imported 3 cases"), "{out}");
    assert_eq!(cases(&url).await, before + 3);
    let recovery = palermo_store::testing::count(
        &url,
        "SELECT COUNT(*) FROM cases c JOIN case_events e ON e.case_id = c.id WHERE e.kind = 'imported' AND c.stage = 'recovery_period'",
    )
    .await
    .unwrap();
    assert_eq!(recovery, 1, "the RG decision in the register was applied through the stage machine");
    // Identity went into the vault encrypted, not into the cases table.
    let plain = palermo_store::testing::count(
        &url,
        "SELECT COUNT(*) FROM identity_vault WHERE field = 'given_name' AND ciphertext = CAST('Amina' AS BLOB)",
    )
    .await;
    assert_eq!(plain.unwrap_or(0), 0);
    let (ok, out) = run(&env, &["audit", "verify"]);
    assert!(ok && out.contains("intact"), "{out}");
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("palermo-import-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_cases_sqlite() {
    let dir = scratch("sqlite");
    journey(&dir, "").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_cases_postgres() {
    let Some(admin) = postgres_admin_url() else { return };
    let name = format!("palermo_import_{}", std::process::id());
    let admin = admin.trim_end_matches('/').to_owned();
    let admin_db = format!("{admin}/postgres");
    palermo_store::testing::create_postgres_database(&admin_db, &name).await.unwrap();
    let dir = scratch("postgres");
    journey(&dir, &format!("{admin}/{name}")).await;
    palermo_store::testing::drop_postgres_database(&admin_db, &name).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
