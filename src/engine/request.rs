//! The engine's requests and answers, as Rust values and as JSON (`omnilint decide`).

use super::Compiled;
use crate::model::names::hint;
use crate::model::{ActionId, ChannelId, Model, ProcessId, StateId, Ty, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value in a request or an answer: a bool, an integer, or a string (an enumeration's
/// variant, or an opaque value).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Json {
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A variant's name, or an opaque value.
    Str(String),
}

/// A question: may `channel` perform `action` (with `params`) now, in `state` of `process`,
/// with these field values?
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The process the customer is in.
    pub process: String,
    /// Its current state.
    pub state: String,
    /// The channel the customer is on.
    pub channel: String,
    /// The action asked for; absent when asking what can be done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The action's parameters, by name.
    #[serde(default)]
    pub params: BTreeMap<String, Json>,
    /// Every field's current value, by `entity.field`.
    #[serde(default)]
    pub fields: BTreeMap<String, Json>,
}

/// A place in the policy's source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The file, as named when the policy was loaded.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Why an action is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The state offers no transition on this action.
    NotOffered {
        /// The state.
        state: String,
    },
    /// The transition names other channels (`via`).
    NotOnThisChannel {
        /// The channels it names.
        channels: Vec<String>,
        /// The transition.
        at: Place,
    },
    /// The transition's `when` does not hold.
    GuardFalse {
        /// The guard.
        at: Place,
    },
    /// The channel has no `can` for the action.
    MissingCapability {
        /// The channel.
        channel: String,
        /// Its definition.
        at: Place,
    },
    /// A forbid of the action applies here and holds.
    Forbidden {
        /// The rule.
        rule: String,
        /// Its clause.
        at: Place,
    },
    /// A `requires` of the action does not hold.
    RequiresUnmet {
        /// The condition.
        at: Place,
    },
    /// The action's effects would break an invariant.
    InvariantBroken {
        /// The rule.
        rule: String,
        /// Its clause.
        at: Place,
    },
}

/// A trigger that fired after the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Triggered {
    /// The trigger rule.
    pub rule: String,
    /// The action it runs as the system.
    pub action: String,
    /// Whether the action ran (false: a forbid, `requires` or invariant stopped it, or the
    /// cascade went deeper than the analysis follows).
    pub ran: bool,
    /// The action takes parameters the trigger does not give: the backend must choose them
    /// and decide it on its own.
    pub needs_parameters: bool,
}

/// Where a refused customer could go instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Alternatives {
    /// Other channels on which the same request would be allowed now.
    pub channels: Vec<String>,
    /// Channels an agent on this channel can hand the customer off to here.
    pub handoffs: Vec<String>,
}

/// The answer to [`Request`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the action may be performed.
    pub allowed: bool,
    /// The state the process moves to.
    pub next_state: Option<String>,
    /// Every field's value afterwards, triggers included.
    pub fields: Option<BTreeMap<String, Json>>,
    /// Events emitted, in order.
    pub emitted: Vec<String>,
    /// Triggers that fired, in order.
    pub triggered: Vec<Triggered>,
    /// Every reason it is refused (empty when allowed).
    pub reasons: Vec<Reason>,
    /// When refused: where to send the customer instead.
    pub alternatives: Option<Alternatives>,
}

/// One action a state offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Offered {
    /// The action.
    pub action: String,
    /// Whether it is allowed now; `None` when that depends on parameters (ask
    /// [`super::Engine::decide`] with them).
    pub allowed: Option<bool>,
    /// Its parameters' names, when it has some.
    pub parameters: Vec<String>,
    /// Why it is refused.
    pub reasons: Vec<Reason>,
}

/// What can be done now in a state, on a channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Available {
    /// The process.
    pub process: String,
    /// The state.
    pub state: String,
    /// The channel.
    pub channel: String,
    /// The actions the state offers, by name.
    pub actions: Vec<Offered>,
    /// Channels an agent on this channel can hand the customer off to.
    pub handoffs: Vec<String>,
}

/// A request that names something the policy does not have, or gives a value of the wrong
/// type.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    /// An unknown process, state, channel, action, field or parameter.
    #[error("unknown {kind} `{name}`{hint}")]
    Unknown {
        /// What kind of name.
        kind: &'static str,
        /// The name given.
        name: String,
        /// A suggestion, or empty.
        hint: String,
    },
    /// A value that does not fit its field's or parameter's type.
    #[error("`{name}`: {value} is not a value of type {expected}")]
    WrongType {
        /// The field or parameter.
        name: String,
        /// The value given, as JSON.
        value: String,
        /// The type, in words.
        expected: String,
    },
    /// A field or parameter without a value.
    #[error("missing value for {kind} `{name}`")]
    Missing {
        /// `field` or `parameter`.
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// `decide` without an action.
    #[error("the request names no `action`")]
    MissingAction,
    /// Not a request: malformed JSON, or a document of another shape.
    #[error("{0}")]
    Malformed(String),
}

