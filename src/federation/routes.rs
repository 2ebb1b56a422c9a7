//! Federation endpoints: WebFinger, NodeInfo, the actors (ActivityPub JSON
//! or HTML by content negotiation), their collections, and the inboxes.

use activitypub_federation::{
    FEDERATION_CONTENT_TYPE, axum::json::FederationJson, config::Data,
    protocol::context::WithContext, traits::Object,
};
use axum::{
    Json, Router,
    extract::{Path, Query},
    http::{HeaderMap, HeaderValue, Method, Uri, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::{
    FederationError, inbox,
    objects::{
        escape_html,
        group::ApubGroup,
        instance::{ApubInstance, INSTANCE_USERNAME},
        person::ApubPerson,
    },
    policy::normalize_domain,
    protocol::{
        collections::{OrderedCollection, OrderedCollectionPage},
        context::context,
    },
};
use crate::{
    AppState,
    db::{accounts, follows, organisations},
    error::AppError,
    model::Viewer,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/metrics", get(super::metrics::render))
        .route("/actor", get(instance_actor))
        .route("/actor/{collection}", get(instance_collection))
        .route("/directory", get(directory))
        .route("/orgs/{slug}", get(group_actor))
        .route("/orgs/{slug}/{collection}", get(group_collection))
        .route("/announcements/{key}", get(announcement))
        .route("/users/{username}", get(person_actor))
        .route("/users/{username}/{collection}", get(person_collection))
        .route("/inbox", post(inbox::receive))
        .route("/actor/inbox", post(inbox::receive))
        .route("/orgs/{slug}/inbox", post(inbox::receive))
        .route("/users/{username}/inbox", post(inbox::receive))
}

/// Whether the client asked for ActivityPub JSON rather than a page.
fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|accept| {
            accept.contains("application/activity+json")
                || accept.contains("application/ld+json")
                || accept.contains("application/json")
        })
}

pub(crate) fn activity_json<T: serde::Serialize>(document: T) -> Response {
    FederationJson(WithContext::new(document, context())).into_response()
}

/// `410 Gone` with the `Tombstone` of a deleted object.
pub(crate) fn tombstone(ap_id: String) -> Response {
    let mut response = activity_json(json!({"id": ap_id, "type": "Tombstone"}));
    *response.status_mut() = axum::http::StatusCode::GONE;
    response
}

/// A minimal page for people who open an actor's URL in a browser; the web
/// interface proper replaces it.
fn actor_page(title: &str, subtitle: &str, id: &str) -> Response {
    let (title, subtitle, id) = (escape_html(title), escape_html(subtitle), escape_html(id));
    Html(format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — Préau</title>\
         <link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\"></head>\
         <body><main><h1>{title}</h1><p>{subtitle}</p></main></body></html>"
    ))
    .into_response()
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: String,
}

async fn webfinger(
    Query(query): Query<WebfingerQuery>,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let domain = normalize_domain(&data.settings.domain);
    let name = if let Some(acct) = query.resource.strip_prefix("acct:") {
        let (name, host) = acct
            .rsplit_once('@')
            .ok_or_else(|| FederationError::Invalid("resource must be acct:name@domain".into()))?;
        if normalize_domain(host) != domain {
            return Err(FederationError::NotFound);
        }
        name.to_string()
    } else {
        // An actor URL is accepted too, as Mastodon does.
        let url = Url::parse(&query.resource)?;
        let path = url.path().to_string();
        path.strip_prefix("/orgs/")
            .or_else(|| path.strip_prefix("/users/"))
            .map(str::to_string)
            .or_else(|| (path == "/actor").then(|| INSTANCE_USERNAME.to_string()))
            .ok_or(FederationError::NotFound)?
    };
    let actor = if name == INSTANCE_USERNAME {
        data.settings.url("/actor")
    } else {
        let lookup = name.clone();
        let found = data
            .db
            .read(move |conn| {
                if let Some(org) = organisations::local_by_slug(conn, &lookup)? {
                    // Organisations kept inside the instance are not discoverable.
                    let listed = matches!(org.visibility.as_str(), "public" | "federation");
                    return Ok::<_, AppError>(listed.then_some(org.ap_id));
                }
                Ok(accounts::local_by_username(conn, &lookup)?
                    .filter(|a| !a.disabled)
                    .map(|a| a.ap_id))
            })
            .await?;
        found.ok_or(FederationError::NotFound)?
    };
    let body = json!({
        "subject": format!("acct:{name}@{}", data.settings.domain),
        "aliases": [actor],
        "links": [
            {"rel": "self", "type": FEDERATION_CONTENT_TYPE, "href": actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor},
        ]
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jrd+json"),
    );
    Ok(response)
}

async fn nodeinfo_links(data: Data<AppState>) -> Json<Value> {
    Json(json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": data.settings.url("/nodeinfo/2.1"),
        }]
    }))
}

