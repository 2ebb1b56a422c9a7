//! Reading the ministry's "Annuaire de l'éducation" CSV (`;`-separated):
//! its encoding, its two header spellings, and each row as a checked
//! record. No database here.

use std::collections::{BTreeMap, HashMap};

use super::text::fold;

use crate::model::{OrgKind, normalize_uai};

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum AnnuaireError {
    #[error("the file is UTF-16; export it as UTF-8 (or Latin-1) CSV")]
    Utf16,
    #[error("missing column `{0}` (the header must name it, in any case)")]
    MissingColumn(&'static str),
    #[error("the file has no header line")]
    Empty,
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// How the bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// Not valid UTF-8: read as Windows-1252, the superset of Latin-1 that
    /// spreadsheet exports use.
    Latin1,
}

/// Text of the file, with how it was decoded.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), AnnuaireError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(AnnuaireError::Utf16);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), Encoding::Utf8)),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((text.into_owned(), Encoding::Latin1))
        }
    }
}

/// One establishment, as the file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub uai: String,
    pub name: String,
    pub kind: OrgKind,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub department: Option<(String, String)>,
    pub academy: Option<(String, String)>,
    pub circonscription: Option<(String, String)>,
    pub closed: bool,
    /// The file's other non-empty columns (`ulis`, `segpa`, `pial`…), kept
    /// as they are.
    pub attributes: BTreeMap<String, String>,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub reason: String,
}

const REQUIRED: [&str; 3] = [
    "identifiant_de_l_etablissement",
    "nom_etablissement",
    "type_etablissement",
];

/// The columns `record` reads; every other one goes to `attributes`.
const READ: [&str; 20] = [
    "etat",
    "identifiant_de_l_etablissement",
    "nom_etablissement",
    "type_etablissement",
    "adresse_1",
    "adresse_2",
    "adresse_3",
    "code_postal",
    "nom_commune",
    "telephone",
    "mail",
    "web",
    "latitude",
    "longitude",
    "code_departement",
    "libelle_departement",
    "code_academie",
    "libelle_academie",
    "code_circonscription",
    "nom_circonscription",
];

/// At most this many extra attributes of at most 500 characters each.
const MAX_ATTRIBUTES: usize = 80;

/// What the file's `type_etablissement` means for Préau.
fn kind_of(label: &str) -> OrgKind {
    let folded = fold(label);
    match folded.as_str() {
        "ecole" => OrgKind::Ecole,
        "college" => OrgKind::College,
        "lycee" => OrgKind::Lycee,
        "erea" => OrgKind::Erea,
        "service administratif" | "information et orientation" | "medico-social" => {
            OrgKind::Service
        }
        _ => OrgKind::Other,
    }
}

/// The columns of a header, by lower-case name.
struct Columns(HashMap<String, usize>);

impl Columns {
    fn new(header: &csv::StringRecord) -> Result<Self, AnnuaireError> {
        let map: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_ascii_lowercase(), i))
            .collect();
        for required in REQUIRED {
            if !map.contains_key(required) {
                return Err(AnnuaireError::MissingColumn(required));
            }
        }
        Ok(Self(map))
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
        self.0
            .get(name)
            .and_then(|i| row.get(*i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn text(&self, row: &csv::StringRecord, name: &str, max: usize) -> Option<String> {
        self.get(row, name).map(|v| v.chars().take(max).collect())
    }

    /// The non-empty columns this module does not read, by name.
    fn others(&self, row: &csv::StringRecord) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter(|(name, _)| !READ.contains(&name.as_str()))
            .filter_map(|(name, i)| {
                let value = row.get(*i)?.trim();
                (!value.is_empty()).then(|| (name.clone(), value.chars().take(500).collect()))
            })
            .take(MAX_ATTRIBUTES)
            .collect()
    }

    fn pair(&self, row: &csv::StringRecord, code: &str, label: &str) -> Option<(String, String)> {
        let code = self.get(row, code)?;
        Some((
            code.to_string(),
            self.get(row, label).unwrap_or(code).to_string(),
        ))
    }
}

