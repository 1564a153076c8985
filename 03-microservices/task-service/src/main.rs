//! `cargo run -p task-service`: tasks on http://127.0.0.1:8002.

fn main() -> anyhow::Result<()> {
    service_kit::startup::run(task_service::startup::build)
}
