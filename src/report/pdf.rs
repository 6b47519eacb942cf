//! The PDF procès-verbal de réception.

use crate::reception::report::ReceptionReport;

/// Renders the report as a PDF document.
pub fn render(_report: &ReceptionReport) -> Result<Vec<u8>, String> {
    Err("le procès-verbal PDF n'est pas encore disponible ; demandez un .json".into())
}
