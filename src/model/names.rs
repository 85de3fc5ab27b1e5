//! "Did you mean" suggestions and the words for kinds of names.

/// The closest of `candidates` to `name`, if one is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let distance = if c.eq_ignore_ascii_case(name) {
                0
            } else {
                strsim::damerau_levenshtein(name, c)
            };
            (distance, c)
        })
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, c)| c)
}

/// " (did you mean `X`?)" when [`suggest`] finds a likely typo; empty otherwise.
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(name, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// The kinds of top-level items, which share one namespace per policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `type`.
    Type,
    /// `entity`.
    Entity,
    /// `channel`.
    Channel,
    /// `event`.
    Event,
    /// `action`.
    Action,
    /// `rule`.
    Rule,
    /// `process`.
    Process,
}

impl Kind {
    /// The kind with its article: "an action".
    pub fn with_article(self) -> &'static str {
        match self {
            Kind::Type => "a type",
            Kind::Entity => "an entity",
            Kind::Channel => "a channel",
            Kind::Event => "an event",
            Kind::Action => "an action",
            Kind::Rule => "a rule",
            Kind::Process => "a process",
        }
    }

    /// The kind's keyword.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Type => "type",
            Kind::Entity => "entity",
            Kind::Channel => "channel",
            Kind::Event => "event",
            Kind::Action => "action",
            Kind::Rule => "rule",
            Kind::Process => "process",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_close_names_only() {
        let names = ["twitter", "store", "web", "phone"];
        assert_eq!(suggest("twiter", names), Some("twitter"));
        assert_eq!(suggest("Store", names), Some("store"));
        assert_eq!(suggest("wbe", names), Some("web"));
        assert_eq!(suggest("fax", names), None);
        assert_eq!(
            suggest("web", names),
            None,
            "an exact match is not a suggestion"
        );
    }
}