async fn nodeinfo(data: Data<AppState>) -> Result<Response, FederationError> {
    let ((users, active_month, active_half_year), local_posts) = data
        .db
        .read(|conn| {
            Ok::<_, AppError>((
                accounts::usage_counts(conn)?,
                crate::db::announcements::count_local(conn)?,
            ))
        })
        .await?;
    let mode = super::policy::load(&data).await?.mode;
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "preau",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": "https://preau.org/",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": false,
        "usage": {
            "users": {
                "total": users,
                "activeMonth": active_month,
                "activeHalfyear": active_half_year,
            },
            "localPosts": local_posts,
        },
        "metadata": {
            "nodeName": data.settings.domain,
            "federationMode": mode.to_string(),
        },
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        ),
    );
    Ok(response)
}

async fn instance_actor(
    headers: HeaderMap,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let instance = ApubInstance::local(&data).await?;
    if !wants_activity_json(&headers) {
        return Ok(actor_page(
            &data.settings.domain,
            "Instance Préau",
            instance.id.as_str(),
        ));
    }
    Ok(activity_json(instance.into_json(&data).await?))
}

/// A local organisation's actor, when the request may see it: `public`
/// ones to anyone, `federation` ones to signed requests of allowed
/// instances, others to nobody outside the instance (404 otherwise).
async fn load_group(
    data: &Data<AppState>,
    slug: String,
    request: (&Method, &Uri, &HeaderMap),
) -> Result<ApubGroup, FederationError> {
    let org = data
        .db
        .read(move |conn| Ok::<_, AppError>(organisations::local_by_slug(conn, &slug)?))
        .await?
        .ok_or(FederationError::NotFound)?;
    let visible = match org.visibility.as_str() {
        "public" => true,
        "federation" => {
            let (method, uri, headers) = request;
            super::signed_fetch::viewer(method, uri, headers, data).await? >= Viewer::Peer
        }
        _ => false,
    };
    if !visible {
        return Err(FederationError::NotFound);
    }
    ApubGroup::new(org)
}

async fn load_person(
    data: &Data<AppState>,
    username: String,
) -> Result<ApubPerson, FederationError> {
    let account = data
        .db
        .read(move |conn| Ok::<_, AppError>(accounts::local_by_username(conn, &username)?))
        .await?
        .filter(|a| !a.disabled)
        .ok_or(FederationError::NotFound)?;
    ApubPerson::new(account)
}

async fn group_actor(
    Path(slug): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    data: Data<AppState>,
    visitor: crate::web::ui::Visitor,
) -> Result<Response, FederationError> {
    if !wants_activity_json(&headers) {
        // People get the directory's page, which applies the visibility
        // for who is signed in.
        return Ok(crate::web::ui::directory::organisation_page(&data, visitor, &slug).await);
    }
    let group = load_group(&data, slug, (&method, &uri, &headers)).await?;
    Ok(activity_json(group.into_json(&data).await?))
}

async fn person_actor(
    Path(username): Path<String>,
    headers: HeaderMap,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let person = load_person(&data, username).await?;
    if !wants_activity_json(&headers) {
        return Ok(actor_page(
            &person.display_name,
            &person.username,
            &person.ap_id,
        ));
    }
    Ok(activity_json(person.into_json(&data).await?))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

/// Whose items a collection lists: groups and the instance show their
/// followers; people only their counts (data minimisation).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Group,
    Person,
    Instance,
}

const PAGE_SIZE: i64 = 50;

