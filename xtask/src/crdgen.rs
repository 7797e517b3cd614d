//! `cargo xtask crdgen`: regenerates the operator's CRD in `crds/`.
//!
//! The operator binary renders it (`orderflow-operator crd --out-dir`), so that xtask does
//! not compile kube and k8s-openapi itself.

use std::path::Path;

use crate::infra;

/// Writes `crds/orderflow.io_orderflowplatforms.yaml` through the operator binary.
pub fn run(root: &Path) -> anyhow::Result<()> {
    infra::run(
        infra::cargo(root)
            .args([
                "run",
                "--quiet",
                "--package",
                "orderflow-operator",
                "--",
                "crd",
                "--out-dir",
            ])
            .arg(root.join("crds")),
    )
}
