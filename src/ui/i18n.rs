//! Interface language: French by default, English selectable. Each text is written in both
//! languages where it is used (`lang.t("…", "…")`), so a screen reads as one piece of text.
//! Messages that come from the library (errors, anomaly labels) are in French.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "fr")]
    Fr,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The text in this language.
    pub fn t(self, fr: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// A number with the language's thousands separator.
    pub fn int(self, n: u64) -> String {
        match self {
            // A no-break space: a number is never cut at the end of a line.
            Lang::Fr => crate::report::fr_int(n).replace(' ', "\u{a0}"),
            Lang::En => crate::report::fr_int(n).replace(' ', ","),
        }
    }
}
