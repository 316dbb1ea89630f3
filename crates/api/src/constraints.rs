//! What the API accepts, said in JSON Schema: each kind of value a request
//! carries has a schema here, built from the domain's own limits and
//! vocabularies, so the OpenAPI document refuses exactly what the server
//! refuses. Fields name these types with `value_type = …, inline`.

use medicaledu_domain::{
    BookingStatus, Category, Channel, CourseLevel, CourseTitle, Description, FullName,
    MaterialKind, NotificationKind, NotificationStatus, PriceMinor, Review, Role, Slug, Summary,
    UserStatus,
};
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};

/// Characters Rust's `char::is_control` matches (Unicode category Cc).
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
/// Characters `str::trim` removes (Unicode `White_Space`).
const SPACE: &str =
    r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// The controls a multi-line text refuses: all but tab, line feed and the
/// carriage return that is read as a line break.
const CONTROL_BUT_BREAKS: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f";

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// A required line of text: something besides spaces, no control
/// characters, at most `max` characters as sent.
pub fn one_line(max: usize) -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(format!(
            "^[^{CONTROL}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$"
        )))
        .build()
}

/// Text that may span lines and may be blank: no control characters but
/// line breaks and tabs, at most `max` characters as sent.
pub fn multiline(max: usize) -> Object {
    string()
        .max_length(Some(max))
        .pattern(Some(format!("^[^{CONTROL_BUT_BREAKS}]*$")))
        .build()
}

/// Text that may span lines and must say something: no control characters
/// but line breaks and tabs, at most `max` characters as sent.
pub fn required_multiline(max: usize) -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(format!(
            "^[^{CONTROL_BUT_BREAKS}]*[^{CONTROL_BUT_BREAKS}{SPACE}][^{CONTROL_BUT_BREAKS}]*$"
        )))
        .build()
}

/// One of a fixed set of words.
pub fn vocabulary<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    string()
        .enum_values(Some(values.into_iter().map(str::to_owned)))
        .build()
}

fn uuid() -> Object {
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .build()
}

/// Declares a type per kind of value, whose schema the closure builds.
macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident => $schema:expr,)+) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let schema: Object = $schema;
                Schema::Object(schema).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    )+};
}

kinds! {
    /// A course's title.
    CourseTitleText => one_line(CourseTitle::MAX_CHARS),
    /// A course's category.
    CategoryText => one_line(Category::MAX_CHARS),
    /// A course's summary.
    SummaryText => multiline(Summary::MAX_CHARS),
    /// A course's description.
    DescriptionText => multiline(Description::MAX_CHARS),
    /// A review.
    ReviewText => multiline(Review::MAX_CHARS),
    /// A person's name.
    FullNameText => one_line(FullName::MAX_CHARS),
    /// Lowercase letters and digits, words joined by single hyphens.
    SlugText => string()
        .max_length(Some(Slug::MAX_CHARS))
        .pattern(Some("^[a-z0-9]+(-[a-z0-9]+)*$"))
        .build(),
    /// A price in minor units.
    PriceMinorValue => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .maximum(Some(PriceMinor::MAX))
        .build(),
    /// `beginner`, `intermediate` or `advanced`.
    CourseLevelText => vocabulary(CourseLevel::ALL.iter().map(|v| v.as_str())),
    /// A material's kind.
    MaterialKindText => vocabulary(MaterialKind::ALL.iter().map(|v| v.as_str())),
    /// A booking's status.
    BookingStatusText => vocabulary(BookingStatus::ALL.iter().map(|v| v.as_str())),
    /// A role.
    RoleText => vocabulary(Role::ALL.iter().map(|v| v.as_str())),
    /// An account's status.
    UserStatusText => vocabulary(UserStatus::ALL.iter().map(|v| v.as_str())),
    /// A notification channel.
    ChannelText => vocabulary(Channel::ALL.iter().map(|v| v.as_str())),
    /// A kind of notification.
    NotificationKindText => vocabulary(NotificationKind::ALL.iter().map(|v| v.as_str())),
    /// Where a notification is in its delivery.
    NotificationStatusText => vocabulary(NotificationStatus::ALL.iter().map(|v| v.as_str())),
    /// A UUID.
    UuidText => uuid(),
    /// A provider's statement, printed as written.
    StatementText => required_multiline(medicaledu_domain::Statement::MAX_CHARS),
    /// A credit type, e.g. `AMA PRA Category 1 Credit™`.
    CreditTypeText => one_line(medicaledu_domain::CreditTypeName::MAX_CHARS),
    /// A provider's or accreditor's name.
    ProviderNameText => one_line(200),
    /// `live` or `enduring`.
    ActivityFormatText => vocabulary(medicaledu_domain::ActivityFormat::ALL.iter().map(|v| v.as_str())),
    /// `credit` or `participation`.
    CertificateKindText => vocabulary(medicaledu_domain::CertificateKind::ALL.iter().map(|v| v.as_str())),
    /// `single_choice` or `multiple_choice`.
    QuestionKindText => vocabulary(medicaledu_domain::QuestionKind::ALL.iter().map(|v| v.as_str())),
    /// A profession, as designations and licences name them.
    ProfessionText => vocabulary(medicaledu_domain::Profession::ALL.iter().map(|v| v.as_str())),
    /// Why a certificate was revoked or re-issued.
    ReasonText => required_multiline(500),
    /// A question's prompt.
    PromptText => required_multiline(medicaledu_domain::QuestionSnapshot::MAX_PROMPT_CHARS),
    /// An answer option.
    OptionText => required_multiline(medicaledu_domain::QuestionSnapshot::MAX_OPTION_CHARS),
    /// Why an answer is right.
    RationaleText => multiline(medicaledu_domain::QuestionSnapshot::MAX_RATIONALE_CHARS),
}

