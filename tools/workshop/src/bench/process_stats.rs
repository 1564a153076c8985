//! CPU time and peak memory of a phase's processes, read from Linux's `/proc`. Elsewhere
//! (macOS, Windows) the figures are reported as unavailable rather than guessed.

use serde::Serialize;

/// Totals over all of a phase's processes.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Usage {
    /// User + system CPU seconds since the processes started.
    pub cpu_seconds: Option<f64>,
    /// Sum of each process's peak resident memory (VmHWM), in MiB.
    pub peak_rss_mib: Option<f64>,
}

pub fn usage(pids: &[u32]) -> Usage {
    let mut usage = Usage {
        cpu_seconds: Some(0.0),
        peak_rss_mib: Some(0.0),
    };
    for pid in pids {
        usage.cpu_seconds = usage.cpu_seconds.zip(cpu_seconds(*pid)).map(|(a, b)| a + b);
        usage.peak_rss_mib = usage
            .peak_rss_mib
            .zip(peak_rss_mib(*pid))
            .map(|(a, b)| a + b);
    }
    usage
}

/// Fields 14 and 15 of `/proc/<pid>/stat` (utime, stime) are in clock ticks; Linux
/// reports them in units of 1/100 s on every common configuration (USER_HZ = 100).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; it ends at the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let burn: u64 = (0..5_000_000u64).map(|i| i % 7).sum();
        assert!(burn > 0);
        let usage = usage(&[std::process::id()]);
        assert!(usage.cpu_seconds.is_some_and(|s| s >= 0.0));
        assert!(usage.peak_rss_mib.is_some_and(|m| m > 1.0), "{usage:?}");
    }

    #[test]
    fn a_missing_process_is_unavailable_not_zero() {
        assert!(usage(&[u32::MAX]).cpu_seconds.is_none());
    }
}
