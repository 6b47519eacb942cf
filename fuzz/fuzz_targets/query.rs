//! Fuzz target `query`: see `reprise::fuzzing::query`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::query(data));
