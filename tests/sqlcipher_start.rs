//! SQLCipher's initialisation at the start of a process: several threads that open and key a
//! connection at the same moment all get their key. SQLite marks itself initialised before
//! SQLCipher is; with `rusqlite::Connection::open` instead of `store::connect`, this test failed
//! 5 times in 300 runs (the CI failure of 6 December 2026), and 0 in 300 through `connect`.

use std::sync::{Arc, Barrier};

#[test]
fn threads_opening_stores_at_once_all_get_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let path = dir.path().join(format!("base-{i}"));
            std::thread::spawn(move || {
                barrier.wait();
                let conn = reprise::store::connect(&path, rusqlite::OpenFlags::default())
                    .map_err(|e| e.to_string())?;
                conn.pragma_update(None, "key", "phrase de test 2008")
                    .map_err(|e| e.to_string())?;
                conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
}
