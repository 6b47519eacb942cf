//! Fuzz target `values`: see `reprise::fuzzing::values`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::values(data));
