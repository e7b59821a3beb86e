//! `text_enum!`: a closed set of values stored as text, typed at the sqlx boundary.

/// A closed set of values stored as text: read from and bound to the database as itself
/// (an unknown value in a row is a decode error, never a default), parsed from and printed to
/// forms. The texts are the variants' names in snake case, as `sqlx` and `serde` spell them;
/// a value's label is the i18n key `<section>.<Type>.<text>`.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident in $section:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::sqlx::Type)]
        #[serde(rename_all = "snake_case")]
        #[sqlx(type_name = "text", rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The i18n key of the value's name.
            pub fn label_key(self) -> &'static str {
                match self { $($name::$variant => concat!($section, ".", stringify!($name), ".", $text)),+ }
            }
        }
    };
}

pub(crate) use text_enum;
