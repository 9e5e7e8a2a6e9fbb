//! A request's parameters as Rails sees them: the query string and the body merged into one
//! tree, whether the body is a form (`post[raw]=…&post_ids[]=1`, Rails' nested keys) or JSON
//! (`{"post": {"raw": …}}`). Values from forms are strings and from JSON may be numbers or
//! booleans, so accessors accept either. Lenient as Rails is: undecodable bytes are replaced,
//! malformed keys are taken literally. Bounded as Rack bounds it: keys nest at most
//! [`MAX_KEY_DEPTH`] deep and a request carries at most [`MAX_PARAMS`] parameters (a 400 says
//! so), so no body can make the tree deep enough to exhaust the stack when it is built or
//! dropped. JSON bodies are bounded by serde_json's own nesting limit (128).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use super::ApiError;

#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Map<String, Value>, usize);

/// How deep a form key may nest (`a[b][c]` is 3): Rack's `param_depth_limit`.
pub(crate) const MAX_KEY_DEPTH: usize = 32;
/// How many parameters one request may carry, query and body together: Rack's `params_limit`.
pub(crate) const MAX_PARAMS: usize = 4096;

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut params = Params::default();
        if let Some(q) = req.uri().query() {
            params.add_form(q.as_bytes())?;
        }
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| {
                t.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            // A body past the limit is "too large", not "bad": the client can act on that.
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(crate::MAX_BODY_BYTES)
            } else {
                ApiError::bad_param(format!("Could not read the request body: {e}"))
            }
        })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if json {
            params.add_json(&body)?;
        } else {
            params.add_form(&body)?;
        }
        Ok(params)
    }
}

/// One step of a Rails key: `[name]` or `[]`.
enum Step {
    Key(String),
    Push,
}

/// Splits `post[raw]` into `post`, `[raw]`; None when the key is not well formed.
fn steps(key: &str) -> Option<(String, Vec<Step>)> {
    let Some(open) = key.find('[') else {
        return Some((key.to_owned(), Vec::new()));
    };
    let (head, mut rest) = key.split_at(open);
    if head.is_empty() {
        return None;
    }
    let mut steps = Vec::new();
    while !rest.is_empty() {
        let close = rest.find(']')?;
        if !rest.starts_with('[') {
            return None;
        }
        let inner = &rest[1..close];
        steps.push(if inner.is_empty() {
            Step::Push
        } else {
            Step::Key(inner.to_owned())
        });
        rest = &rest[close + 1..];
    }
    Some((head.to_owned(), steps))
}

fn put(slot: &mut Value, steps: &[Step], value: String) {
    let Some((first, rest)) = steps.split_first() else {
        *slot = Value::String(value);
        return;
    };
    match first {
        Step::Push => {
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(items) = slot {
                let mut item = Value::Null;
                put(&mut item, rest, value);
                items.push(item);
            }
        }
        Step::Key(k) => {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(map) = slot {
                put(map.entry(k.clone()).or_insert(Value::Null), rest, value);
            }
        }
    }
}

