//! Field validation, DRF style: `{"field": ["message"]}`.

#[allow(unused_imports)]
use super::*;

/// Collects `{"field": [messages]}` (or nested objects/lists for nested serializers).
#[derive(Default)]
pub(super) struct Errors(pub(super) Map<String, Value>);

impl Errors {
    pub(super) fn add(&mut self, field: &str, message: impl Into<String>) {
        if let Some(list) = self
            .0
            .entry(field.to_owned())
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            list.push(Value::String(message.into()));
        }
    }

    pub(super) fn nest(&mut self, field: &str, nested: Value) {
        self.0.insert(field.to_owned(), nested);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub(super) const REQUIRED: &str = "This field is required.";

pub(super) fn string_field(
    obj: &Map<String, Value>,
    field: &str,
    required: bool,
    errors: &mut Errors,
) -> Option<String> {
    match obj.get(field) {
        None => {
            if required {
                errors.add(field, REQUIRED);
            }
            None
        }
        Some(Value::Null) => {
            if required {
                errors.add(field, "This field may not be null.");
            }
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.add(field, "This field may not be blank.");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add(field, "Not a valid string.");
            None
        }
    }
}

pub(super) fn url_field(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Errors,
) -> Option<String> {
    let url = string_field(obj, field, false, errors)?;
    let valid = ["http://", "https://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    });
    if !valid {
        errors.add(field, "Enter a valid URL.");
        return None;
    }
    Some(url)
}

pub(super) fn bool_field(obj: &Map<String, Value>, field: &str, errors: &mut Errors) -> bool {
    match obj.get(field) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.add(field, "Must be a valid boolean.");
            false
        }
    }
}

/// A decimal amount: a decimal string (or a JSON number, which DRF also accepts), ≥ 0.
pub(super) fn amount_field(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Errors,
) -> Option<Decimal> {
    let text = match obj.get(field) {
        None | Some(Value::Null) => {
            errors.add(field, REQUIRED);
            return None;
        }
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            errors.add(field, "A valid number is required.");
            return None;
        }
    };
    // `from_str_exact` refuses values it would have to round.
    match Decimal::from_str_exact(&text) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            errors.add(field, "Ensure this value is greater than or equal to 0.");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "A valid number is required.");
            None
        }
    }
}

pub(super) fn quantity_field(obj: &Map<String, Value>, errors: &mut Errors) -> Option<i64> {
    match obj.get("quantity") {
        None | Some(Value::Null) => {
            errors.add("quantity", REQUIRED);
            None
        }
        Some(Value::Number(n)) => match n.as_i64() {
            Some(q) if q >= 1 => Some(q),
            Some(_) => {
                errors.add(
                    "quantity",
                    "Ensure this value is greater than or equal to 1.",
                );
                None
            }
            None => {
                errors.add("quantity", "A valid integer is required.");
                None
            }
        },
        Some(_) => {
            errors.add("quantity", "A valid integer is required.");
            None
        }
    }
}

pub(super) fn string_list(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Errors,
) -> Vec<String> {
    match obj.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    _ => {
                        errors.add(field, "Not a valid string.");
                        return Vec::new();
                    }
                }
            }
            out
        }
        Some(other) => {
            errors.add(
                field,
                format!(
                    "Expected a list of items but got type \"{}\".",
                    json_kind(other)
                ),
            );
            Vec::new()
        }
    }
}

/// An object-valued field; `Err(())` after recording an error.
pub(super) fn object_field<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
    required: bool,
    errors: &mut Errors,
) -> Result<Option<&'a Map<String, Value>>, ()> {
    match obj.get(field) {
        None | Some(Value::Null) if required => {
            errors.add(field, REQUIRED);
            Err(())
        }
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => {
            errors.nest(
                field,
                json!({ "non_field_errors": [format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    json_kind(other)
                )] }),
            );
            Err(())
        }
    }
}

pub(super) fn product_params(
    obj: &Map<String, Value>,
    errors: &mut Errors,
) -> Option<(String, Option<String>, Vec<String>)> {
    let name = string_field(obj, "name", true, errors);
    let description = match obj.get("description") {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => {
            errors.add("description", "Not a valid string.");
            None
        }
    };
    let images = string_list(obj, "images", errors);
    Some((name?, description, images))
}

/// Line amount with at least two decimal places, like the docs' `"20.00"`.
pub(super) fn money(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// Keeps the scale the caller wrote, but never less than 2 places.
pub(super) fn money_keep_scale(d: Decimal) -> Decimal {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// The spec's violations as DRF nests its errors: `{"invoice_items": [{}, {"quantity":
/// ["…"]}]}`, a missing field as "This field is required.", body-wide rules under
/// `non_field_errors`.
pub(super) fn spec_errors(
    violations: &[crate::core::conformance::Violation],
) -> Map<String, Value> {
    use crate::core::conformance::Rule;
    let mut root = Value::Object(Map::new());
    for v in violations {
        let message = match v.rule {
            Rule::Missing if !v.path.is_empty() => REQUIRED.to_string(),
            _ => {
                let mut m = v.message.clone();
                if let Some(first) = m.get(..1) {
                    m.replace_range(..1, &first.to_uppercase());
                }
                format!("{m}.")
            }
        };
        let path: Vec<&str> = match v.path.is_empty() {
            true => vec!["non_field_errors"],
            false => v.path.iter().map(String::as_str).collect(),
        };
        insert(&mut root, &path, message);
    }
    match root {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn insert(at: &mut Value, path: &[&str], message: String) {
    let Some((head, rest)) = path.split_first() else {
        match at {
            Value::Array(list) => list.push(Value::String(message)),
            other => *other = json!([message]),
        }
        return;
    };
    let index = head.parse::<usize>().ok();
    match (index, &mut *at) {
        (Some(i), Value::Array(list)) => {
            while list.len() <= i {
                list.push(json!({}));
            }
            insert(&mut list[i], rest, message);
        }
        (Some(_), Value::Object(map)) if map.is_empty() && !rest.is_empty() => {
            *at = json!([]);
            insert(at, path, message);
        }
        (_, Value::Object(map)) => {
            // A list where an index or the messages follow, an object where a field does.
            let child = map.entry(head.to_string()).or_insert_with(|| {
                if rest.first().is_none_or(|s| s.parse::<usize>().is_ok()) {
                    json!([])
                } else {
                    json!({})
                }
            });
            insert(child, rest, message);
        }
        _ => {}
    }
}
