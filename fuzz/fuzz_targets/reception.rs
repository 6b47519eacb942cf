//! Fuzz target `reception`: see `reprise::fuzzing::reception`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::reception(data));
