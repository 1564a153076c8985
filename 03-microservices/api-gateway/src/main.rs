//! `cargo run -p api-gateway`: the TaskTracker API on http://127.0.0.1:8000 (docs at /docs),
//! served by the services at `USER_SERVICE_URL`, `TASK_SERVICE_URL` and `STATS_SERVICE_URL`.

fn main() -> anyhow::Result<()> {
    service_kit::startup::run(api_gateway::startup::build)
}
