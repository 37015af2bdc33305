//! Just enough of HCL for the checks (no `terraform` binary, and no provider
//! downloads, where the tests run): a block's text and the strings in it.

/// The text of `<kind> "<name>" { ... }` in a .tf file (braces balanced).
pub(crate) fn block<'a>(relative: &str, text: &'a str, header: &str) -> &'a str {
    let start = text
        .find(header)
        .unwrap_or_else(|| panic!("{relative}: no `{header}`"));
    let mut depth = 0;
    for (offset, character) in text[start..].char_indices() {
        match character {
            '{' => depth += 1,
            '}' if depth == 1 => return &text[start..start + offset + 1],
            '}' => depth -= 1,
            _ => {}
        }
    }
    panic!("{relative}: `{header}` is not closed")
}

/// The quoted strings in a piece of HCL: a default's value or list.
pub(crate) fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}
