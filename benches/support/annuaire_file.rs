//! A national-size "Annuaire de l'éducation" file, generated: the shape
//! of the ministry's export, for the import and search benchmarks.

pub const ROWS: usize = 66_000;
const KEY: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// A file shaped like the real one: 101 departments, 10 circonscriptions
/// each, schools, collèges and lycées, every 50th row closed.
pub fn generate() -> String {
    let mut csv = String::from(
        "identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;adresse_1;code_postal;code_commune;nom_commune;code_departement;libelle_departement;code_academie;libelle_academie;telephone;mail;latitude;longitude;nom_circonscription;code_circonscription;etat;date_maj_ligne\n",
    );
    for i in 0..ROWS {
        let department = i % 101 + 1;
        let number = department * 10_000 + i / 101;
        let uai = format!("{number:07}{}", KEY[number % 23] as char);
        let (kind, circo) = match i % 10 {
            0 => ("Collège", String::new()),
            1 => ("Lycée", String::new()),
            _ => {
                let c = department * 100 + i % 10;
                let code = format!("{c:07}{}", KEY[c % 23] as char);
                ("Ecole", format!("Circonscription {c};{code}"))
            }
        };
        let circo = if circo.is_empty() {
            ";".to_string()
        } else {
            circo
        };
        let etat = if i % 50 == 0 { "FERME" } else { "OUVERT" };
        csv.push_str(&format!(
            "{uai};{kind} numéro {i};{kind};Public;{i} rue de l'École;{department:02}000;{department:02}{i:03};Commune {i};{department:03};Département {department};{};Académie {};02 40 00 00 00;ce.{uai}@ac.example;47.{i:05};-1.{i:05};{circo};{etat};2026-09-01\n",
            department % 30 + 1,
            department % 30 + 1,
        ));
    }
    csv
}
