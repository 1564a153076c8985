//! The services layer is "independent of HTTP" (src/services/mod.rs). Words are cheap, so
//! this test reads the services' code and fails when any of it names the HTTP layer: a
//! service reports a `ServiceError`, and only `crate::error` decides its status code.

use std::path::Path;

/// Names that belong to the HTTP edge, never to a service.
const HTTP_NAMES: [&str; 4] = ["ApiError", "StatusCode", "axum", "IntoResponse"];

#[test]
fn services_do_not_name_the_http_layer() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services");
    let mut files = 0;
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&folder).expect("src/services is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).expect("a readable source file");
        for (number, line) in text.lines().enumerate() {
            // Comments may talk about the edge; code may not reach it.
            let code = line.split("//").next().unwrap_or_default();
            for name in HTTP_NAMES {
                if code.contains(name) {
                    offenders.push(format!("{}:{}: {name}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(
        files >= 4,
        "only {files} service files found in {}",
        folder.display()
    );
    assert!(
        offenders.is_empty(),
        "services name the HTTP layer:\n{}",
        offenders.join("\n")
    );
}
