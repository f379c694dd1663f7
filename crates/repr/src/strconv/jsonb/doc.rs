//! A parsed `jsonb` document, for the functions and operators that look
//! inside one (`->`, `@>`, `jsonb_typeof`), and the pieces that build new
//! documents in canonical text (`jsonb_build_object`, `jsonb_agg`).

use super::{Node, canonical_pairs, escape_string, parse, print};
use crate::ReprError;

/// A `jsonb` document parsed into a tree.
///
/// Nodes refer to their children by index, so neither parsing nor dropping
/// a deeply nested document recurses.
pub struct JsonbDoc {
    nodes: Vec<Node>,
    root: usize,
}

impl JsonbDoc {
    /// Parses JSON text (normally a stored `jsonb` datum, which is canonical).
    ///
    /// # Errors
    ///
    /// If the text is not valid JSON, with PostgreSQL's message and detail.
    pub fn parse(s: &str) -> Result<JsonbDoc, ReprError> {
        let (nodes, root) = parse(s)?;
        Ok(JsonbDoc { nodes, root })
    }

    /// The document's top-level value.
    pub fn root(&self) -> JsonbRef<'_> {
        JsonbRef {
            doc: self,
            index: self.root,
        }
    }
}

/// One value inside a [`JsonbDoc`].
#[derive(Clone, Copy)]
pub struct JsonbRef<'a> {
    doc: &'a JsonbDoc,
    index: usize,
}

/// What a [`JsonbRef`] is, with the contents of scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonbValue<'a> {
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, in `numeric`'s canonical text.
    Number(&'a str),
    /// A string's decoded value.
    String(&'a str),
    /// An array of this many elements.
    Array(usize),
    /// An object of this many (distinct) keys.
    Object(usize),
}

impl<'a> JsonbRef<'a> {
    fn at(&self, index: usize) -> JsonbRef<'a> {
        JsonbRef { doc: self.doc, index }
    }

    fn node(&self) -> &'a Node {
        &self.doc.nodes[self.index]
    }

    /// The kind of value, with a scalar's contents.
    pub fn value(&self) -> JsonbValue<'a> {
        match self.node() {
            Node::Null => JsonbValue::Null,
            Node::True => JsonbValue::Bool(true),
            Node::False => JsonbValue::Bool(false),
            Node::Number(n) => JsonbValue::Number(n),
            Node::String(s) => JsonbValue::String(s),
            Node::Array(items) => JsonbValue::Array(items.len()),
            Node::Object(pairs) => JsonbValue::Object(pairs.len()),
        }
    }

    /// The value of `key` if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<JsonbRef<'a>> {
        match self.node() {
            Node::Object(pairs) => pairs
                .binary_search_by(|(k, _)| k.len().cmp(&key.len()).then_with(|| k.as_bytes().cmp(key.as_bytes())))
                .ok()
                .map(|i| self.at(pairs[i].1)),
            _ => None,
        }
    }

    /// Element `i` (from 0; negative counts from the end) if this is an
    /// array that long.
    pub fn element(&self, i: i64) -> Option<JsonbRef<'a>> {
        match self.node() {
            Node::Array(items) => {
                let len = i64::try_from(items.len()).ok()?;
                let i = if i < 0 { len.checked_add(i)? } else { i };
                let i = usize::try_from(i).ok()?;
                items.get(i).map(|item| self.at(*item))
            }
            _ => None,
        }
    }

    /// The elements, if this is an array (none otherwise).
    pub fn elements(&self) -> impl Iterator<Item = JsonbRef<'a>> + 'a {
        let this = *self;
        let items: &'a [usize] = match self.node() {
            Node::Array(items) => items,
            _ => &[],
        };
        items.iter().map(move |i| this.at(*i))
    }

    /// The keys and values, if this is an object (none otherwise), in
    /// `jsonb`'s key order.
    pub fn members(&self) -> impl Iterator<Item = (&'a str, JsonbRef<'a>)> + 'a {
        let this = *self;
        let pairs: &'a [(String, usize)] = match self.node() {
            Node::Object(pairs) => pairs,
            _ => &[],
        };
        pairs.iter().map(move |(k, v)| (k.as_str(), this.at(*v)))
    }

    /// The value in canonical `jsonb` text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        print(&self.doc.nodes, self.index, &mut out);
        out
    }
}

/// Appends `s` as a JSON string, quoted and escaped as `jsonb` prints it.
pub fn push_jsonb_string(s: &str, out: &mut String) {
    escape_string(s, out);
}

/// The canonical `jsonb` text of an object with these keys and values
/// (each value already canonical `jsonb` text): keys sorted as `jsonb`
/// sorts them, and of a repeated key only the last value kept.
pub fn jsonb_object_text(pairs: Vec<(String, String)>) -> String {
    let indexed: Vec<(String, usize)> = pairs.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
    let mut out = String::from("{");
    for (n, (key, i)) in canonical_pairs(indexed).into_iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        escape_string(&key, &mut out);
        out.push_str(": ");
        out.push_str(&pairs[i].1);
    }
    out.push('}');
    out
}