/// Reads every row: records to import, and rows refused with their line.
pub fn read(text: &str) -> Result<(Vec<Record>, Vec<Rejected>), AnnuaireError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| AnnuaireError::Csv {
        line: 1,
        message: e.to_string(),
    })?;
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(AnnuaireError::Empty);
    }
    let columns = Columns::new(header)?;
    let (mut records, mut rejected) = (Vec::new(), Vec::new());
    for row in reader.records() {
        let row = row.map_err(|e| AnnuaireError::Csv {
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?;
        let line = row.position().map_or(0, csv::Position::line);
        match record(&columns, &row, line) {
            Ok(r) => records.push(r),
            Err(reason) => rejected.push(Rejected { line, reason }),
        }
    }
    Ok((records, rejected))
}

fn record(columns: &Columns, row: &csv::StringRecord, line: u64) -> Result<Record, String> {
    let uai = columns
        .get(row, "identifiant_de_l_etablissement")
        .ok_or("no UAI (identifiant_de_l_etablissement)")?;
    let uai = normalize_uai(uai)?;
    let name = columns
        .text(row, "nom_etablissement", 200)
        .ok_or("no name (nom_etablissement)")?;
    let kind = kind_of(columns.get(row, "type_etablissement").unwrap_or(""));
    let address = ["adresse_1", "adresse_2", "adresse_3"]
        .iter()
        .filter_map(|c| columns.get(row, c))
        .collect::<Vec<_>>()
        .join(", ");
    let coordinate = |name: &str, bound: f64| {
        columns
            .get(row, name)
            .and_then(|v| v.replace(',', ".").parse::<f64>().ok())
            .filter(|v| v.is_finite() && v.abs() <= bound)
    };
    let closed = columns
        .get(row, "etat")
        .is_some_and(|etat| fold(etat).contains("ferm"));
    Ok(Record {
        line,
        uai,
        name,
        kind,
        address: (!address.is_empty()).then(|| address.chars().take(300).collect()),
        postal_code: columns.text(row, "code_postal", 10),
        city: columns.text(row, "nom_commune", 100),
        phone: columns.text(row, "telephone", 30),
        email: columns.text(row, "mail", 200),
        website: columns.text(row, "web", 300),
        latitude: coordinate("latitude", 90.0),
        longitude: coordinate("longitude", 180.0),
        department: columns.pair(row, "code_departement", "libelle_departement"),
        academy: columns.pair(row, "code_academie", "libelle_academie"),
        circonscription: columns.pair(row, "code_circonscription", "nom_circonscription"),
        closed,
        attributes: columns.others(row),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Code_departement;Libelle_departement;Nom_commune;etat;Latitude";

    #[test]
    fn both_header_spellings_and_latin1_are_read() {
        let lower = HEADER.to_lowercase();
        for header in [HEADER.to_string(), lower] {
            let csv = format!(
                "{header}\n0440001M;École Jules Verne;Ecole;044;Loire-Atlantique;Nantes;OUVERT;47,2\n"
            );
            let (text, encoding) = decode(csv.as_bytes()).expect("utf-8");
            assert_eq!(encoding, Encoding::Utf8);
            let (records, rejected) = read(&text).expect("read");
            assert!(rejected.is_empty(), "{rejected:?}");
            assert_eq!(records[0].uai, "0440001M");
            assert_eq!(records[0].kind, OrgKind::Ecole);
            assert_eq!(records[0].latitude, Some(47.2));
            assert_eq!(
                records[0].department,
                Some(("044".into(), "Loire-Atlantique".into()))
            );
        }
        let text = format!(
            "{HEADER}\n0440001M;École Jules Verne;Collège;044;Loire-Atlantique;Nantes;FERMÉ;\n"
        );
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let (text, encoding) = decode(&latin1).expect("latin-1");
        assert_eq!(encoding, Encoding::Latin1);
        let (records, _) = read(&text).expect("read");
        assert_eq!(records[0].name, "École Jules Verne");
        assert_eq!(records[0].kind, OrgKind::College);
        assert!(records[0].closed);
        assert!(matches!(decode(b"\xFF\xFEx\0"), Err(AnnuaireError::Utf16)));
    }

    #[test]
    fn bad_rows_are_rejected_with_their_line_and_missing_columns_named() {
        let csv = format!(
            "{HEADER}\n;Sans UAI;Ecole;044;;;;\n0440001X;Mauvaise clé;Ecole;044;;;;\n0440001M;;Ecole;044;;;;\n0440001M;Bonne;Lycée;044;;;;\n"
        );
        let (records, rejected) = read(&csv).expect("read");
        assert_eq!(records.len(), 1);
        let lines: Vec<u64> = rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(rejected[0].reason.contains("no UAI"), "{rejected:?}");
        assert!(
            rejected[1].reason.contains("not a UAI") || rejected[1].reason.contains("check"),
            "{rejected:?}"
        );
        assert!(rejected[2].reason.contains("no name"), "{rejected:?}");
        let missing = read("Identifiant_de_l_etablissement;Nom_etablissement\nx;y\n");
        assert!(
            matches!(
                missing,
                Err(AnnuaireError::MissingColumn("type_etablissement"))
            ),
            "{missing:?}"
        );
    }
}
