//! Fuzz target `extraction_log`: see `reprise::fuzzing::extraction_log`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::extraction_log(data));
