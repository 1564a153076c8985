//! `cargo run -p user-service`: accounts and tokens on http://127.0.0.1:8001.

fn main() -> anyhow::Result<()> {
    service_kit::startup::run(user_service::startup::build)
}
