//! Fuzz target `records`: see `reprise::fuzzing::records`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::records(data));
