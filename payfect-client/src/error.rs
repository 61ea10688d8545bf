//! Payfect's error replies.
//!
//! Every call returns [`Error`](crate::Error) = `paygate_runtime::Error<ErrorBody>`:
//! - 400 / 401 / 403 / 404 / 5xx with a JSON object body → `Error::Api { status, body, .. }`,
//!   where `body.detail` holds a message and [`ErrorBody::field_errors`] the per-field messages;
//! - a body that is not JSON (an HTML 502 page, a truncated reply) → `Error::Decode { status,
//!   reason, snippet }`: the status survives;
//! - a redirect → `Error::Redirect` (never followed).
//!
//! Unconfirmed: Payfect does not document error bodies. The shapes handled here are Django REST
//! Framework's (`{"detail": "..."}`, `{"field": ["message"]}`, nested for nested objects and
//! lists), which the `Api-Key` scheme and trailing-slash paths point to.

use std::fmt;

use serde_json::Value;

use crate::types::ErrorBody;

/// One message about one field. `field` is a path such as
/// `invoice_items[0].price_data.unit_amount`; empty for `non_field_errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field; empty for `non_field_errors`.
    pub field: String,
    /// Payfect's message for that field.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl ErrorBody {
    /// The `detail` message (401, 403, 404 and some 400s).
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Every field message, flattened from DRF's nested shape, in key order.
    pub fn field_errors(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        for (key, value) in &self.extra {
            let path = if key == "non_field_errors" {
                String::new()
            } else {
                key.clone()
            };
            collect(&path, value, &mut out);
        }
        out
    }

    /// One line for logs and error pages: the `detail`, else the field messages joined.
    pub fn message(&self) -> String {
        if let Some(detail) = self.detail() {
            return detail.to_owned();
        }
        let fields = self.field_errors();
        if fields.is_empty() {
            return "no error message".to_owned();
        }
        fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Payfect's bodies carry no code or request id; the message is DRF's `detail` or the
/// field messages.
impl paygate_runtime::ProviderError for ErrorBody {
    fn message(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.message().into())
    }
}

/// Depth limit for hostile nesting.
const MAX_DEPTH: usize = 32;

fn collect(path: &str, value: &Value, out: &mut Vec<FieldError>) {
    collect_at(path, value, out, 0);
}

fn collect_at(path: &str, value: &Value, out: &mut Vec<FieldError>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::String(message) => out.push(FieldError {
            field: path.to_owned(),
            message: message.clone(),
        }),
        // A list of messages, or (for a list field) one error object per item, `{}` for good
        // items.
        Value::Array(items) => {
            let per_item = items.iter().any(|v| v.is_object());
            for (i, item) in items.iter().enumerate() {
                if per_item {
                    collect_at(&format!("{path}[{i}]"), item, out, depth + 1);
                } else {
                    collect_at(path, item, out, depth + 1);
                }
            }
        }
        Value::Object(fields) => {
            for (key, v) in fields {
                let sub = match (path.is_empty(), key == "non_field_errors") {
                    (_, true) => path.to_owned(),
                    (true, false) => key.clone(),
                    (false, false) => format!("{path}.{key}"),
                };
                collect_at(&sub, v, out, depth + 1);
            }
        }
        Value::Null => {}
        other => out.push(FieldError {
            field: path.to_owned(),
            message: other.to_string(),
        }),
    }
}
