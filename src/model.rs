//! The domain vocabulary shared by every layer: organisation kinds, roles,
//! and the checked forms of slugs, usernames and UAI codes.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// Declares a closed set of names stored as text, with parsing that lists the
/// accepted values when it fails.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown value `{other}`, expected one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum! {
    /// What an organisation is; decides where it sits in the hierarchy.
    OrgKind {
        Academy => "academy",
        Department => "department",
        Circonscription => "circonscription",
        Ecole => "ecole",
        College => "college",
        Lycee => "lycee",
        Erea => "erea",
        Service => "service",
        Other => "other",
    }
}

text_enum! {
    /// An account's role in an organisation (DESIGN §2).
    Role {
        Admin => "admin",
        Advisor => "advisor",
        Director => "director",
        Teacher => "teacher",
        Inspector => "inspector",
        Staff => "staff",
    }
}

impl Role {
    /// Whether members with this role publish for their organisation.
    pub fn may_publish(self) -> bool {
        matches!(
            self,
            Self::Admin | Self::Advisor | Self::Director | Self::Inspector
        )
    }
}

text_enum! {
    /// Who may see a directory entry or one of its fields (DESIGN §2), from
    /// the widest audience to the narrowest.
    Visibility {
        Public => "public",
        Federation => "federation",
        Instance => "instance",
        Private => "private",
    }
}

/// Who is looking at the directory, from the least trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Viewer {
    /// The whole web, and signed requests from instances we do not allow.
    Anonymous,
    /// A signed request from an instance the federation policy allows.
    Peer,
    /// An account of this instance.
    Account,
    /// An instance admin.
    Admin,
}

impl Viewer {
    /// A local account (or nobody) as a viewer.
    pub fn of(account: Option<&crate::db::accounts::SignedIn>) -> Self {
        match account {
            None => Self::Anonymous,
            Some(a) if a.is_admin => Self::Admin,
            Some(_) => Self::Account,
        }
    }

    /// Whether this viewer sees what has `visibility`.
    pub fn sees(self, visibility: Visibility) -> bool {
        match visibility {
            Visibility::Public => true,
            Visibility::Federation => self >= Viewer::Peer,
            Visibility::Instance => self >= Viewer::Account,
            Visibility::Private => self == Viewer::Admin,
        }
    }

    /// The visibilities this viewer sees, as stored, for `IN` filters.
    pub fn visible(self) -> Vec<&'static str> {
        Visibility::ALL
            .iter()
            .filter(|v| self.sees(**v))
            .map(|v| v.as_str())
            .collect()
    }
}

/// A department code as the directory compares it: `044` and `44` are the
/// same department, Corsica's `2A`/`2B` in capitals.
pub fn normalize_department(code: &str) -> String {
    code.trim().trim_start_matches('0').to_ascii_uppercase()
}

/// The announcement categories every instance has; admins add their own.
/// `(slug, French label, English label)`.
pub const BUILTIN_CATEGORIES: &[(&str, &str, &str)] = &[
    ("administrative", "Administratif", "Administrative"),
    ("pedagogy", "Pédagogie", "Teaching"),
    ("event", "Événement", "Event"),
    ("urgent", "Urgent", "Urgent"),
];

/// Checks a category slug: the built-in names and the ones admins add share
/// the handle alphabet, so that they fit in URLs and filters.
pub fn validate_category(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "category `{value}` must be 1 to 40 lower-case letters, digits or dashes"
        ))
    }
}

/// Names that would shadow instance routes or WebFinger handles.
const RESERVED_NAMES: &[&str] = &[
    "actor",
    "api",
    "inbox",
    "outbox",
    "instance",
    "preau",
    "root",
    "system",
    "directory",
    "nodeinfo",
    "well-known",
];