/// A request with every name resolved and every value typed.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Resolved {
    pub process: ProcessId,
    pub state: StateId,
    pub channel: ChannelId,
    pub action: Option<ActionId>,
    pub params: Vec<Value>,
    pub fields: Vec<Value>,
}

fn lookup<T: Copy>(
    map: &std::collections::HashMap<String, T>,
    kind: &'static str,
    name: &str,
) -> Result<T, RequestError> {
    map.get(name).copied().ok_or_else(|| RequestError::Unknown {
        kind,
        name: name.to_owned(),
        hint: hint(name, map.keys().map(String::as_str)),
    })
}

/// Resolves `request`; its action and parameters only when `with_action`.
pub(super) fn resolve(
    c: &Compiled,
    request: &Request,
    with_action: bool,
) -> Result<Resolved, RequestError> {
    let model = &c.model;
    let process = lookup(&c.processes, "process", &request.process)?;
    let state = lookup(&c.states[process.index()], "state", &request.state)?;
    let channel = lookup(&c.channels, "channel", &request.channel)?;
    let action = request
        .action
        .as_deref()
        .filter(|_| with_action)
        .map(|a| lookup(&c.actions, "action", a))
        .transpose()?;
    for name in request.fields.keys() {
        lookup(&c.fields, "field", name)?;
    }
    let fields = model
        .fields
        .iter()
        .map(|f| {
            let given = request
                .fields
                .get(&f.qualified)
                .ok_or_else(|| RequestError::Missing {
                    kind: "field",
                    name: f.qualified.clone(),
                })?;
            typed(model, f.ty.node, &f.qualified, given)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let params = match action {
        None => Vec::new(),
        Some(a) => {
            let declared = &model.action(a).params;
            for name in request.params.keys() {
                if !declared.iter().any(|p| p.name.node == name) {
                    return Err(RequestError::Unknown {
                        kind: "parameter",
                        name: name.clone(),
                        hint: hint(name, declared.iter().map(|p| p.name.node.as_str())),
                    });
                }
            }
            declared
                .iter()
                .map(|p| {
                    let given = request.params.get(p.name.node.as_str()).ok_or_else(|| {
                        RequestError::Missing {
                            kind: "parameter",
                            name: p.name.node.to_string(),
                        }
                    })?;
                    typed(model, p.ty.node, &p.name.node, given)
                })
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    Ok(Resolved {
        process,
        state,
        channel,
        action,
        params,
        fields,
    })
}

fn typed(model: &Model, ty: Ty, name: &str, given: &Json) -> Result<Value, RequestError> {
    let wrong = |expected: String| RequestError::WrongType {
        name: name.to_owned(),
        value: serde_json::to_string(given).unwrap_or_default(),
        expected,
    };
    match (ty, given) {
        (Ty::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Ty::Int { lo, hi }, Json::Int(i)) if (lo..=hi).contains(i) => Ok(Value::Int(*i)),
        (Ty::Enum(e), Json::Str(s)) => {
            let variants = &model.enumeration(e).variants;
            variants
                .iter()
                .position(|v| v.node == s)
                .map(|i| Value::Variant(e, u32::try_from(i).unwrap_or(u32::MAX)))
                .ok_or_else(|| {
                    let names: Vec<&str> = variants.iter().map(|v| v.node.as_str()).collect();
                    wrong(format!("`{}`", names.join(" | ")))
                })
        }
        (Ty::Opaque(_) | Ty::Text, Json::Str(s)) => Ok(Value::Str(s.clone())),
        (ty, _) => Err(wrong(type_name(model, ty))),
    }
}

fn type_name(model: &Model, ty: Ty) -> String {
    match ty {
        Ty::Bool => "`bool`".to_owned(),
        Ty::Int { lo, hi } => format!("`int {lo}..{hi}`"),
        Ty::Enum(e) => {
            let names: Vec<&str> = model
                .enumeration(e)
                .variants
                .iter()
                .map(|v| v.node.as_str())
                .collect();
            format!("`{}`", names.join(" | "))
        }
        Ty::Opaque(_) | Ty::Text => "a string".to_owned(),
    }
}

/// Field values as JSON, by `entity.field`.
pub(super) fn show_fields(model: &Model, values: &[Value]) -> BTreeMap<String, Json> {
    model
        .fields
        .iter()
        .zip(values)
        .map(|(f, v)| (f.qualified.clone(), show(model, v)))
        .collect()
}

fn show(model: &Model, value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Int(*i),
        Value::Variant(e, i) => Json::Str(
            model
                .enumeration(*e)
                .variants
                .get(*i as usize)
                .map(|v| v.node.to_string())
                .unwrap_or_default(),
        ),
        Value::Str(s) => Json::Str(s.clone()),
    }
}
