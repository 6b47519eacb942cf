//! The field dialect of delivery files: fields separated by `;`, a field enclosed in double quotes
//! only when it holds the separator, a double quote, CR or LF, a quote inside doubled; records end
//! with CRLF; an empty field is NULL.

/// Field separator of every file of a delivery.
pub const SEPARATOR: u8 = b';';
/// Record terminator written by the generator (readers also accept LF alone).
pub const CRLF: &[u8] = b"\r\n";

/// True when a field must be enclosed in quotes.
pub fn needs_quotes(field: &[u8]) -> bool {
    field
        .iter()
        .any(|&b| b == SEPARATOR || b == b'"' || b == b'\r' || b == b'\n')
}

/// Appends one encoded field to `out`, quoted only if needed.
pub fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if needs_quotes(field) {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// Appends a whole record (fields, separators, CRLF) to `out`.
pub fn push_record<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a [u8]>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        push_field(out, f);
    }
    out.extend_from_slice(CRLF);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> String {
        let mut out = Vec::new();
        push_record(&mut out, fields.iter().map(|f| f.as_bytes()));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_only_where_needed() {
        assert_eq!(record(&["A", "", "B C"]), "A;;B C\r\n");
        assert_eq!(record(&["a;b", "x"]), "\"a;b\";x\r\n");
        assert_eq!(record(&["dit \"non\""]), "\"dit \"\"non\"\"\"\r\n");
        assert_eq!(record(&["l1\r\nl2"]), "\"l1\r\nl2\"\r\n");
        assert_eq!(record(&["d'almeida"]), "d'almeida\r\n");
    }
}
