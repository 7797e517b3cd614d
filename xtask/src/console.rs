//! The launcher's terminal: every process's lines interleaved, each behind its name, coloured
//! when a person is watching.

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};

/// ANSI foreground colours, cycled through the processes in start order.
const PALETTE: &[&str] = &["36", "33", "32", "35", "34", "31", "96", "93"];
const RESET: &str = "\x1b[0m";

/// Colours only for a terminal, and never when `NO_COLOR` is set to anything but nothing
/// (<https://no-color.org>).
pub fn colour_wanted(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// Formats lines as `name | line`, names padded to one width and each given its colour.
#[derive(Debug, Clone)]
pub struct Prefixer {
    names: Vec<&'static str>,
    width: usize,
    colour: bool,
}

impl Prefixer {
    pub fn new(names: Vec<&'static str>, colour: bool) -> Self {
        let width = names.iter().map(|name| name.len()).max().unwrap_or(0);
        Self {
            names,
            width,
            colour,
        }
    }

    /// For this process's stdout.
    pub fn for_stdout(names: Vec<&'static str>) -> Self {
        let colour = colour_wanted(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        Self::new(names, colour)
    }

    pub fn format(&self, name: &str, line: &str) -> String {
        let width = self.width;
        match self.names.iter().position(|known| *known == name) {
            Some(index) if self.colour => {
                let colour = PALETTE[index % PALETTE.len()];
                format!("\x1b[{colour}m{name:<width$} |{RESET} {line}")
            }
            _ => format!("{name:<width$} | {line}"),
        }
    }

    /// Writes one line to stdout at once, so lines of several processes never mix.
    pub fn print(&self, name: &str, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed terminal must not stop the platform; the log files still get everything.
        let _ = writeln!(out, "{}", self.format(name, line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_padded_to_the_longest() {
        let prefixer = Prefixer::new(vec!["order", "notification"], false);
        assert_eq!(prefixer.format("order", "hi"), "order        | hi");
        assert_eq!(prefixer.format("notification", "x"), "notification | x");
    }

    #[test]
    fn each_process_gets_its_own_colour_and_the_line_stays_plain() {
        let prefixer = Prefixer::new(vec!["customer", "order"], true);
        assert_eq!(
            prefixer.format("customer", "ready"),
            "\x1b[36mcustomer |\x1b[0m ready"
        );
        assert_eq!(
            prefixer.format("order", "ready"),
            "\x1b[33morder    |\x1b[0m ready"
        );
    }

    #[test]
    fn an_unknown_name_is_prefixed_without_colour() {
        let prefixer = Prefixer::new(vec!["order"], true);
        assert_eq!(prefixer.format("up", "x"), "up    | x");
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(colour_wanted(true, None));
        assert!(colour_wanted(true, Some(OsStr::new(""))));
        assert!(!colour_wanted(true, Some(OsStr::new("1"))));
        assert!(!colour_wanted(false, None));
    }
}
