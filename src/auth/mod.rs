//! Who is asking: password hashing, single-use tokens, the server-side session and the signed-in
//! user it names. The sign-in pages that use them are the `account` feature.

pub mod password;
pub mod queries;
pub mod session;
pub mod session_store;
pub mod token;
