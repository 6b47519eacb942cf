//! DESCRIPTIF.TXT, the data dictionary of a delivery (spec section 2): one line per table
//! (ORDRE 0) and one per column, with Oracle type, length, key position and reference.

use super::DESCRIPTIF_HEADER;
use thiserror::Error;

/// Oracle type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColumnType {
    Char,
    Varchar2,
    Number,
    Date,
}

impl ColumnType {
    /// The type in words, for tooltips.
    pub fn label(self) -> &'static str {
        match self {
            Self::Char => "texte de longueur fixe (CHAR)",
            Self::Varchar2 => "texte (VARCHAR2)",
            Self::Number => "nombre (NUMBER)",
            Self::Date => "date (DATE)",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "CHAR" => Some(Self::Char),
            "VARCHAR2" => Some(Self::Varchar2),
            "NUMBER" => Some(Self::Number),
            "DATE" => Some(Self::Date),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Char => "CHAR",
            Self::Varchar2 => "VARCHAR2",
            Self::Number => "NUMBER",
            Self::Date => "DATE",
        }
    }

    pub fn is_text(self) -> bool {
        matches!(self, Self::Char | Self::Varchar2)
    }
}

/// A `TABLE.COLONNE` reference.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    pub table: String,
    pub column: String,
}

/// One column of a table, in file order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub length: Option<u32>,
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    pub mandatory: bool,
    /// Position in the primary key (1-based).
    pub key: Option<u32>,
    pub reference: Option<Reference>,
    pub label: String,
}

/// One table of the dictionary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub name: String,
    pub label: String,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The header line of the table's data file (without line end).
    pub fn header(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Columns of the primary key, in key order.
    pub fn key_columns(&self) -> Vec<usize> {
        let mut k: Vec<(u32, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.key.map(|p| (p, i)))
            .collect();
        k.sort();
        k.into_iter().map(|(_, i)| i).collect()
    }
}

/// The whole dictionary, tables in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Descriptif {
    pub tables: Vec<Table>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DescriptifError {
    #[error("ligne {line} : {fields} champs au lieu de 11")]
    FieldCount { line: usize, fields: usize },
    #[error("ligne {line} : ORDRE « {value} » n'est pas un nombre")]
    BadOrder { line: usize, value: String },
    #[error("ligne {line} : type « {value} » inconnu")]
    BadType { line: usize, value: String },
    #[error("ligne {line} : nombre « {value} » invalide dans la colonne {field}")]
    BadNumber {
        line: usize,
        field: &'static str,
        value: String,
    },
    #[error("ligne {line} : colonne de la table {table} décrite avant la table")]
    ColumnBeforeTable { line: usize, table: String },
    #[error(
        "ligne {line} : la table {table} a déjà une colonne d'ordre {order} ou les ordres ne se suivent pas"
    )]
    OrderGap {
        line: usize,
        table: String,
        order: u32,
    },
    #[error("ligne {line} : référence « {value} » sans la forme TABLE.COLONNE")]
    BadReference { line: usize, value: String },
    #[error("ligne {line} : la table {table} est décrite deux fois")]
    DuplicateTable { line: usize, table: String },
}

fn opt_u32(line: usize, field: &'static str, s: &str) -> Result<Option<u32>, DescriptifError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| DescriptifError::BadNumber {
        line,
        field,
        value: s.to_string(),
    })
}

