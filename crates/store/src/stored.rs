//! Records declared once: `stored_record!` writes the struct, how it binds its columns and how it
//! reads them back, on both engines, so a column cannot be bound in the wrong order. Used by the
//! justice and prevention tables; saved with one version-guarded upsert.

/// A record stored as one row with the same column names as its fields.
pub trait Stored<DB: sqlx::Database>: Sized {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn bind_all<'q>(
        &self,
        q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>;
    fn from_row(row: &<DB as sqlx::Database>::Row) -> Result<Self, sqlx::Error>;
}

macro_rules! stored_record {
    ($(#[$m:meta])* $name:ident, $table:literal { $($(#[$fm:meta])* $field:ident : $ty:ty),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name { $($(#[$fm])* pub $field: $ty),+ }
        stored_record!(@impl $name, $table, sqlx::Sqlite, { $($field),+ });
        stored_record!(@impl $name, $table, sqlx::Postgres, { $($field),+ });
    };
    (@impl $name:ident, $table:literal, $db:ty, { $($field:ident),+ }) => {
        impl $crate::Stored<$db> for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];
            fn bind_all<'q>(
                &self,
                q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
                $( let q = q.bind(&self.$field); )+
                q
            }
            fn from_row(row: &<$db as sqlx::Database>::Row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self { $($field: row.try_get(stringify!($field))?),+ })
            }
        }
    };
}