/// Checks an organisation slug or a username: both are WebFinger handles
/// (`acct:name@domain`) and path segments, so they share one alphabet.
pub fn validate_handle(field: &str, value: &str) -> Result<(), String> {
    let len = value.chars().count();
    if !(2..=64).contains(&len) {
        return Err(format!("{field}: must be 2 to 64 characters long"));
    }
    let first_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let all_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if !first_ok || !all_ok || value.ends_with('.') {
        return Err(format!(
            "{field}: use lower-case letters, digits, `_`, `-` and `.`, starting with a letter \
             or digit"
        ));
    }
    if RESERVED_NAMES.contains(&value) {
        return Err(format!("{field}: `{value}` is reserved"));
    }
    Ok(())
}

/// The 23 letters of the UAI check key (no I, O, Q).
const UAI_KEY_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// Normalises and checks a UAI (*unité administrative immatriculée*): seven
/// digits and the check letter, which is the number modulo 23.
pub fn normalize_uai(value: &str) -> Result<String, String> {
    let uai = value.trim().to_ascii_uppercase();
    let bytes = uai.as_bytes();
    if bytes.len() != 8 || !bytes[..7].iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "uai: `{value}` is not a UAI (seven digits and a letter, e.g. 0750654D)"
        ));
    }
    let number: u32 = uai[..7]
        .parse()
        .map_err(|_| format!("uai: `{value}` is not a UAI"))?;
    let expected = UAI_KEY_LETTERS[(number % 23) as usize];
    if bytes[7] != expected {
        return Err(format!(
            "uai: `{value}` has a wrong check letter (expected {})",
            expected as char
        ));
    }
    Ok(uai)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_uai_codes_pass_and_typos_fail() {
        assert_eq!(normalize_uai("0750654D").as_deref(), Ok("0750654D"));
        assert_eq!(normalize_uai(" 0750655e ").as_deref(), Ok("0750655E"));
        assert!(normalize_uai("0750654E").is_err(), "wrong key");
        assert!(normalize_uai("075065D").is_err(), "too short");
        assert!(normalize_uai("07506540").is_err(), "no letter");
        assert!(normalize_uai("A750654D").is_err(), "letter in number");
    }

    #[test]
    fn handles_are_lower_case_path_safe_and_not_reserved() {
        assert!(validate_handle("slug", "ecole-jules-ferry").is_ok());
        assert!(validate_handle("slug", "ce.2_a").is_ok());
        assert!(validate_handle("slug", "Ecole").is_err());
        assert!(validate_handle("slug", "-x").is_err());
        assert!(validate_handle("slug", "a/b").is_err());
        assert!(validate_handle("slug", "a").is_err());
        assert!(validate_handle("slug", "école").is_err());
        assert!(validate_handle("slug", "inbox").is_err());
        assert!(validate_handle("slug", "x.").is_err());
    }

    #[test]
    fn each_viewer_sees_its_audience_and_the_wider_ones() {
        use Visibility::{Federation, Instance, Private, Public};
        assert_eq!(Viewer::Anonymous.visible(), ["public"]);
        assert_eq!(Viewer::Peer.visible(), ["public", "federation"]);
        assert_eq!(
            Viewer::Account.visible(),
            ["public", "federation", "instance"]
        );
        assert!(Viewer::Admin.sees(Private) && !Viewer::Account.sees(Private));
        assert!(Viewer::Account.sees(Federation) && !Viewer::Peer.sees(Instance));
        assert!(Viewer::Anonymous.sees(Public));
        assert_eq!(normalize_department("044"), "44");
        assert_eq!(normalize_department("02a"), "2A");
    }

    #[test]
    fn kinds_and_roles_parse_and_list_alternatives() {
        assert_eq!("Lycee".parse::<OrgKind>(), Ok(OrgKind::Lycee));
        assert_eq!("teacher".parse::<Role>(), Ok(Role::Teacher));
        let err = "principal".parse::<Role>().expect_err("unknown role");
        assert!(
            err.contains("director") && err.contains("principal"),
            "{err}"
        );
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
    }
}
