//! Closed vocabularies (a gender, a relationship, an agency's sector…): each value has a
//! stable snake_case code for the database and the API, and the words people read.

/// Declares a vocabulary enum with `ALL` (in the order forms list them), `code()`, `label()`,
/// `from_code()` and `Display` (the label). Given `ErrorType = error`, it also gets a `parse`
/// and `FromStr` that refuse an unknown code with that error.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])* $name:ident $(, $errty:ty = $error:expr)?,
        { $( $(#[$vmeta:meta])* $variant:ident => $code:literal, $label:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case code used in the database and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The words shown to practitioners and families.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The value with this code (surrounding spaces ignored).
            pub fn from_code(code: &str) -> Option<Self> {
                match code.trim() {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        $(
            impl $name {
                /// Parses a code, refusing an unknown one with a message for the practitioner.
                pub fn parse(code: &str) -> Result<Self, $errty> {
                    Self::from_code(code).ok_or($error)
                }
            }

            impl std::str::FromStr for $name {
                type Err = $errty;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Self::parse(s)
                }
            }
        )?
    };
}

pub(crate) use vocabulary;