async fn collection(
    data: &Data<AppState>,
    owner: Owner,
    actor_id: String,
    name: &str,
    page: Option<i64>,
) -> Result<Response, FederationError> {
    let id = Url::parse(&format!("{actor_id}/{name}"))?;
    let shows_items = name != "outbox" && owner != Owner::Person;
    let (total, rows) = match name {
        "followers" | "following" => {
            let followers = name == "followers";
            let (actor, after) = (actor_id.clone(), page.unwrap_or(0));
            data.db
                .read(move |conn| {
                    let total = if followers {
                        follows::count_followers(conn, &actor)?
                    } else {
                        follows::count_following(conn, &actor)?
                    };
                    let rows = if followers {
                        follows::followers(conn, &actor, after, PAGE_SIZE + 1)?
                    } else {
                        follows::following(conn, &actor, after, PAGE_SIZE + 1)?
                    };
                    Ok::<_, AppError>((total, rows))
                })
                .await?
        }
        // Announcements fill the outbox once they exist.
        "outbox" => (0, Vec::new()),
        _ => return Err(FederationError::NotFound),
    };
    let Some(after) = page.filter(|_| shows_items || name == "outbox") else {
        return Ok(activity_json(OrderedCollection {
            kind: "OrderedCollection".into(),
            id: id.clone(),
            total_items: total,
            first: (shows_items || name == "outbox")
                .then(|| Url::parse(&format!("{id}?page=0")))
                .transpose()?,
        }));
    };
    let more = rows.len() as i64 > PAGE_SIZE;
    let items: Vec<&follows::Follow> = rows.iter().take(PAGE_SIZE as usize).collect();
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(Url::parse(&format!("{id}?page={}", last.id))?),
        _ => None,
    };
    let followers = name == "followers";
    Ok(activity_json(OrderedCollectionPage {
        kind: "OrderedCollectionPage".into(),
        id: Url::parse(&format!("{id}?page={after}"))?,
        part_of: id,
        total_items: total,
        ordered_items: items
            .iter()
            .map(|f| {
                Value::String(if followers {
                    f.follower_ap_id.clone()
                } else {
                    f.target_ap_id.clone()
                })
            })
            .collect(),
        next,
    }))
}

async fn group_collection(
    Path((slug, name)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let group = load_group(&data, slug, (&method, &uri, &headers)).await?;
    collection(&data, Owner::Group, group.ap_id.clone(), &name, query.page).await
}

async fn person_collection(
    Path((username, name)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let person = load_person(&data, username).await?;
    collection(
        &data,
        Owner::Person,
        person.ap_id.clone(),
        &name,
        query.page,
    )
    .await
}

async fn instance_collection(
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    data: Data<AppState>,
) -> Result<Response, FederationError> {
    let actor = data.settings.url("/actor");
    collection(&data, Owner::Instance, actor, &name, query.page).await
}

/// An announcement: its `Article` for peers (public, local ones; a deleted
/// one answers 410 with a `Tombstone`), its page for people.
async fn announcement(
    Path(key): Path<String>,
    headers: HeaderMap,
    data: Data<AppState>,
    visitor: crate::web::ui::Visitor,
) -> Result<Response, FederationError> {
    if !wants_activity_json(&headers) {
        return Ok(crate::web::ui::announcements::page(&data, visitor, &key).await);
    }
    let ap_id = data.settings.url(&format!("/announcements/{key}"));
    let found = data
        .db
        .read(move |conn| {
            if crate::db::tombstones::contains(conn, &ap_id)? {
                return Ok::<_, AppError>(Err(ap_id));
            }
            Ok(Ok(crate::db::announcements::by_public_id(conn, &key)?
                .filter(|row| row.local && row.public)
                .map(|row| super::objects::announcement::ApubAnnouncement::load(conn, row))
                .transpose()?))
        })
        .await?;
    match found {
        Ok(Some(announcement)) => Ok(activity_json(announcement.document()?)),
        Ok(None) => Err(FederationError::NotFound),
        Err(ap_id) => Ok(tombstone(ap_id)),
    }
}

/// `/directory`: the collection of organisations for peers, the search
/// page for people.
async fn directory(
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    data: Data<AppState>,
    visitor: crate::web::ui::Visitor,
) -> Result<Response, FederationError> {
    if !wants_activity_json(&headers) {
        return Ok(crate::web::ui::directory::search_page(&data, visitor, &uri).await);
    }
    let query = axum::extract::Query::try_from_uri(&uri)
        .map_err(|e| AppError::bad_request(e.body_text()))?;
    super::directory::collection(method, uri, headers, query, data).await
}
