//! Generated credentials: created once, then rebuilt from what the cluster holds.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;

use super::meta::{Component, Platform};
use super::names;

/// The key of the generated admin token in its Secret.
pub(super) const ADMIN_TOKEN_KEY: &str = "token";

/// Values of the Secrets the platform already has, by Secret name and key: what the
/// reconciler lists with [`super::platform_selector`] and passes to [`Self::from_secrets`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExistingSecrets(BTreeMap<String, BTreeMap<String, String>>);

impl ExistingSecrets {
    /// The UTF-8 values of `secrets` (others are skipped: a generated value is always UTF-8).
    pub fn from_secrets<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut existing = Self::default();
        for secret in secrets {
            let (Some(name), Some(data)) = (&secret.metadata.name, &secret.data) else {
                continue;
            };
            for (key, value) in data {
                if let Ok(text) = String::from_utf8(value.0.clone()) {
                    existing.insert(name, key, text);
                }
            }
        }
        existing
    }

    pub fn insert(&mut self, secret: &str, key: &str, value: impl Into<String>) {
        self.0
            .entry(secret.to_owned())
            .or_default()
            .insert(key.to_owned(), value.into());
    }

    pub fn get(&self, secret: &str, key: &str) -> Option<&str> {
        self.0.get(secret)?.get(key).map(String::as_str)
    }

    /// The existing non-empty value, else a generated one.
    pub(super) fn value_or_generate(
        &self,
        secret: &str,
        key: &str,
        generate: &mut dyn FnMut() -> String,
    ) -> String {
        self.get(secret, key)
            .filter(|value| !value.is_empty())
            .map_or_else(generate, str::to_owned)
    }
}

/// A fresh credential: 122 random bits (a v4 UUID) as 32 hex digits, safe in URLs unescaped.
pub fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A Secret holding `data`.
pub(super) fn secret(
    platform: &Platform<'_>,
    name: String,
    component: &Component,
    data: BTreeMap<String, String>,
) -> Secret {
    Secret {
        metadata: platform.metadata(name, component),
        type_: Some("Opaque".to_owned()),
        data: Some(
            data.into_iter()
                .map(|(key, value)| (key, ByteString(value.into_bytes())))
                .collect(),
        ),
        ..Secret::default()
    }
}

/// The services' admin token, when the spec names no Secret of its own.
pub(super) fn admin_token(
    platform: &Platform<'_>,
    existing: &ExistingSecrets,
    generate: &mut dyn FnMut() -> String,
) -> Secret {
    let name = names::admin_token(platform.name);
    let token = existing.value_or_generate(&name, ADMIN_TOKEN_KEY, generate);
    let component = Component::new("orderflow", "admin-token", platform.spec.version.as_str());
    secret(
        platform,
        name,
        &component,
        BTreeMap::from([(ADMIN_TOKEN_KEY.to_owned(), token)]),
    )
}
