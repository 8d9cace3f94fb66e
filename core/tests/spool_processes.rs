//! Several processes sharing one spool: rotation under a size cap loses no line, and a write
//! that fails part-way (the disk is full) leaves no half line behind. Real processes (fork),
//! in a test binary of their own because forking is safest with few threads.

use std::path::Path;
use std::time::Duration;

use llmtel_core::export::spool::rotated_path;
use llmtel_core::options::Spool;
use llmtel_core::{Client, DropReason, Options, SpanStart};

const WRITERS: usize = 4;
const SPANS_PER_WRITER: u64 = 3000;

fn spool_client(path: &Path, max_bytes: u64, max_files: u32) -> Client {
    Client::init(Options {
        spool: Some(Spool::Path(path.to_owned())),
        dsn: Some(String::new()),
        spool_max_bytes: max_bytes,
        spool_max_files: max_files,
        flush_interval: Duration::from_millis(5),
        max_export_batch_size: 64,
        queue_capacity: 8192,
        ..Options::default()
    })
    .unwrap()
}

/// Every line of the spool and its rotated files, each checked to be one JSON object.
fn all_lines(path: &Path, max_files: u32) -> Vec<serde_json::Value> {
    (0..=max_files)
        .map(|n| match n {
            0 => path.to_owned(),
            n => rotated_path(path, n),
        })
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The tests of this binary run one at a time: a fork while another test's client has threads
/// (one of them perhaps holding the allocator's lock) can leave the child stuck.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `child` in a forked process; its return value is the exit status.
fn fork(child: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: the child makes its own client (its own threads) and then _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
        unsafe { libc::_exit(code) };
    }
    pid
}

/// `fork`, with the child's stderr going to `stderr_path` (llmtel's warnings are read there).
fn fork_capturing_stderr(stderr_path: &Path, child: impl FnOnce() -> i32) -> libc::pid_t {
    let stderr = std::fs::File::create(stderr_path).unwrap();
    fork(move || {
        use std::os::fd::AsRawFd;
        unsafe { libc::dup2(stderr.as_raw_fd(), 2) };
        child()
    })
}

/// How many times llmtel said on stderr that the spool cannot be written.
fn cannot_write_said(stderr_path: &Path) -> usize {
    std::fs::read_to_string(stderr_path)
        .unwrap()
        .matches("llmtel: cannot write the spool")
        .count()
}

fn wait(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(libc::WIFEXITED(status), "child died: {status}");
    libc::WEXITSTATUS(status)
}

#[test]
fn four_processes_rotating_one_spool_lose_no_line() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let max_files = 1000; // enough to keep everything: any missing line is a lost line
    let pids: Vec<_> = (0..WRITERS)
        .map(|w| {
            let path = path.clone();
            fork(move || {
                let client = spool_client(&path, 20_000, max_files);
                for i in 0..SPANS_PER_WRITER {
                    let mut span = client.start_span(SpanStart::new(format!("w{w} s{i}")));
                    span.set_attribute("padding", "x".repeat(200));
                    span.end();
                }
                client.close(Duration::from_secs(30)).unwrap();
                let spool = client.stats().exporter("spool").cloned().unwrap();
                i32::from(spool.exported != SPANS_PER_WRITER)
            })
        })
        .collect();
    for pid in pids {
        assert_eq!(wait(pid), 0, "a writer did not export all its spans");
    }
    let lines = all_lines(&path, max_files);
    let mut names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len() as u64, WRITERS as u64 * SPANS_PER_WRITER);
    assert_eq!(lines.len(), names.len(), "no line written twice");
    for n in 1..=max_files {
        if let Ok(meta) = std::fs::metadata(rotated_path(&path, n)) {
            assert!(meta.len() <= 20_000, "file {n} passed the cap");
        }
    }
}

#[test]
fn a_write_cut_short_by_a_full_disk_leaves_whole_lines_and_counts_the_rest() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let stderr_path = dir.path().join("stderr.txt");
    // The "disk" holds 10 000 bytes: RLIMIT_FSIZE makes the write that crosses it stop part-way,
    // as ENOSPC does, and every later one fail.
    let full = fork_capturing_stderr(&stderr_path, {
        let path = path.clone();
        move || {
            unsafe {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let limit = libc::rlimit {
                    rlim_cur: 10_000,
                    rlim_max: 10_000,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            }
            let client = spool_client(&path, 1 << 30, 2);
            for i in 0..100 {
                let mut span = client.start_span(SpanStart::new(format!("full {i}")));
                span.set_attribute("padding", "x".repeat(300));
                span.end();
            }
            client.close(Duration::from_secs(10)).unwrap();
            let spool = client.stats().exporter("spool").cloned().unwrap();
            // What it says it exported is what is on disk, and the rest is counted.
            let on_disk = all_lines(&path, 0).len() as u64;
            let counted = spool.exported + spool.dropped.get(DropReason::SendError);
            i32::from(!(spool.exported == on_disk && counted == 100 && on_disk > 0))
        }
    });
    assert_eq!(
        wait(full),
        0,
        "exported and dropped counts do not match the disk"
    );
    assert_eq!(cannot_write_said(&stderr_path), 1, "said once");
    // The next writer (space again) starts on a line of its own.
    let next = spool_client(&path, 1 << 30, 2);
    next.start_span(SpanStart::new("next writer")).end();
    next.close(Duration::from_secs(10)).unwrap();
    let lines = all_lines(&path, 0);
    assert_eq!(lines.last().unwrap()["name"], "next writer");
    assert!(std::fs::read(&path).unwrap().ends_with(b"\n"));
}

#[test]
fn a_spool_that_cannot_be_written_is_said_once_and_every_span_counted() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let stderr_path = dir.path().join("stderr.txt");
    let child = fork_capturing_stderr(&stderr_path, {
        let path = path.clone();
        move || {
            let client = spool_client(&path, 1 << 30, 2);
            // Something else takes the spool's place after init (as a read-only folder or a
            // full disk would refuse the writes): every write fails.
            std::fs::create_dir(&path).unwrap();
            for i in 0..50 {
                client.start_span(SpanStart::new(format!("lost {i}"))).end();
                if i % 10 == 9 {
                    let _ = client.flush(Duration::from_secs(5));
                }
            }
            client.close(Duration::from_secs(10)).unwrap();
            let spool = client.stats().exporter("spool").cloned().unwrap();
            i32::from(!(spool.exported == 0 && spool.dropped.get(DropReason::SendError) == 50))
        }
    });
    assert_eq!(wait(child), 0, "every span counted as dropped");
    assert_eq!(cannot_write_said(&stderr_path), 1, "said once");
}
