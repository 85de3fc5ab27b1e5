//! The JSON protocol of `omnilint decide`, in the library so that every host (the CLI, a
//! service wrapping the engine) speaks it the same way.

use super::{Engine, Request, RequestError};
use serde_json::Value;

/// Answers a JSON document: one request gets its answer; an array of requests gets an array
/// of answers, with `{"error": ...}` for a request that cannot be answered. A request without
/// `action` asks what can be done now ([`Engine::available`]). The answer is pretty-printed
/// and newline-terminated.
pub fn answer_json(engine: &Engine, text: &str) -> Result<String, RequestError> {
    let document: Value = serde_json::from_str(text).map_err(|e| {
        RequestError::Malformed(format!(
            "line {}, column {}: {}",
            e.line(),
            e.column(),
            crate::baseline::json_error_message(&e)
        ))
    })?;
    let answer = match document {
        Value::Array(requests) => Value::Array(
            requests
                .into_iter()
                .map(|r| {
                    serde_json::from_value::<Request>(r)
                        .map_err(|e| RequestError::Malformed(e.to_string()))
                        .and_then(|request| answer(engine, &request))
                        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
                })
                .collect(),
        ),
        single => {
            let request: Request = serde_json::from_value(single)
                .map_err(|e| RequestError::Malformed(e.to_string()))?;
            answer(engine, &request)?
        }
    };
    // A tree of strings, numbers and lists: printing cannot fail.
    Ok(serde_json::to_string_pretty(&answer).unwrap_or_default() + "\n")
}

/// A decision, or what can be done when the request names no action.
fn answer(engine: &Engine, request: &Request) -> Result<Value, RequestError> {
    let value = if request.action.is_some() {
        serde_json::to_value(engine.decide(request)?)
    } else {
        serde_json::to_value(engine.available(request)?)
    };
    // Plain structs of strings, numbers and lists: serializing cannot fail.
    Ok(value.unwrap_or_default())
}