impl Params {
    /// A JSON body's keys; serde_json refuses nesting deeper than 128 levels (a 400).
    fn add_json(&mut self, body: &[u8]) -> Result<(), ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_param(format!("The JSON body is not valid: {e}")))?;
        match value {
            Value::Object(map) => {
                self.0.extend(map);
                Ok(())
            }
            _ => Err(ApiError::bad_param("The JSON body must be an object")),
        }
    }

    fn add_form(&mut self, bytes: &[u8]) -> Result<(), ApiError> {
        for (k, v) in url::form_urlencoded::parse(bytes) {
            self.1 += 1;
            if self.1 > MAX_PARAMS {
                return Err(ApiError::bad_param(format!(
                    "A request may carry at most {MAX_PARAMS} parameters"
                )));
            }
            // Counted before the key is split, so a deep key costs nothing to refuse.
            if k.bytes().filter(|&b| b == b'[').count() >= MAX_KEY_DEPTH {
                return Err(ApiError::bad_param(format!(
                    "Parameter keys nest at most {MAX_KEY_DEPTH} levels deep"
                )));
            }
            let (k, v) = (k.into_owned(), v.into_owned());
            match steps(&k) {
                Some((head, steps)) => {
                    let slot = self.0.entry(head).or_insert(Value::Null);
                    put(slot, &steps, v);
                }
                None => {
                    self.0.insert(k, Value::String(v));
                }
            }
        }
        Ok(())
    }

    /// The value at a path of keys (`["post", "raw"]`).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut v = self.0.get(*first)?;
        for k in rest {
            v = v.get(*k)?;
        }
        Some(v)
    }

    /// Text at a path; numbers and booleans as written; None when absent or null.
    pub fn text(&self, path: &[&str]) -> Option<String> {
        match self.get(path)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Text that must be there and not blank (Rails' `params.require`).
    pub fn require(&self, path: &[&str]) -> Result<String, ApiError> {
        self.text(path)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::missing(path.last().copied().unwrap_or("")))
    }

    /// A whole number; None when absent or empty, 400 when it is not a number.
    pub fn int(&self, path: &[&str]) -> Result<Option<i64>, ApiError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_int(path)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| not_int(path)),
            Some(_) => Err(not_int(path)),
        }
    }

    /// A whole number that must be there (400 when absent or not a number).
    pub fn require_int(&self, key: &str) -> Result<i64, ApiError> {
        self.int(&[key])?.ok_or_else(|| ApiError::missing(key))
    }

    /// `true`/`1`/`on` (or JSON true) as true; anything else false.
    pub fn flag(&self, path: &[&str]) -> bool {
        match self.get(path) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
            Some(Value::String(s)) => matches!(s.trim(), "true" | "1" | "on" | "t"),
            _ => false,
        }
    }

    /// The keys under `key` that are whole numbers (`timings[3]=…&timings[4]=…`: 3 and 4),
    /// at most [`MAX_PARAMS`] of them.
    pub fn int_keys(&self, key: &str) -> Vec<i64> {
        match self.0.get(key) {
            Some(Value::Object(map)) => map
                .keys()
                .filter_map(|k| k.trim().parse().ok())
                .take(MAX_PARAMS)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whole numbers from a list (`post_ids[]=1&post_ids[]=2`, or a JSON array), or from a
    /// single value; entries that are not numbers are skipped.
    pub fn ints(&self, key: &str) -> Vec<i64> {
        let parse = |v: &Value| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match self.0.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(parse).collect(),
            Some(Value::Object(map)) => map.values().filter_map(parse).collect(),
            Some(v) => parse(v).into_iter().collect(),
            None => Vec::new(),
        }
    }
}

fn not_int(path: &[&str]) -> ApiError {
    ApiError::bad_param(format!("{} must be a whole number", path.join(".")))
}

#[cfg(test)]
mod tests {
    use super::{MAX_KEY_DEPTH, MAX_PARAMS, Params};
    use serde_json::json;

    fn form(s: &str) -> Params {
        let mut p = Params::default();
        p.add_form(s.as_bytes()).unwrap();
        p
    }

    #[test]
    fn nesting_and_count_are_bounded() {
        // The finding: 10,000 levels (30 kB) overflowed the stack and aborted the process.
        let deep = format!("a{}=1", "[x]".repeat(10_000));
        let err = Params::default().add_form(deep.as_bytes()).unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
        assert!(
            err.message().contains("nest at most 32"),
            "{}",
            err.message()
        );
        let deep = format!("a{}=1", "[]".repeat(10_000));
        assert!(Params::default().add_form(deep.as_bytes()).is_err());
        // The deepest allowed key still works.
        let ok = format!("a{}=1", "[x]".repeat(MAX_KEY_DEPTH - 1));
        assert!(Params::default().add_form(ok.as_bytes()).is_ok());
        let many = "a[]=1&".repeat(MAX_PARAMS + 1);
        assert!(Params::default().add_form(many.as_bytes()).is_err());
        // Query and body share the count.
        let half = "a[]=1&".repeat(MAX_PARAMS / 2 + 1);
        let mut p = Params::default();
        assert!(p.add_form(half.as_bytes()).is_ok());
        assert!(p.add_form(half.as_bytes()).is_err());
    }

