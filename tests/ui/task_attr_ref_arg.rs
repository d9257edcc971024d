#[rustyray::remote]
fn shout(text: &str) -> String {
    text.to_uppercase()
}

#[rustyray::remote]
fn first(items: Vec<&'static str>, rest: std::borrow::Cow<'_, str>) -> String {
    format!("{}{rest}", items[0])
}

#[rustyray::remote]
fn label(name: &'static str) -> &str {
    name
}

fn main() {}
