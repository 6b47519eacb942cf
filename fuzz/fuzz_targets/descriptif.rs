//! Fuzz target `descriptif`: see `reprise::fuzzing::descriptif`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::descriptif(data));