impl Descriptif {
    /// Parses already decoded records (fields of each line), the header line included or not.
    /// `first_line` is the line number of the first record, for messages.
    pub fn from_records<I, R>(records: I) -> Result<Self, DescriptifError>
    where
        I: IntoIterator<Item = (usize, R)>,
        R: AsRef<[String]>,
    {
        let mut d = Descriptif::default();
        for (line, rec) in records {
            let f = rec.as_ref();
            if f.len() == 1 && f[0].trim().is_empty() {
                continue;
            }
            if f.first().map(|s| s.as_str()) == Some("TABLE")
                && f.get(1).map(|s| s.as_str()) == Some("ORDRE")
            {
                continue;
            }
            if f.len() != 11 {
                return Err(DescriptifError::FieldCount {
                    line,
                    fields: f.len(),
                });
            }
            let table = f[0].trim().to_string();
            let order: u32 = f[1].trim().parse().map_err(|_| DescriptifError::BadOrder {
                line,
                value: f[1].clone(),
            })?;
            if order == 0 {
                if d.tables.iter().any(|t| t.name == table) {
                    return Err(DescriptifError::DuplicateTable { line, table });
                }
                d.tables.push(Table {
                    name: table,
                    label: f[10].clone(),
                    columns: Vec::new(),
                });
                continue;
            }
            let ty = ColumnType::parse(&f[3]).ok_or_else(|| DescriptifError::BadType {
                line,
                value: f[3].clone(),
            })?;
            let reference = match f[9].trim() {
                "" => None,
                r => {
                    let (t, c) =
                        r.split_once('.')
                            .ok_or_else(|| DescriptifError::BadReference {
                                line,
                                value: r.to_string(),
                            })?;
                    Some(Reference {
                        table: t.to_string(),
                        column: c.to_string(),
                    })
                }
            };
            let column = Column {
                name: f[2].trim().to_string(),
                ty,
                length: opt_u32(line, "LONGUEUR", &f[4])?,
                precision: opt_u32(line, "PRECISION", &f[5])?,
                scale: opt_u32(line, "ECHELLE", &f[6])?,
                mandatory: f[7].trim() == "O",
                key: opt_u32(line, "CLE", &f[8])?,
                reference,
                label: f[10].clone(),
            };
            let t = d
                .tables
                .iter_mut()
                .find(|t| t.name == table)
                .ok_or_else(|| DescriptifError::ColumnBeforeTable {
                    line,
                    table: table.clone(),
                })?;
            if order as usize != t.columns.len() + 1 {
                return Err(DescriptifError::OrderGap { line, table, order });
            }
            t.columns.push(column);
        }
        Ok(d)
    }

    /// Parses a dictionary written as `;`-separated lines without quoting (the project's asset
    /// files; `#` starts a comment line).
    pub fn parse_simple(text: &str) -> Result<Self, DescriptifError> {
        Self::from_records(
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
                .map(|(i, l)| (i + 1, l.split(';').map(str::to_string).collect::<Vec<_>>())),
        )
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The records of DESCRIPTIF.TXT, header first, as text fields.
    pub fn to_records(&self) -> Vec<Vec<String>> {
        let mut out = vec![DESCRIPTIF_HEADER.split(';').map(str::to_string).collect()];
        let n = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
        for t in &self.tables {
            let mut head = vec![t.name.clone(), "0".into()];
            head.extend(std::iter::repeat_n(String::new(), 8));
            head.push(t.label.clone());
            out.push(head);
            for (i, c) in t.columns.iter().enumerate() {
                out.push(vec![
                    t.name.clone(),
                    (i + 1).to_string(),
                    c.name.clone(),
                    c.ty.as_str().to_string(),
                    n(c.length),
                    n(c.precision),
                    n(c.scale),
                    if c.mandatory { "O" } else { "N" }.to_string(),
                    n(c.key),
                    c.reference
                        .as_ref()
                        .map(|r| format!("{}.{}", r.table, r.column))
                        .unwrap_or_default(),
                    c.label.clone(),
                ]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "TABLE;ORDRE;COLONNE;TYPE;LONGUEUR;PRECISION;ECHELLE;OBLIGATOIRE;CLE;REFERENCE;LIBELLE\n\
        R_X;0;;;;;;;;;Codes\n\
        R_X;1;CODE;VARCHAR2;3;;;O;1;;Code\n\
        T;0;;;;;;;;;Une table\n\
        T;1;ID;NUMBER;;9;0;O;1;;Identifiant\n\
        T;2;C;CHAR;2;;;N;;R_X.CODE;Un code\n";

    #[test]
    fn parses_and_writes_back() {
        let d = Descriptif::parse_simple(SAMPLE).unwrap();
        assert_eq!(d.tables.len(), 2);
        let t = d.table("T").unwrap();
        assert_eq!(t.header(), "ID;C");
        assert_eq!(t.key_columns(), vec![0]);
        assert_eq!(t.columns[1].reference.as_ref().unwrap().table, "R_X");
        let lines: Vec<String> = d.to_records().iter().map(|r| r.join(";")).collect();
        assert_eq!(lines.join("\n") + "\n", SAMPLE);
    }

    #[test]
    fn rejects_gaps_and_unknown_types() {
        let bad = "T;0;;;;;;;;;x\nT;2;A;CHAR;1;;;N;;;a\n";
        assert!(matches!(
            Descriptif::parse_simple(bad),
            Err(DescriptifError::OrderGap { .. })
        ));
        let bad = "T;0;;;;;;;;;x\nT;1;A;BLOB;1;;;N;;;a\n";
        assert!(matches!(
            Descriptif::parse_simple(bad),
            Err(DescriptifError::BadType { .. })
        ));
    }
}
