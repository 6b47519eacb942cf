//! Fuzz target `controle`: see `reprise::fuzzing::controle`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprise::fuzzing::controle(data));