    #[test]
    fn rails_nested_keys() {
        let p = form(
            "post%5Braw%5D=Hi+there&post[edit_reason]=typo&post_ids%5B%5D=1&post_ids[]=2&permissions[everyone]=1&title=",
        );
        assert_eq!(p.text(&["post", "raw"]).as_deref(), Some("Hi there"));
        assert_eq!(p.text(&["post", "edit_reason"]).as_deref(), Some("typo"));
        assert_eq!(p.ints("post_ids"), vec![1, 2]);
        assert_eq!(p.int(&["permissions", "everyone"]).ok().flatten(), Some(1));
        assert!(p.require(&["title"]).is_err());
        assert!(p.require(&["raw"]).is_err());
    }

    #[test]
    fn malformed_keys_are_literal_and_never_panic() {
        let p = form("a[b=1&[x]=2&c]]=3&d[][e]=4&f[g][]=5&%ff%fe=6");
        assert_eq!(p.text(&["a[b"]).as_deref(), Some("1"));
        assert_eq!(p.text(&["[x]"]).as_deref(), Some("2"));
        assert_eq!(p.get(&["d"]), Some(&json!([{"e": "4"}])));
        assert_eq!(p.get(&["f"]), Some(&json!({"g": ["5"]})));
    }

    proptest::proptest! {
        /// Any mixture of brackets in keys and values, at any depth: an answer, never a panic,
        /// and a tree no deeper than the bound.
        #[test]
        fn any_keys_build_a_bounded_tree(
            parts in proptest::collection::vec(
                proptest::prop_oneof!["\\[x\\]", "\\[\\]", "\\[", "\\]", "[a-z%=&]{0,3}"],
                0..200,
            ),
            repeat in 1usize..200,
        ) {
            let body = format!("a{}=1", parts.concat().repeat(repeat));
            let mut p = Params::default();
            if p.add_form(body.as_bytes()).is_ok() {
                for v in p.0.values() {
                    proptest::prop_assert!(depth(v) <= MAX_KEY_DEPTH);
                }
            }
        }
    }

    proptest::proptest! {
        /// JSON nested to any depth, arrays and objects mixed: an answer (a 400 past
        /// serde_json's limit), never a stack overflow.
        #[test]
        fn any_json_nesting_is_answered(
            opens in proptest::collection::vec(proptest::bool::ANY, 1..20_000),
            closed in proptest::bool::ANY,
        ) {
            let mut body = String::from("{\"a\":");
            for &array in &opens {
                body.push_str(if array { "[" } else { "{\"k\":" });
            }
            body.push('1');
            if closed {
                for &array in opens.iter().rev() {
                    body.push(if array { ']' } else { '}' });
                }
                body.push('}');
            }
            let mut p = Params::default();
            match p.add_json(body.as_bytes()) {
                Ok(()) => proptest::prop_assert!(opens.len() < 128),
                Err(e) => proptest::prop_assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST),
            }
        }
    }

    fn depth(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            serde_json::Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    #[test]
    fn numbers_from_text_or_json() {
        let mut p = form("topic_id=12&bad=x");
        assert_eq!(p.int(&["topic_id"]).ok().flatten(), Some(12));
        assert!(p.int(&["bad"]).is_err());
        assert_eq!(p.int(&["absent"]).ok().flatten(), None);
        p.0.insert("n".into(), json!(7));
        p.0.insert("ok".into(), json!(true));
        assert_eq!(p.int(&["n"]).ok().flatten(), Some(7));
        assert!(p.flag(&["ok"]));
        assert_eq!(p.text(&["n"]).as_deref(), Some("7"));
    }
}
