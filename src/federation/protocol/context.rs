//! The JSON-LD `@context` of every document Préau serves.

use std::sync::LazyLock;

use serde_json::{Value, json};

/// Namespace of Préau's own terms (`preau:uai`, `preau:kind`, …).
pub const PREAU_NS: &str = "https://preau.org/ns#";

static CONTEXT: LazyLock<Value> = LazyLock::new(|| {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "preau": PREAU_NS,
            "schema": "http://schema.org/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "discoverable": "http://joinmastodon.org/ns#discoverable",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "preau:parent": {"@type": "@id"},
            "size": "preau:size",
            "digestMultibase": "https://w3id.org/security#digestMultibase"
        }
    ])
});

pub fn context() -> Value {
    CONTEXT.clone()
}
