//! Fuzz target `finess`: see `reprise::fuzzing::finess`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::finess(data));
