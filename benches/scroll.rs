//! Frame times of the table grid while scrolling, measured on the real application (driven
//! headless through egui_kittest, release profile): wheel scrolling, then jumps to random
//! positions through the scroll bar, on the largest table of a store.
//!
//! ```sh
//! REPRISE_BENCH_STORE=/chemin/base REPRISE_BENCH_PASSPHRASE_FILE=/chemin/phrase \
//!   cargo bench --bench scroll
//! ```
//! `scripts/bench-scroll.sh` builds a store with a table of 10 million rows and runs this.
//! Prints the time of each frame's interface pass (the work done on the UI thread): p50, p99, max.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use reprise::ui::RepriseApp;
use reprise::ui::settings::{Dirs, Settings};
use reprise::ui::state::Intent;
use std::time::{Duration, Instant};

fn main() {
    let Some(store) = std::env::var_os("REPRISE_BENCH_STORE") else {
        eprintln!(
            "scroll: REPRISE_BENCH_STORE (et REPRISE_BENCH_PASSPHRASE_FILE) non définis : banc sauté (voir scripts/bench-scroll.sh)"
        );
        return;
    };
    let pass_file =
        std::env::var_os("REPRISE_BENCH_PASSPHRASE_FILE").expect("REPRISE_BENCH_PASSPHRASE_FILE");
    let pass = std::fs::read_to_string(pass_file).expect("passphrase file");
    let pass = pass.trim_end_matches(['\n', '\r']).to_string();
    let home = tempfile::tempdir().unwrap();
    let dirs = Dirs::under(home.path());
    Settings {
        last_store: Some(store.into()),
        ..Settings::default()
    }
    .save(&dirs)
    .unwrap();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |cc| RepriseApp::with_dirs(cc, dirs));
    h.run_steps(3);
    let field = h.get_by_role_and_label(
        egui::accesskit::Role::PasswordInput,
        "Phrase de passe de la base",
    );
    field.focus();
    field.type_text(&pass);
    h.key_press(egui::Key::Enter);
    let wait =
        |h: &mut Harness<'static, RepriseApp>, what: &str, cond: &dyn Fn(&RepriseApp) -> bool| {
            let start = Instant::now();
            while !cond(h.state()) {
                h.step();
                std::thread::sleep(Duration::from_millis(5));
                assert!(
                    start.elapsed() < Duration::from_secs(120),
                    "waiting for {what}"
                );
            }
        };
    wait(&mut h, "the store", &|a| a.state.unlocked());
    let largest = {
        let ov = h
            .state()
            .state
            .session
            .as_ref()
            .unwrap()
            .overview
            .as_ref()
            .unwrap();
        ov.tables.iter().max_by_key(|t| t.rows).unwrap().clone()
    };
    let name = format!("{}.{}", largest.application, largest.name);
    h.state_mut().apply(Intent::OpenTable(name.clone()));
    wait(&mut h, "the first rows", &|a| {
        a.state
            .tables
            .view
            .as_ref()
            .is_some_and(|v| !v.columns.is_empty())
    });
    // The pointer over the grid, for the wheel.
    h.hover_at(egui::pos2(700.0, 400.0));
    let mut times = Vec::new();
    let mut rng = 0x2008_u64;
    let frames = 3000;
    let mut loading_frames = 0;
    for i in 0..frames {
        if i % 100 == 99 {
            // A jump through the scroll bar to anywhere in the table.
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            if let Some(v) = h.state_mut().state.tables.view.as_mut() {
                v.top = (rng % largest.rows.max(1) as u64) as f64;
            }
        } else {
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -90.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: egui::Modifiers::NONE,
            });
        }
        let t = Instant::now();
        h.step();
        times.push(t.elapsed());
        if h.query_all_by_label("…").next().is_some() {
            loading_frames += 1;
        }
        // 60 frames a second at most, as on screen.
        std::thread::sleep(Duration::from_millis(4));
    }
    let top = h.state().state.tables.view.as_ref().map_or(0.0, |v| v.top);
    let slow: Vec<String> = times
        .iter()
        .enumerate()
        .filter(|(_, t)| t.as_secs_f64() > 0.016)
        .map(|(i, t)| format!("#{i}:{:.1}", t.as_secs_f64() * 1e3))
        .collect();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "scroll {name} ({} lignes) : {frames} images, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ; images avec des lignes en cours de lecture : {loading_frames} ; dernière position {top:.0} ; au-delà de 16 ms : {} {:?}",
        largest.rows,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        slow.len(),
        slow,
    );
}
