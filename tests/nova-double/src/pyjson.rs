//! JSON the way Nova writes it (`", "` and `": "` separators, sorted keys) and Python's `repr`,
//! which Nova's validation messages quote values with.

use serde_json::Value;

/// Serialises `value` like Python's `json.dumps`: `{"a": 1, "b": [1, 2]}`.
pub(crate) fn to_nova_json(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                // A JSON string's Display is its escaped, quoted form.
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_value(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Python's `repr()` of the value json.loads would give: `{'hots': 'compute1'}`, `None`, `True`.
pub(crate) fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str_repr(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's `str()` (`%s`): strings bare, everything else as `repr`.
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of a string: single quotes unless it holds only single quotes.
pub(crate) fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nova_json_uses_python_separators() {
        let value = json!({"b": [1, null], "a": {"x": "y\"z"}});
        assert_eq!(
            to_nova_json(&value),
            r#"{"a": {"x": "y\"z"}, "b": [1, null]}"#
        );
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(
            py_repr(&json!({"hots": "compute1"})),
            "{'hots': 'compute1'}"
        );
        assert_eq!(
            py_repr(&json!([true, false, null, 42])),
            "[True, False, None, 42]"
        );
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str(&json!("compute1")), "compute1");
    }
}
