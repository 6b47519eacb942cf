//! The desktop application driven through its accessibility tree (egui_kittest).

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use reprise::ui::RepriseApp;

#[test]
fn welcome_screen_says_what_the_tool_does() {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1100.0, 720.0))
        .build_eframe(|cc| RepriseApp::new(cc));
    harness.run();
    harness.get_by_label("Reprise");
    assert!(
        harness
            .query_by_label_contains("fichiers de reprise ITAC")
            .is_some()
    );
    harness.check_accessibility();
}
