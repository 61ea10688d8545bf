//! What a request broke, in the terms a provider's error envelope needs.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// A rule of the spec that a request breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where: the body's JSON-pointer segments (a missing field's name included), or the query
    /// parameter's name; empty for the body as a whole.
    pub path: Vec<String>,
    /// Which kind of rule, for providers whose error codes tell them apart.
    pub rule: Rule,
    /// What the rule says, without quoting the offending value (it may be a secret).
    pub message: String,
}

/// The kinds of rule a provider's error codes tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A required field, parameter or body is missing (or none of the alternatives is given).
    Missing,
    /// A number, length or count is outside its bounds.
    OutOfRange,
    /// Fields that exclude each other were sent together.
    Exclusive,
    /// Any other rule: a type, an enum, a pattern, a format.
    Invalid,
}

impl Violation {
    pub(super) fn new(path: Vec<String>, rule: Rule, message: impl Into<String>) -> Self {
        Violation {
            path,
            rule,
            message: message.into(),
        }
    }

    pub(super) fn from_error(error: &ValidationError<'_>, doc: &Value) -> Self {
        let mut path: Vec<String> = error
            .instance_path()
            .to_string()
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let rule = match error.kind() {
            ValidationErrorKind::Required { property } => {
                path.push(property.as_str().unwrap_or_default().to_string());
                Rule::Missing
            }
            // "One of these fields": name the first branch's missing field.
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                let missing = context
                    .first()
                    .into_iter()
                    .flatten()
                    .find_map(|e| match e.kind() {
                        ValidationErrorKind::Required { property } => {
                            property.as_str().map(str::to_string)
                        }
                        _ => None,
                    });
                match missing {
                    Some(field) => {
                        path.push(field);
                        Rule::Missing
                    }
                    None => Rule::Invalid,
                }
            }
            // "Not these together": name a field of the rule that was sent, the first for
            // `oneOf` ("send this one"), the last for `not` (the one added to the other).
            ValidationErrorKind::OneOfMultipleValid { .. } | ValidationErrorKind::Not { .. } => {
                let is_not = matches!(error.kind(), ValidationErrorKind::Not { .. });
                let rule = doc.pointer(&error.schema_path().to_string());
                let branches = match rule {
                    Some(Value::Array(branches)) => branches.iter().collect(),
                    Some(one) => vec![one],
                    None => Vec::new(),
                };
                let sent = error.instance().as_object();
                let mut named = branches
                    .iter()
                    .filter_map(|b| b.get("required")?.as_array())
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|f| sent.is_some_and(|o| o.contains_key(*f)));
                let field = if is_not {
                    named.next_back()
                } else {
                    named.next()
                };
                path.extend(field.map(str::to_string));
                Rule::Exclusive
            }
            // An empty list where one item is needed: the items are missing.
            ValidationErrorKind::MinItems { limit: 1 } => Rule::Missing,
            ValidationErrorKind::Minimum { .. }
            | ValidationErrorKind::Maximum { .. }
            | ValidationErrorKind::ExclusiveMinimum { .. }
            | ValidationErrorKind::ExclusiveMaximum { .. }
            | ValidationErrorKind::MinItems { .. }
            | ValidationErrorKind::MaxItems { .. }
            | ValidationErrorKind::MaxLength { .. } => Rule::OutOfRange,
            _ => Rule::Invalid,
        };
        Violation::new(path, rule, error.masked().to_string())
    }

    /// The path as the providers' docs write it: `lineItems[0].quantity`.
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str(&format!("[{segment}]"));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(segment);
            }
        }
        out
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.dotted().as_str() {
            "" => f.write_str(&self.message),
            at => write!(f, "{at}: {}", self.message),
        }
    }
}
