//! Paged collections: `?page=1&per_page=20` in, `{"items", "page", "perPage", "total"}` out.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{AppError, FieldError};

const DEFAULT_PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;

/// Paging query parameters as they arrive.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

impl PageParams {
    pub fn validate(self) -> Result<PageRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let page = self.page.unwrap_or(1);
        if page == 0 {
            errors.push(FieldError::new("page", "page starts at 1"));
        }
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.push(FieldError::new(
                "per_page",
                format!("per_page must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok(PageRequest { page, per_page })
        } else {
            Err(errors)
        }
    }
}

impl TryFrom<PageParams> for PageRequest {
    type Error = AppError;

    fn try_from(params: PageParams) -> Result<Self, Self::Error> {
        params.validate().map_err(AppError::Validation)
    }
}

/// One page of a collection.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Number of items in the whole collection (under the same filters).
    pub total: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, request: PageRequest, total: i64) -> Self {
        Self {
            items,
            page: request.page,
            per_page: request.per_page,
            total,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_first_page_of_twenty() {
        let request = PageParams::default().validate().ok();
        assert_eq!(
            request,
            Some(PageRequest {
                page: 1,
                per_page: 20
            })
        );
    }

    #[test]
    fn offsets_follow_the_page() {
        let request = PageRequest {
            page: 3,
            per_page: 25,
        };
        assert_eq!((request.offset(), request.limit()), (50, 25));
    }

    #[test]
    fn out_of_range_values_are_field_errors() {
        let errors = PageParams {
            page: Some(0),
            per_page: Some(101),
        }
        .validate()
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_ref()).collect();
        assert_eq!(fields, ["page", "per_page"]);
        assert!(
            PageParams {
                page: Some(1),
                per_page: Some(100)
            }
            .validate()
            .is_ok()
        );
    }
}
