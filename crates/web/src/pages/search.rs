//! Search: the results page (`/search.json` and similar topics are in `api::search`).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use stoa_app::core::analyzer::Fragment;
use stoa_app::core::search::Filter;
use stoa_app::{Part, SearchResults};

use super::{Chrome, ok};
use crate::AppState;
use crate::cache::Fresh;
use crate::context::Viewer;
use crate::error::WebError;

/// The parameters of a search address, decoded leniently: a client may send them unencoded
/// or with invalid percent escapes (they decode to U+FFFD), and nothing here is ever a 400.
#[derive(Debug, Default)]
pub(crate) struct SearchParams {
    pub q: String,
    pub page: i64,
    pub title: String,
    pub exclude: Option<i64>,
}

impl SearchParams {
    pub fn from_query(raw: Option<&str>) -> Self {
        let mut p = SearchParams {
            page: 1,
            ..Default::default()
        };
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match k.as_ref() {
                "q" | "term" => p.q = v.into_owned(),
                "page" => p.page = v.parse().ok().filter(|n| *n >= 1).unwrap_or(1),
                "title" => p.title = v.into_owned(),
                "exclude" => p.exclude = v.parse().ok(),
                _ => {}
            }
        }
        p
    }
}

/// `/search?q=…` with the query (less one filter) encoded.
fn search_href(q: &str, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    format!("/search?{}", s.finish())
}

/// A filter shown as a chip, with where its ✕ leads.
struct Chip {
    label: String,
    remove_href: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    results: SearchResults,
    chips: Vec<Chip>,
    prev_href: Option<String>,
    next_href: Option<String>,
    pages: i64,
    /// The number of the first hit on this page (for the ordered list).
    first_number: i64,
}

/// A snippet's fragments as HTML: text escaped, hits in `<mark>`.
pub(crate) fn marked(fragments: &[Fragment]) -> String {
    let mut html = String::new();
    for f in fragments {
        let text = html_escape::encode_text(&f.text);
        if f.hit {
            html.push_str("<mark>");
            html.push_str(&text);
            html.push_str("</mark>");
        } else {
            html.push_str(&text);
        }
    }
    html
}

pub(crate) async fn page(
    State(state): State<AppState>,
    visit: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let params = SearchParams::from_query(raw.as_deref());
    let results = state
        .forum
        .search(visit.actor(), &params.q, params.page)
        .await?;
    let chips = results
        .query
        .filters()
        .into_iter()
        .map(|(filter, label): (Filter, String)| Chip {
            remove_href: search_href(&results.query.without(filter).to_text(), 1),
            label,
        })
        .collect();
    let title = if params.q.trim().is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {}", params.q.trim())
    };
    let per_page = stoa_app::core::limits::SEARCH_RESULTS_PER_PAGE;
    let pages = (results.total + per_page - 1) / per_page;
    // Any write to a topic can change what a query finds; a category's name or visibility too.
    let fresh = Fresh::of(&[Part::Lists, Part::Site]);
    let page = ok(&SearchPage {
        chrome: Chrome::new(&state, &visit, title),
        prev_href: (results.page > 1).then(|| search_href(&params.q, results.page - 1)),
        next_href: results
            .more
            .then(|| search_href(&params.q, results.page + 1)),
        pages,
        first_number: (results.page - 1) * per_page + 1,
        chips,
        results,
    })?;
    Ok(fresh.on(page))
}
