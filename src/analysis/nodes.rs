//! A [`Bdd`] made from a list of nodes known to form one, in a single copy.
//!
//! `Bdd::from_nodes`, the library's only public constructor from nodes, checks every node
//! against the nodes it points to (its variable in range, its children in range and below
//! it) and then copies the list: 4% of a run's instructions on 1,000 processes with rules,
//! since every operation of [`super::apply`] ends there. The nodes those operations build
//! are valid by construction, so the check only repeats what the construction ensures.
//! The library's `serde` support reads a `Bdd` as its list of nodes without checking it:
//! this module feeds that reading straight from the caller's nodes, with no intermediate
//! list. Debug builds (the tests) still ask `from_nodes` whether each list is valid.

use biodivine_lib_bdd::{Bdd, BddNode};
use serde::de::value::SeqDeserializer;
use serde::de::{self, Deserialize, IntoDeserializer, Visitor};

/// A node as the library stores it: its variable (the variable count for the two
/// constants) and its low and high children, by index.
pub type Node = (u16, u32, u32);

/// The BDD of `nodes`: the constant `false` first, then `true` (unless the BDD is `false`),
/// then every other node after its children, each child below its parent's variable. The
/// list is sized from the iterator's length, when it knows it. `None` only if the library's
/// reading refuses them, which it does not for such a list.
pub fn bdd(nodes: impl Iterator<Item = Node>) -> Option<Bdd> {
    let number = |n: u32| Newtype(n.into_deserializer());
    let node = |(var, low, high): Node| {
        SeqDeserializer::new([number(var.into()), number(low), number(high)].into_iter())
    };
    let bdd = Bdd::deserialize(Newtype(SeqDeserializer::new(nodes.map(node)))).ok()?;
    debug_assert!(
        Bdd::from_nodes(&bdd.clone().to_nodes()).is_ok(),
        "nodes that do not form a BDD"
    );
    Some(bdd)
}

/// A node of the library's, as a [`Node`].
pub fn of_node(node: &BddNode) -> Node {
    (
        node.var.to_index() as u16,
        node.low_link.to_index() as u32,
        node.high_link.to_index() as u32,
    )
}

/// The one error of the reading, never met: the list is read as the library writes it. A
/// type of no size, so that each node's result is no larger than the node.
#[derive(Debug)]
struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("nodes read as a BDD in an unexpected shape")
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(_message: T) -> Self {
        Error
    }
}

/// A newtype around what `D` reads: a `Bdd` around its list of nodes (each node a struct,
/// read as the sequence of its three fields), a variable or a pointer around its number.
struct Newtype<D>(D);

impl<'de, D: de::Deserializer<'de, Error = Error>> de::Deserializer<'de> for Newtype<D> {
    type Error = Error;

    #[inline(always)]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, D: de::Deserializer<'de, Error = Error>> IntoDeserializer<'de, Error> for Newtype<D> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use biodivine_lib_bdd::BddVariableSet;

    #[test]
    fn a_bdd_read_from_its_nodes_is_itself() {
        let vars = BddVariableSet::new_anonymous(5);
        let v = vars.variables();
        let sets = [
            vars.mk_false(),
            vars.mk_true(),
            vars.mk_var(v[2]),
            vars.mk_var(v[0]).and(&vars.mk_not_var(v[3])),
            vars.mk_var(v[1])
                .xor(&vars.mk_var(v[4]))
                .or(&vars.mk_var(v[0]).and(&vars.mk_var(v[2]))),
        ];
        for set in &sets {
            let nodes = set.clone().to_nodes();
            let read = bdd(nodes.iter().map(of_node)).expect("a BDD's nodes form one");
            assert_eq!(&read, set);
            assert_eq!(read.num_vars(), 5);
            assert_eq!(read.to_nodes(), nodes);
        }
    }
}
