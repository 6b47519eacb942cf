//! Reprise: reception and offline consultation of the ITAC / OPALES deliveries ("fichiers de
//! reprise") of the MDPH. See ARCHITECTURE.md for the modules and the data flow.

pub mod audit;
pub mod browse;
pub mod calendar;
pub mod cli;
pub mod delivery;
pub mod dossier;
pub mod export;
pub mod fixity;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod profile;
pub mod reception;
pub mod referential;
pub mod report;
pub mod sample;
pub mod search;
pub mod store;
#[cfg(feature = "gui")]
pub mod ui;
