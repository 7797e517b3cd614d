//! The repository files the compose file refers to: the workspace's packages and binaries,
//! the Dockerfile, PostgreSQL init scripts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the test kit lives in the workspace")
        .to_owned()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The workspace's member directories, relative to its root.
pub fn workspace_members() -> Vec<String> {
    let manifest: DocumentMut = read(&repo().join("Cargo.toml")).parse().unwrap();
    manifest
        .get("workspace")
        .and_then(|workspace| workspace.get("members"))
        .and_then(Item::as_array)
        .expect("workspace.members")
        .iter()
        .map(|member| member.as_str().expect("member path").to_owned())
        .collect()
}

/// Binary targets of every workspace package, found as cargo finds them.
pub fn workspace_binaries() -> BTreeMap<String, BTreeSet<String>> {
    workspace_members()
        .into_iter()
        .map(|member| {
            assert!(!member.contains('*'), "member globs: teach this test");
            let dir = repo().join(&member);
            let manifest: DocumentMut = read(&dir.join("Cargo.toml")).parse().unwrap();
            let package = manifest.get("package").expect("[package]");
            let name = package
                .get("name")
                .and_then(Item::as_str)
                .expect("package.name")
                .to_owned();
            let mut binaries = BTreeSet::new();
            if package.get("autobins").and_then(Item::as_bool) != Some(false) {
                if dir.join("src/main.rs").is_file() {
                    binaries.insert(name.clone());
                }
                for entry in std::fs::read_dir(dir.join("src/bin")).into_iter().flatten() {
                    let path = entry.unwrap().path();
                    if path.extension().is_some_and(|ext| ext == "rs") {
                        binaries.insert(path.file_stem().unwrap().to_string_lossy().into_owned());
                    } else if path.join("main.rs").is_file() {
                        binaries.insert(path.file_name().unwrap().to_string_lossy().into_owned());
                    }
                }
            }
            for bin in manifest
                .get("bin")
                .and_then(Item::as_array_of_tables)
                .into_iter()
                .flatten()
            {
                if let Some(bin) = bin.get("name").and_then(Item::as_str) {
                    binaries.insert(bin.to_owned());
                }
            }
            (name, binaries)
        })
        .collect()
}

/// The Dockerfile as instructions: comments dropped, continuation lines joined.
pub struct Dockerfile(Vec<String>);

impl Dockerfile {
    pub fn read(path: &Path) -> Self {
        let mut instructions = Vec::new();
        let mut current = String::new();
        for line in read(path).lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
                continue;
            }
            match trimmed.strip_suffix('\\') {
                Some(part) => {
                    current.push_str(part);
                    current.push(' ');
                }
                None => {
                    current.push_str(trimmed);
                    instructions.push(std::mem::take(&mut current));
                }
            }
        }
        Self(instructions)
    }

    /// The arguments of every instruction with this keyword (`ARG`, `COPY`, …).
    pub fn with_keyword<'a>(&'a self, keyword: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter_map(move |instruction| {
            let (first, rest) = instruction.split_once(char::is_whitespace)?;
            first.eq_ignore_ascii_case(keyword).then_some(rest.trim())
        })
    }

    /// Each build stage's instructions, from its FROM on.
    pub fn stages(&self) -> Vec<Dockerfile> {
        let mut stages: Vec<Dockerfile> = Vec::new();
        for instruction in &self.0 {
            let starts_stage = instruction
                .split_whitespace()
                .next()
                .is_some_and(|keyword| keyword.eq_ignore_ascii_case("FROM"));
            match stages.last_mut() {
                Some(stage) if !starts_stage => stage.0.push(instruction.clone()),
                _ => stages.push(Dockerfile(vec![instruction.clone()])),
            }
        }
        stages
    }

    /// Whether some instruction contains `text`.
    pub fn mentions(&self, text: &str) -> bool {
        self.0.iter().any(|instruction| instruction.contains(text))
    }

    /// Declared build arguments and their defaults.
    pub fn args(&self) -> BTreeMap<String, Option<String>> {
        self.with_keyword("ARG")
            .map(|arg| match arg.split_once('=') {
                Some((name, default)) => {
                    (name.to_owned(), Some(default.trim_matches('"').to_owned()))
                }
                None => (arg.to_owned(), None),
            })
            .collect()
    }
}

/// What the init scripts create: login roles with their passwords, databases with their owners.
#[derive(Debug, Default)]
pub struct InitSql {
    pub roles: BTreeMap<String, String>,
    pub databases: BTreeMap<String, String>,
}

impl InitSql {
    pub fn parse(sql: &str) -> Self {
        let mut created = Self::default();
        let uncommented: String = sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        for statement in uncommented.split(';') {
            let words: Vec<&str> = statement.split_whitespace().collect();
            let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
            let after = |keyword: &str| {
                upper
                    .iter()
                    .position(|w| w == keyword)
                    .and_then(|i| words.get(i + 1))
                    .map(|w| unquote(w))
            };
            match upper.get(..2) {
                Some([create, role])
                    if create == "CREATE" && (role == "ROLE" || role == "USER") =>
                {
                    let login = role == "USER" || upper.iter().any(|w| w == "LOGIN");
                    if let (Some(name), Some(password), true) =
                        (words.get(2), after("PASSWORD"), login)
                    {
                        created.roles.insert(unquote(name), password);
                    }
                }
                Some([create, database]) if create == "CREATE" && database == "DATABASE" => {
                    if let (Some(name), Some(owner)) = (words.get(2), after("OWNER")) {
                        created.databases.insert(unquote(name), owner);
                    }
                }
                _ => {}
            }
        }
        created
    }
}

fn unquote(word: &str) -> String {
    word.trim_matches(|c| c == '"' || c == '\'').to_owned()
}
