//! `cargo run -p stats-service`: statistics on http://127.0.0.1:8003 (needs task-service).

fn main() -> anyhow::Result<()> {
    service_kit::startup::run(stats_service::startup::build)
}