/// A cursor of a keyset-paginated list: `<microseconds>_<id>`, as the
/// `next_cursor` of the page before.
pub const PAGE_CURSOR: &str =
    "^-?[0-9]{1,18}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

kinds! {
    /// The `next_cursor` of the page before.
    PageCursorText => string().pattern(Some(PAGE_CURSOR)).build(),
    /// Rows per page.
    PageLimit => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(medicaledu_app::MAX_LIMIT))
        .build(),
    /// An RFC 3339 instant with its offset.
    InstantText => string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .build(),
}

/// A UUID as the cursors spell it.
const UUID_TEXT: &str =
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// Every currency a price may be in: the three-letter codes the domain
/// accepts, found by asking it.
fn currencies() -> Vec<String> {
    let letters = || b'A'..=b'Z';
    letters()
        .flat_map(|a| letters().flat_map(move |b| letters().map(move |c| [a, b, c])))
        .filter_map(|code| String::from_utf8(code.to_vec()).ok())
        .filter(|code| medicaledu_domain::Currency::parse(code).is_ok())
        .collect()
}

kinds! {
    /// An ISO 4217 code of a currency prices can be in.
    CurrencyText => vocabulary(currencies().iter().map(String::as_str)),
    /// Which bookings: `upcoming` or `past` (see `bookings::list_mine`).
    BookingWhenText => vocabulary(["upcoming", "past"]),
    /// How revenue is grouped (see `payments::revenue_report`).
    RevenueGroupText => vocabulary(["day", "month", "course", "instructor"]),
    /// Which occurrences a slot cancellation takes (see `slots::cancel`).
    CancelScopeText => vocabulary(["this", "following", "series"]),
    /// The catalog's orders (see `courses::list_catalog`).
    CatalogSortText => vocabulary(["newest", "rating", "price", "popularity"]),
    /// A catalog cursor: the order it was issued for, its key and the last id.
    CatalogCursorText => string()
        .pattern(Some(format!(
            "^(newest|rating|price|popularity)\\.-?[0-9]{{1,18}}\\.{UUID_TEXT}$"
        )))
        .build(),
}

