//! `reprise verify`: the reception check of a delivery, without writing anything anywhere.

use super::common::{DeliveryArgs, finish_report, open_delivery, progress_printer};
use crate::reception::{self, NoLoader, ReceiveOptions};
use clap::Args;
use std::sync::atomic::AtomicBool;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub delivery: DeliveryArgs,
}

pub fn run(args: VerifyArgs) -> u8 {
    let opened = match open_delivery(&args.delivery) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let cancel = AtomicBool::new(false);
    let mut progress = progress_printer();
    let opts = ReceiveOptions {
        secret: opened.secret.as_ref(),
        received_on: opened.received_on,
        profiles: &opened.profiles,
        cancel: &cancel,
        progress: &mut progress,
    };
    let result = reception::receive(&opened.delivery, opts, &mut NoLoader);
    super::common::clear_progress();
    match result {
        Ok(report) => finish_report(&report, &args.delivery),
        Err(e) => super::fail(e.to_string(), e.exit_code()),
    }
}
