//! The shape every fixed vocabulary of the domain shares.

/// Defines an enum stored as text. Each variant names its text once; the
/// database, the API and serde all use that text (per variant, because some
/// vocabularies, like RFC 5545 weekdays `MO`, follow no `rename_all` rule).
/// Matching is exact: these values come from programs, and an exact match
/// keeps what is stored canonical.
macro_rules! text_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $($(#[$variant_doc:meta])* $variant:ident => $text:literal,)+ }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$variant_doc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::FieldIssue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| {
                        let allowed = Self::ALL.map(|value| value.as_str()).join(", ");
                        $crate::FieldIssue::invalid(format!("must be one of: {allowed}"))
                    })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

/// Text, `FromStr`, `Display` and serde must all agree for every value.
#[cfg(test)]
pub(crate) fn round_trips<T>(all: &[T])
where
    T: Copy
        + PartialEq
        + std::fmt::Debug
        + std::fmt::Display
        + std::str::FromStr<Err = crate::FieldIssue>
        + serde::Serialize
        + for<'de> serde::Deserialize<'de>,
{
    for &value in all {
        let text = value.to_string();
        assert_eq!(text.parse::<T>().expect("round trip"), value);
        let json = serde_json::to_string(&value).expect("serializable");
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<T>(&json).expect("de"), value);
    }
}
