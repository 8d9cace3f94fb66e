//! Attribute values as JSON, shared by the Sentry envelope and the spool: plain JSON, or span
//! v2's `{type, value}`.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::span::Value;

/// A typed attribute value, as a plain JSON value or as span v2's `{type, value}`.
pub(crate) struct AttrValue<'a> {
    pub value: &'a Value,
    pub typed: bool,
}

impl Serialize for AttrValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.typed {
            return PlainValue(self.value).serialize(s);
        }
        let kind = match self.value {
            Value::String(_) => "string",
            Value::Int(_) => "integer",
            Value::Double(_) => "double",
            Value::Bool(_) => "boolean",
            _ => "array",
        };
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", kind)?;
        map.serialize_entry("value", &PlainValue(self.value))?;
        map.end()
    }
}

/// A value as plain JSON (arrays as arrays; non-finite doubles as null, as JSON must).
pub(crate) struct PlainValue<'a>(pub &'a Value);

impl Serialize for PlainValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn seq<S: Serializer, T: Serialize>(s: S, items: &[T]) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(items.len()))?;
            for item in items {
                seq.serialize_element(item)?;
            }
            seq.end()
        }
        match self.0 {
            Value::String(v) => s.serialize_str(v),
            Value::Int(v) => s.serialize_i64(*v),
            Value::Double(v) if v.is_finite() => s.serialize_f64(*v),
            Value::Double(_) => s.serialize_none(),
            Value::Bool(v) => s.serialize_bool(*v),
            Value::StringArray(v) => seq(s, v),
            Value::IntArray(v) => seq(s, v),
            Value::DoubleArray(v) => {
                let finite: Vec<Option<f64>> =
                    v.iter().map(|d| d.is_finite().then_some(*d)).collect();
                seq(s, &finite)
            }
            Value::BoolArray(v) => seq(s, v),
        }
    }
}
