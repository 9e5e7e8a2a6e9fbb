//! The API described as OpenAPI 3.1, generated from the handlers' annotations and the answer
//! types themselves (utoipa), and served at `/openapi.json`. What every operation shares is
//! added here once: the error answers (400, 403, 404, 422, 429, all the `Error` object) and
//! the optional `Api-Key` + `Api-Username` authentication.

use std::sync::LazyLock;

use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use stoa_app::core::limits;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};

use super::JSON_TYPE;

/// What every operation may answer besides its success.
const ERRORS: [(&str, &str); 5] = [
    (
        "400",
        "A parameter is missing or unusable (`invalid_parameters`).",
    ),
    (
        "403",
        "Not allowed: `not_logged_in`, or `invalid_access` (a bad API key, a missing CSRF \
         token with a session, or a rule of the forum).",
    ),
    (
        "404",
        "Nothing at this address, or nothing the caller may see (`not_found`).",
    ),
    ("422", "The input broke a rule; `errors` says which."),
    (
        "429",
        "Too many requests (`rate_limit`): retry after `extras.wait_seconds` (also in \
         `Retry-After`).",
    ),
];

struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Api-Key",
                "A key from `stoa admin api-key create` (64 hex characters).",
            ))),
        );
        components.add_security_scheme(
            "api_username",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Api-Username",
                "The member an all-users key acts as.",
            ))),
        );
        let keyed = SecurityRequirement::new("api_key", Vec::<String>::new())
            .add("api_username", Vec::<String>::new());
        // Anonymous requests are welcome too (reading public content).
        openapi.security = Some(vec![SecurityRequirement::default(), keyed]);
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (code, description) in ERRORS {
                    let content = ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Error")))
                        .build();
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content("application/json", content)
                        .build();
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert(RefOr::T(response));
                }
            }
        }
        for (schema, field, min, max) in LENGTHS {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema)
                && let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(field)
            {
                property.min_length = min;
                property.max_length = Some(max);
            }
        }
    }
}

/// The length bounds the request schemas state, from the rules that enforce them
/// (utoipa's attributes take only literals): schema, field, least, most characters.
const LENGTHS: [(&str, &str, Option<usize>, usize); 6] = [
    (
        "NewPostRequest",
        "raw",
        Some(limits::BODY_MIN),
        limits::BODY_MAX,
    ),
    (
        "NewPostRequest",
        "title",
        Some(limits::TITLE_MIN),
        limits::TITLE_MAX,
    ),
    (
        "EditedPost",
        "raw",
        Some(limits::BODY_MIN),
        limits::BODY_MAX,
    ),
    ("EditedPost", "edit_reason", None, limits::EDIT_REASON_MAX),
    ("NewCategoryRequest", "name", Some(1), limits::NAME_MAX),
    (
        "NewCategoryRequest",
        "description",
        None,
        limits::DESCRIPTION_MAX,
    ),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stoa JSON API",
        description = "Discourse's API, as existing Discourse clients use it. Every path also \
            answers without `.json` when the request asks for JSON (`Accept`), carries an \
            `Api-Key`, or uses PUT or DELETE. Form bodies (Rails nested keys such as \
            `post[raw]`, `post_ids[]`) and JSON bodies are read alike. Answers never redirect. \
            Writes with a session cookie need the page's token in `X-CSRF-Token`; writes with \
            an API key do not.",
        license(name = "AGPL-3.0-or-later"),
    ),
    paths(
        super::topics::latest,
        super::topics::top,
        super::topics::new,
        super::topics::unread,
        super::topics::show,
        super::topics::show_two,
        super::topics::show_three,
        super::topics::posts,
        super::topics::delete,
        super::topics::set_notification_level,
        super::topics::timings,
        super::posts::create,
        super::posts::latest,
        super::posts::show,
        super::posts::by_number,
        super::posts::replies,
        super::posts::update,
        super::posts::delete,
        super::posts::recover,
        super::posts::act,
        super::posts::undo_action,
        super::posts::action_users,
        super::categories::list,
        super::categories::create,
        super::categories::topics_by_id,
        super::categories::topics,
        super::categories::show,
        super::categories::set_notification_level,
        super::search::json,
        super::search::similar,
        super::search::complete_users,
        super::users::show,
        super::users::notifications,
        super::users::mark_read,
        super::users::current,
        super::users::csrf,
        super::site::about,
        super::site::site,
        super::site::statistics,
        super::site::raw_topic,
        super::site::raw_post,
    ),
    components(schemas(super::errors::Body)),
    modifiers(&Conventions),
    tags(
        (name = "topics"), (name = "posts"), (name = "categories"), (name = "search"),
        (name = "users"), (name = "site"),
    )
)]
struct ApiDoc;

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"errors\":[\"{e}\"]}}"))
});

/// `GET /openapi.json`.
pub(crate) async fn document() -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE))],
        DOCUMENT.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_openapi_3_1_and_names_every_route() {
        let doc: serde_json::Value = serde_json::from_str(&super::DOCUMENT).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/latest.json",
            "/t/{id}.json",
            "/posts.json",
            "/raw/{topic_id}",
            "/about.json",
        ] {
            assert!(paths.contains_key(path), "{path}");
        }
        assert_eq!(paths.len(), 36);
        let latest = &paths["/latest.json"]["get"]["responses"];
        for code in ["200", "400", "403", "404", "422", "429"] {
            assert!(latest.get(code).is_some(), "{code}");
        }
    }

    #[test]
    fn the_document_states_the_limits_the_rules_enforce() {
        let doc: serde_json::Value = serde_json::from_str(&super::DOCUMENT).unwrap();
        let schemas = &doc["components"]["schemas"];
        for (schema, field, min, max) in super::LENGTHS {
            let property = &schemas[schema]["properties"][field];
            assert_eq!(property["maxLength"], max, "{schema}.{field}: {property}");
            assert_eq!(
                property["minLength"].as_u64(),
                min.map(|m| m as u64),
                "{schema}.{field}"
            );
        }
        let raw = &schemas["NewPostRequest"]["properties"]["raw"];
        assert_eq!(raw["minLength"], stoa_app::core::limits::BODY_MIN);
        assert_eq!(raw["maxLength"], 32_000);
    }
}
