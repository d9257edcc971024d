// A ref argument is resolved to a clone of the stored value (or the value itself when the
// task held the last ref), so the value type must be `Clone`; or take an `Arc<T>`.
struct Token;

#[rustyray::remote]
fn use_token(token: Token) -> u8 {
    let _ = token;
    0
}

#[rustyray::remote]
fn wrong_type(x: u64) -> u64 {
    x
}

fn main() {
    let store = rustyray::Store::new();
    let token = store.put(Token);
    let _ = use_token::remote(token);
    let _ = wrong_type::remote("seven");
}
