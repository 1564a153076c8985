//! The extraction report in phase 03's README is what the files say today.

use workshop::extraction::{END, START, check_or_write, report, with_report};

#[test]
fn the_readme_shows_the_current_extraction_report() {
    let root = workshop::phases::workspace_root();
    assert!(
        check_or_write(&root, false).expect("the report"),
        "03-microservices/README.md is out of date: run `cargo run -p workshop -- extraction --write`"
    );
}

#[test]
fn the_report_counts_every_file_each_service_adds() {
    let root = workshop::phases::workspace_root();
    let report = report(&root).expect("the report");
    for file in [
        "user-service/src/main.rs",
        "task-service/src/seams.rs",
        "stats-service/src/seams.rs",
        "stats-service/src/clients/task_service.rs",
    ] {
        assert!(
            report.contains(&format!("[`{file}`]({file})")),
            "{file} missing:\n{report}"
        );
    }
    assert!(report.contains("used unchanged"), "{report}");
}

#[test]
fn a_stale_report_is_found_out() {
    let readme = format!("# Phase 03\n\n{START}\nold figures\n{END}\nthe rest\n");
    let refreshed = with_report(&readme, "new figures\n").expect("markers");
    assert_eq!(
        refreshed,
        format!("# Phase 03\n\n{START}\nnew figures\n{END}\nthe rest\n")
    );
    assert_ne!(refreshed, readme, "a changed report must change the README");
    assert!(with_report("no markers", "x").is_err());
}
