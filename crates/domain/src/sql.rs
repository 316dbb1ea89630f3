//! How domain values are stored: natively on PostgreSQL (`uuid`, `timestamptz`), as
//! text on SQLite, where the STRICT tables declare those columns TEXT.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

use crate::{Id, Timestamp};

impl Type<Sqlite> for Id {
    fn type_info() -> SqliteTypeInfo {
        <str as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <str as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Id {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.to_string(), buf)
    }
}

impl Decode<'_, Sqlite> for Id {
    fn decode(value: SqliteValueRef<'_>) -> Result<Self, BoxDynError> {
        Ok(<&str as Decode<Sqlite>>::decode(value)?.parse()?)
    }
}

impl Type<Postgres> for Id {
    fn type_info() -> PgTypeInfo {
        <uuid::Uuid as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Id {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <uuid::Uuid as Encode<Postgres>>::encode_by_ref(self.as_uuid(), buf)
    }
}

impl Decode<'_, Postgres> for Id {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <uuid::Uuid as Decode<Postgres>>::decode(value).map(Id::from_uuid)
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <str as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <str as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.to_storage_text(), buf)
    }
}

impl Decode<'_, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'_>) -> Result<Self, BoxDynError> {
        Ok(Timestamp::parse_rfc3339(<&str as Decode<Sqlite>>::decode(
            value,
        )?)?)
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <chrono::DateTime<chrono::Utc> as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <chrono::DateTime<chrono::Utc> as Encode<Postgres>>::encode_by_ref(self.as_datetime(), buf)
    }
}

impl Decode<'_, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <chrono::DateTime<chrono::Utc> as Decode<Postgres>>::decode(value).map(Timestamp::from)
    }
}

/// Stores each fixed vocabulary as its text on both backends (the columns are
/// `text` with a CHECK listing the same values), so rows carry the typed
/// value and no code compares statuses or roles as strings.
macro_rules! text_column {
    ($($t:ty),+ $(,)?) => {
        $(
            impl Type<Sqlite> for $t {
                fn type_info() -> SqliteTypeInfo {
                    <str as Type<Sqlite>>::type_info()
                }

                fn compatible(ty: &SqliteTypeInfo) -> bool {
                    <str as Type<Sqlite>>::compatible(ty)
                }
            }

            impl Encode<'_, Sqlite> for $t {
                fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
                    <&str as Encode<Sqlite>>::encode(self.as_str(), buf)
                }
            }

            impl Decode<'_, Sqlite> for $t {
                fn decode(value: SqliteValueRef<'_>) -> Result<Self, BoxDynError> {
                    Ok(<&str as Decode<Sqlite>>::decode(value)?.parse::<$t>()?)
                }
            }

            impl Type<Postgres> for $t {
                fn type_info() -> PgTypeInfo {
                    <str as Type<Postgres>>::type_info()
                }

                fn compatible(ty: &PgTypeInfo) -> bool {
                    <str as Type<Postgres>>::compatible(ty)
                }
            }

            impl Encode<'_, Postgres> for $t {
                fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                    <&str as Encode<Postgres>>::encode(self.as_str(), buf)
                }
            }

            impl Decode<'_, Postgres> for $t {
                fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
                    Ok(<&str as Decode<Postgres>>::decode(value)?.parse::<$t>()?)
                }
            }
        )+
    };
}

text_column!(
    crate::Role,
    crate::UserStatus,
    crate::CourseLevel,
    crate::CourseStatus,
    crate::MaterialKind,
    crate::EnrollmentStatus,
    crate::EnrollmentSource,
    crate::ProgressStatus,
    crate::SlotStatus,
    crate::BookingStatus,
    crate::Channel,
    crate::NotificationStatus,
    crate::NotificationKind,
    crate::PaymentStatus,
    crate::PaymentKind,
    crate::PaymentProvider,
    crate::DiscountType,
    crate::ActivityFormat,
    crate::AssessmentKind,
    crate::QuestionKind,
    crate::AttemptStatus,
    crate::CertificateKind,
    crate::CertificateStatus,
    crate::CreditSource,
    crate::Profession,
    crate::RenewalLead,
);
