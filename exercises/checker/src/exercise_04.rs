//! Exercise 04, "Database per service": the tasks module leaves the monolith with its data.
//!
//! Black box, with the whole system as real processes on free ports: the learner's binary
//! as `monolith` and as `task-service` (each over its own temporary SQLite folder), and
//! phase 03's own `stats-service` and `api-gateway`, wired the way the README tells the
//! learner to run them: the gateway's and the stats service's `TASK_SERVICE_URL` point at
//! the learner's task service, `USER_SERVICE_URL` at the monolith. Then the database
//! files themselves are opened to see where the tasks went.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
};

use serde_json::{Value, json};
use sqlx::{
    Connection, Row,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

use crate::{
    exercise_03::{User, client, short, start_monolith},
    kit::{self, Process, Report, Subject, TEST_JWT_SECRET},
    metadata,
};

const SERVES_TASKS: &str = "the task service serves the tasks API on its own (contract areas for tasks, through the gateway)";
const OWN_DATABASE: &str = "tasks created through the gateway are stored in the task service's database, not the monolith's";
const NO_USERS: &str = "the task service's database holds tasks, and no users table";
const CONTRACT: &str = "the whole API contract passes through the gateway";
const DEPENDENCIES: &str = metadata::STEP;
const WITHOUT_MONOLITH: &str =
    "with the monolith stopped, tasks still work (JWT checked locally) and the stats still answer";

/// The contract areas the task service alone answers.
const TASK_AREAS: [&str; 8] = [
    conformance::areas::CREATE_TASK,
    conformance::areas::GET_TASK,
    conformance::areas::LIST_TASKS,
    conformance::areas::UPDATE_TASK,
    conformance::areas::STATUS,
    conformance::areas::TOGGLE,
    conformance::areas::DELETE,
    conformance::areas::ISOLATION,
];

pub async fn check(subject: &Subject) -> Report {
    let mut report = Report::of(
        format!("Exercise 04, database per service ({})", subject.label),
        subject,
    );
    let all = [
        SERVES_TASKS,
        OWN_DATABASE,
        NO_USERS,
        CONTRACT,
        WITHOUT_MONOLITH,
    ];
    // The manifest first (no build needed), then the running system.
    report
        .check(DEPENDENCIES, metadata::dependencies_step(subject))
        .await;
    let Some(binary) = kit::build_step(&mut report, subject, &all).await else {
        return report;
    };
    let phase_03 = async {
        Ok::<_, String>((
            kit::build("api-gateway").await?,
            kit::build("stats-service").await?,
        ))
    };
    let (gateway_binary, stats_binary) = match phase_03.await {
        Ok(binaries) => binaries,
        Err(error) => {
            report.step("phase 03's api-gateway and stats-service build", Err(error));
            report.skip_all(&all, "phase 03's binaries do not build");
            return report;
        }
    };
    let Ok(data) = tempfile::tempdir() else {
        report.step("a temporary folder", Err("cannot create one".into()));
        return report;
    };
    let folders = Folders {
        monolith: data.path().join("monolith"),
        task_service: data.path().join("task-service"),
    };
    let system = match start_all(&binary, &gateway_binary, &stats_binary, &folders).await {
        Ok(system) => {
            report.step(
                "the monolith, your task service, the stats service and the gateway start",
                Ok(()),
            );
            system
        }
        Err(error) => {
            report.step(
                "the monolith, your task service, the stats service and the gateway start",
                Err(error),
            );
            report.skip_all(&all, "the processes do not start");
            return report;
        }
    };
    let System {
        mut monolith,
        task_service: _task_service,
        stats: _stats,
        gateway,
    } = system;
    let gateway = gateway.base_url();
    let client = client();

    report
        .check(SERVES_TASKS, async {
            kit::conformance(&gateway, &TASK_AREAS)
                .await
                .map_err(|failures| {
                    format!(
                        "{failures}\nThe gateway sends /api/v1/tasks to your task service (src/task_service.rs): \
                         it must serve the tasks module's routes (`tasks::TasksApi::router`)."
                    )
                })
        })
        .await;
    if report.stop_here(&all[1..]) {
        return report;
    }
    let user = User::register(&client, &gateway).await;
    let marker = format!("checker-{}", uuid::Uuid::new_v4().simple());
    let created = match &user {
        Ok(user) => create_marked(&client, &gateway, user, &marker).await,
        Err(error) => Err(error.clone()),
    };
    report
        .check(OWN_DATABASE, async {
            match &created {
                Ok(()) => stored_in_own_database(&folders, &marker).await,
                Err(error) => Err(format!(
                    "creating 3 tasks through the gateway failed: {error}"
                )),
            }
        })
        .await;
    report
        .check(NO_USERS, tasks_only(&folders.task_service))
        .await;
    report
        .check(CONTRACT, kit::conformance(&gateway, &[]))
        .await;
    monolith.stop().await;
    report
        .check(WITHOUT_MONOLITH, async {
            match (&user, &created) {
                (Ok(user), Ok(())) => without_monolith(&client, &gateway, user).await,
                _ => Err("no tasks could be created through the gateway (see above)".into()),
            }
        })
        .await;
    report
}

/// Each process's own folder: its SQLite files and nothing else.
struct Folders {
    monolith: PathBuf,
    task_service: PathBuf,
}

struct System {
    monolith: Process,
    task_service: Process,
    stats: Process,
    gateway: Process,
}

async fn start_all(
    binary: &Path,
    gateway_binary: &Path,
    stats_binary: &Path,
    folders: &Folders,
) -> Result<System, String> {
    for folder in [&folders.monolith, &folders.task_service] {
        std::fs::create_dir_all(folder).map_err(|error| error.to_string())?;
    }
    let monolith = start_monolith(binary, &["monolith"], &folders.monolith, "monolith").await?;
    let database = folders.task_service.join("tasks.sqlite3");
    let task_service = Process::start(
        "task-service",
        binary,
        &["task-service"],
        &[
            (
                "DATABASE_URL",
                format!("sqlite://{}?mode=rwc", database.display()),
            ),
            ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
        ],
        kit::free_port(),
    )
    .await?;
    let stats = Process::start(
        "stats-service",
        stats_binary,
        &[],
        &[
            ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
            ("TASK_SERVICE_URL", task_service.base_url()),
        ],
        kit::free_port(),
    )
    .await?;
    let gateway = Process::start(
        "api-gateway",
        gateway_binary,
        &[],
        &[
            ("USER_SERVICE_URL", monolith.base_url()),
            ("TASK_SERVICE_URL", task_service.base_url()),
            ("STATS_SERVICE_URL", stats.base_url()),
            ("RATE_LIMIT_PER_SECOND", "0".to_string()),
        ],
        kit::free_port(),
    )
    .await?;
    Ok(System {
        monolith,
        task_service,
        stats,
        gateway,
    })
}

/// Three tasks whose titles start with `marker`.
async fn create_marked(
    client: &reqwest::Client,
    gateway: &str,
    user: &User,
    marker: &str,
) -> Result<(), String> {
    for index in 1..=3 {
        user.create_task(
            client,
            gateway,
            &json!({"title": format!("{marker} {index}"), "priority": "high"}),
        )
        .await?;
    }
    Ok(())
}

/// What the SQLite files of one folder hold: every table name, and the rows of any `tasks`
/// table whose title starts with the marker.
#[derive(Default)]
struct Contents {
    tables: Vec<String>,
    marked_tasks: i64,
}

async fn contents(folder: &Path, marker: &str) -> Result<Contents, String> {
    let mut found = Contents::default();
    let entries = std::fs::read_dir(folder)
        .map_err(|error| format!("cannot read {}: {error}", folder.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.to_string_lossy().to_string();
        if !path.is_file()
            || ["-wal", "-shm", "-journal"]
                .iter()
                .any(|s| name.ends_with(s))
        {
            continue;
        }
        let Ok(options) = SqliteConnectOptions::from_str(&format!("sqlite://{name}")) else {
            continue;
        };
        // Not a SQLite file (or unreadable): nothing of ours in it.
        let Ok(mut connection) = SqliteConnection::connect_with(&options).await else {
            continue;
        };
        let tables: Vec<String> =
            sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut connection)
                .await
                .map(|rows| rows.iter().map(|row| row.get::<String, _>(0)).collect())
                .unwrap_or_default();
        if tables.iter().any(|table| table == "tasks") {
            let count: i64 = sqlx::query("SELECT COUNT(*) FROM tasks WHERE title LIKE $1")
                .bind(format!("{marker}%"))
                .fetch_one(&mut connection)
                .await
                .map(|row| row.get(0))
                .unwrap_or_default();
            found.marked_tasks += count;
        }
        found.tables.extend(tables);
        let _ = connection.close().await;
    }
    Ok(found)
}

async fn stored_in_own_database(folders: &Folders, marker: &str) -> Result<(), String> {
    let own = contents(&folders.task_service, marker).await?;
    let monolith = contents(&folders.monolith, marker).await?;
    if monolith.marked_tasks > 0 {
        return Err(format!(
            "{} of the 3 tasks are in the MONOLITH's database: the task service must write to its own \
             DATABASE_URL, never to the monolith's",
            monolith.marked_tasks
        ));
    }
    if own.marked_tasks != 3 {
        return Err(format!(
            "found {} of the 3 tasks created through the gateway in the task service's database \
             (the SQLite files under its DATABASE_URL's folder). Build the tasks module over \
             `crate::database::TasksDatabase::connect(&settings.database_url)` in src/task_service.rs.",
            own.marked_tasks
        ));
    }
    Ok(())
}

async fn tasks_only(folder: &Path) -> Result<(), String> {
    let own = contents(folder, "-").await?;
    if !own.tables.iter().any(|table| table == "tasks") {
        return Err(
            "the task service's database has no tasks table yet: run the tasks module's migrations \
             (`tasks::TasksApi::migrate`) over its own database"
                .into(),
        );
    }
    let foreign: Vec<&String> = own
        .tables
        .iter()
        .filter(|table| table.as_str() == "users")
        .collect();
    if !foreign.is_empty() {
        return Err(
            "the task service's database has a users table: users belong to the monolith. Run only \
             the tasks module's migrations there, and answer `UserDirectory` without a users table"
                .into(),
        );
    }
    Ok(())
}

async fn without_monolith(
    client: &reqwest::Client,
    gateway: &str,
    user: &User,
) -> Result<(), String> {
    let (status, body) = user.get(client, gateway, "/api/v1/tasks").await?;
    let items = body
        .get("items")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if status != 200 || items < 3 {
        return Err(format!(
            "GET /api/v1/tasks answered {status} with {items} task(s), expected 200 with the user's 3: {}",
            short(&body.to_string())
        ));
    }
    user.create_task(
        client,
        gateway,
        &json!({"title": "written while the monolith is down"}),
    )
    .await
    .map_err(|error| {
        format!(
            "{error}\nCreating a task must not need the monolith: the tasks module asks its \
             `UserDirectory` whether the caller exists; answer it from the verified token."
        )
    })?;
    let (status, body) = user.get(client, gateway, "/api/v1/stats").await?;
    if status != 200 || body.get("total_tasks").and_then(Value::as_i64) != Some(4) {
        return Err(format!(
            "GET /api/v1/stats answered {status}, expected 200 with \"total_tasks\": 4 (the stats service \
             reads the counts from your task service's /internal/v1/task-counts): {}",
            short(&body.to_string())
        ));
    }
    Ok(())
}