/// An email address as the domain accepts it: ASCII without spaces, one
/// `@`, a dotted domain without empty labels; spaces around it are trimmed.
fn email() -> Object {
    let local = "[!-?A-~]{1,64}";
    let label = "[!-\\-/-?A-~]+";
    string()
        .max_length(Some(medicaledu_domain::Email::MAX_CHARS))
        .pattern(Some(format!(
            "^[{SPACE}]*{local}@{label}(\\.{label})+[{SPACE}]*$"
        )))
        .build()
}

kinds! {
    /// An email address.
    EmailText => email(),
    /// Anything but blank: what is compared with the stored credential.
    CredentialText => string()
        .pattern(Some(format!("^[^\\u0000]*[^{SPACE}\\u0000][^\\u0000]*$")))
        .build(),
    /// A new password: 12 to 256 characters, not one character repeated
    /// (nor one of the most common passwords, which the server refuses too).
    NewPasswordText => {
        let mut password = string()
            .min_length(Some(medicaledu_domain::Password::MIN_CHARS))
            .max_length(Some(medicaledu_domain::Password::MAX_CHARS))
            .build();
        // utoipa has no `not` keyword; an extension map keeps the key as given.
        password.extensions = Some(utoipa::openapi::extensions::Extensions::from_iter([(
            "not",
            serde_json::json!({ "pattern": "^([\\s\\S])\\1*$" }),
        )]));
        password
    },
    /// A role one may sign up with.
    SignUpRoleText => vocabulary(["student", "instructor"]),
    /// An IANA time zone name.
    TimeZoneText => vocabulary(medicaledu_domain::TimeZone::names()),
    /// A language tag such as `en`, `en-GB` or `pt_BR`.
    LocaleText => string()
        .pattern(Some(format!(
            "^[{SPACE}]*[A-Za-z]{{2,3}}([-_]([A-Za-z]{{2}}|[0-9]{{3}}))?[{SPACE}]*$"
        )))
        .build(),
    /// A phone number in international form (`+44 20 7946 0958`); spaces,
    /// hyphens and parentheses are ignored.
    PhoneText => {
        let sep = format!("[{SPACE}()\\-]*");
        string()
            .pattern(Some(format!("^{sep}\\+{sep}[1-9]({sep}[0-9]){{6,14}}{sep}$")))
            .build()
    },
    /// A calendar feed token.
    FeedTokenText => string().pattern(Some("^[A-Za-z0-9_-]*$")).build(),
}

kinds! {
    /// A promo code: 3 to 64 letters, digits, `-` or `_`; spaces around it
    /// are trimmed.
    PromoCodeText => string()
        .pattern(Some(format!("^[{SPACE}]*[A-Za-z0-9_-]{{3,64}}[{SPACE}]*$")))
        .build(),
    /// Channels per kind of notification: every kind and channel is optional,
    /// and none other is known.
    PreferencesMatrix => {
        let mut channels = ObjectBuilder::new().schema_type(Type::Object);
        for channel in Channel::ALL {
            channels = channels.property(channel.as_str(), ObjectBuilder::new().schema_type(Type::Boolean));
        }
        let channels = channels
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)))
            .build();
        let mut kinds = ObjectBuilder::new().schema_type(Type::Object);
        for kind in NotificationKind::ALL {
            kinds = kinds.property(kind.as_str(), channels.clone());
        }
        kinds
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)))
            .build()
    },
}

/// What every text the server reads must not hold: a NUL character (see
/// `crate::nul`). Free-form strings of the document say so.
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// Adds [`NO_NUL`] to every string schema in `schema` that does not already
/// narrow its values (a pattern, a vocabulary or a format).
pub fn refuse_nul(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            let is_string = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string
                && object.pattern.is_none()
                && object.enum_values.is_none()
                && object.format.is_none()
            {
                object.pattern = Some(NO_NUL.to_owned());
            }
            for property in object.properties.values_mut() {
                refuse_nul(property);
            }
            if let Some(additional) = object.additional_properties.as_mut()
                && let utoipa::openapi::schema::AdditionalProperties::RefOr(inner) =
                    additional.as_mut()
            {
                refuse_nul(inner);
            }
        }
        Schema::Array(array) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                refuse_nul(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(refuse_nul),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(refuse_nul),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(refuse_nul),
        _ => {}
    }
}
