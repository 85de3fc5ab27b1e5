//! E006: a file without a `policy NAME` header.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A file that does not start with a `policy NAME` header (an `.omni.yaml` file without a
    /// `policy:` key), including an empty file, or a file with a second header.
    ///
    /// ## Why it hurts customers
    ///
    /// Files are grouped into policies by their header; a file without one belongs to no
    /// policy, so nothing in it is checked and the policy it was meant for is checked without
    /// it.
    ///
    /// ## Example
    ///
    /// ```omni
    /// # channels.omni: the header is missing
    /// channel web { can change_billing_address }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Start the file with `policy NAME`, using the same name as the other files of the policy
    /// (`policy telecom`). One file belongs to one policy.
    pub static POLICY_HEADER = {
        code: "E006",
        name: "policy-header",
        severity: Error,
        summary: "a file without a `policy NAME` header",
    };
}
