//! Typed identifiers: one UUID-based mechanism, a distinct type per aggregate.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Marks what an [`Id`] identifies, so a customer id can't be passed where an
/// order id is expected.
///
/// ```
/// use orderflow_kernel::{Id, IdKind};
///
/// enum Order {}
/// impl IdKind for Order {
///     const NAME: &'static str = "order";
/// }
/// type OrderId = Id<Order>;
///
/// let id = OrderId::new();
/// assert_eq!(id.to_string().parse::<OrderId>().ok(), Some(id));
/// ```
pub trait IdKind {
    /// Lower-case noun used in error messages, e.g. `"customer"`.
    const NAME: &'static str;
}

/// A UUID tagged with the kind of thing it identifies.
///
/// New ids are UUIDv7: they sort by creation time, which keeps database
/// indexes compact and makes ids roughly chronological.
pub struct Id<K: IdKind> {
    uuid: Uuid,
    // fn() -> K: no ownership of a K, so Send/Sync/variance don't depend on K.
    kind: PhantomData<fn() -> K>,
}

/// A string that is not a valid id of the named kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id: {source}")]
pub struct IdError {
    kind: &'static str,
    source: uuid::Error,
}

impl IdError {
    /// The [`IdKind::NAME`] of the id that failed to parse.
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

impl<K: IdKind> Id<K> {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }

    /// Wraps an existing UUID, e.g. one loaded from the database.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            kind: PhantomData,
        }
    }

    pub const fn as_uuid(&self) -> Uuid {
        self.uuid
    }
}

impl<K: IdKind> Default for Id<K> {
    /// A fresh id, like [`Id::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<K: IdKind> Clone for Id<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: IdKind> Copy for Id<K> {}

impl<K: IdKind> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}

impl<K: IdKind> Eq for Id<K> {}

impl<K: IdKind> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}

impl<K: IdKind> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: IdKind> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

impl<K: IdKind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id<{}>({})", K::NAME, self.uuid)
    }
}

impl<K: IdKind> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uuid.hyphenated(), f)
    }
}

impl<K: IdKind> FromStr for Id<K> {
    type Err = IdError;

    /// Accepts any UUID spelling the `uuid` crate does (hyphenated, simple, braced, URN).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(Self::from_uuid)
            .map_err(|source| IdError {
                kind: K::NAME,
                source,
            })
    }
}

impl<K: IdKind> From<Id<K>> for Uuid {
    fn from(id: Id<K>) -> Self {
        id.uuid
    }
}

impl<K: IdKind> Serialize for Id<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = Uuid::encode_buffer();
        serializer.serialize_str(self.uuid.hyphenated().encode_lower(&mut buffer))
    }
}

impl<'de, K: IdKind> Deserialize<'de> for Id<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(IdVisitor(PhantomData))
    }
}

struct IdVisitor<K>(PhantomData<fn() -> K>);

impl<K: IdKind> Visitor<'_> for IdVisitor<K> {
    type Value = Id<K>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} id (UUID string)", K::NAME)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        value.parse().map_err(E::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A kind with no derives at all, proving `Id` needs no bounds on `K`.
    enum Customer {}
    impl IdKind for Customer {
        const NAME: &'static str = "customer";
    }
    type CustomerId = Id<Customer>;

    const SAMPLE: &str = "0190b8a2-7c3e-7d4f-8a1b-2c3d4e5f6a7b";

    #[test]
    fn new_ids_are_version_7_and_unique() {
        let ids: HashSet<CustomerId> = (0..1000).map(|_| CustomerId::new()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.as_uuid().get_version_num() == 7));
    }

    #[test]
    fn ids_sort_by_creation_time() {
        let ids: Vec<CustomerId> = (0..1000).map(|_| CustomerId::new()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let earlier = CustomerId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(earlier < CustomerId::new());
    }

    #[test]
    fn wraps_and_unwraps_uuid() {
        let uuid = Uuid::parse_str(SAMPLE).unwrap();
        let id = CustomerId::from_uuid(uuid);
        assert_eq!(id.as_uuid(), uuid);
        assert_eq!(Uuid::from(id), uuid);
    }

    #[test]
    fn display_from_str_round_trip() {
        let id: CustomerId = SAMPLE.parse().unwrap();
        assert_eq!(id.to_string(), SAMPLE);
        let fresh = CustomerId::new();
        assert_eq!(fresh.to_string().parse::<CustomerId>().unwrap(), fresh);
    }

    #[test]
    fn display_is_lower_case_hyphenated_even_for_other_spellings() {
        let id: CustomerId = "0190B8A27C3E7D4F8A1B2C3D4E5F6A7B".parse().unwrap();
        assert_eq!(id.to_string(), SAMPLE);
    }

    #[test]
    fn rejects_garbage_naming_the_kind() {
        for input in [
            "",
            "not-a-uuid",
            "0190b8a2-7c3e-7d4f-8a1b-2c3d4e5f6a7",
            "12345",
        ] {
            let err = input.parse::<CustomerId>().unwrap_err();
            assert_eq!(err.kind(), "customer");
            assert!(
                err.to_string().starts_with("invalid customer id: "),
                "{err}"
            );
        }
    }

    #[test]
    fn debug_names_the_kind() {
        let id: CustomerId = SAMPLE.parse().unwrap();
        assert_eq!(format!("{id:?}"), format!("Id<customer>({SAMPLE})"));
    }

    #[test]
    fn copies_compare_equal_and_hash_alike() {
        let id = CustomerId::new();
        let copy = id;
        assert_eq!(id, copy);
        let set: HashSet<_> = [id, copy].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_ne!(id, CustomerId::new());
    }

    #[test]
    fn serde_as_plain_uuid_string() {
        let id: CustomerId = SAMPLE.parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{SAMPLE}\""));
        assert_eq!(serde_json::from_str::<CustomerId>(&json).unwrap(), id);
    }

    #[test]
    fn serde_rejects_garbage() {
        let err = serde_json::from_str::<CustomerId>(r#""nope""#).unwrap_err();
        assert!(err.to_string().contains("invalid customer id"), "{err}");
        let err = serde_json::from_str::<CustomerId>("42").unwrap_err();
        assert!(err.to_string().contains("a customer id"), "{err}");
        assert!(serde_json::from_str::<CustomerId>("null").is_err());
    }
}
