//! `cargo xtask crdgen`: regenerates the operator's CRD in `crds/` and the chart's copy.
//!
//! The operator binary renders it (`orderflow-operator crd --out-dir`), so that xtask does
//! not compile kube and k8s-openapi itself.

use std::path::Path;

use anyhow::Context as _;

use crate::infra;

const CRD_FILE: &str = "orderflow.io_orderflowplatforms.yaml";

/// Writes `crds/orderflow.io_orderflowplatforms.yaml` through the operator binary, then copies
/// it into `charts/orderflow-operator/crds/` (Helm installs CRDs only from the chart's own
/// directory, and a chart test fails when the two differ).
pub fn run(root: &Path) -> anyhow::Result<()> {
    infra::run(infra::operator(root, &["crd", "--out-dir"]).arg(root.join("crds")))?;
    let from = root.join("crds").join(CRD_FILE);
    let to = root.join("charts/orderflow-operator/crds").join(CRD_FILE);
    std::fs::copy(&from, &to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    println!("copied to {}", to.display());
    Ok(())
}
