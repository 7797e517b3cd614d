//! `cargo xtask autoscale-sim`: plots the lag autoscaler's decisions over a synthetic load.
//!
//! The operator binary runs the simulation (`orderflow-operator autoscale-sim --out`), as for
//! `crdgen`, so that xtask does not compile kube and k8s-openapi itself.

use std::path::{Path, PathBuf};

use crate::infra;

/// Where the plot goes: `<target dir>/autoscale-sim.svg`, honouring `CARGO_TARGET_DIR`.
pub fn output(root: &Path, target_dir: Option<PathBuf>) -> PathBuf {
    target_dir
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"))
        .join("autoscale-sim.svg")
}

/// Runs the simulation and writes the plot; the operator prints the path and the figures.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let out = output(
        root,
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from),
    );
    infra::run(infra::operator(root, &["autoscale-sim", "--out"]).arg(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_goes_into_the_target_dir() {
        let root = Path::new("/repo");
        assert_eq!(
            output(root, None),
            Path::new("/repo/target/autoscale-sim.svg")
        );
        assert_eq!(
            output(root, Some(PathBuf::from("/tmp/t"))),
            Path::new("/tmp/t/autoscale-sim.svg")
        );
        assert_eq!(
            output(root, Some(PathBuf::from("out"))),
            Path::new("/repo/out/autoscale-sim.svg")
        );
    }
}
