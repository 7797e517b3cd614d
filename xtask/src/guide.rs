//! What `up` prints once everything is ready: where each part is, and a first order to place
//! through the gateway.

use std::path::Path;

use crate::state;

/// The addresses of a running platform.
pub struct Addresses<'a> {
    pub gateway: &'a str,
    /// Each service but the gateway, with its base URL.
    pub services: Vec<(&'a str, &'a str)>,
    pub infrastructure: &'a [state::Infrastructure],
    pub mailpit: Option<&'a str>,
    pub logs: &'a Path,
    pub admin_token: &'a str,
}

/// The table of URLs, one part a line.
pub fn urls(addresses: &Addresses<'_>) -> String {
    let gateway = addresses.gateway;
    let mut rows = vec![(
        "gateway".to_owned(),
        format!("{gateway}   API under {gateway}/api, docs {gateway}/docs"),
    )];
    rows.extend(
        addresses
            .services
            .iter()
            .map(|(name, url)| ((*name).to_owned(), format!("{url}/docs"))),
    );
    rows.extend(
        addresses
            .infrastructure
            .iter()
            .map(|server| (server.name.clone(), server.address.clone())),
    );
    if let Some(mailpit) = addresses.mailpit {
        rows.push(("Mailpit".to_owned(), mailpit.to_owned()));
    }
    rows.push((
        "logs".to_owned(),
        format!("{}/<name>.log", addresses.logs.display()),
    ));
    rows.push((
        "admin token".to_owned(),
        format!(
            "{}   (Authorization: Bearer …, on {gateway}/api/admin/<service>/…)",
            addresses.admin_token
        ),
    ));
    let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(name, value)| format!("  {name:<width$}  {value}\n"))
        .collect()
}

/// A shell snippet that places an order through the gateway and shows it settled: it keeps
/// the ids it is given (without `jq`), and retries the two calls that wait for the order
/// service to learn, from the broker, of the new customer and of the catalogue.
pub fn order_example(gateway: &str) -> String {
    r#"API=@GATEWAY@/api
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d '"' -f 4; }
retry() { for i in 1 2 3 4 5 6 7 8 9 10; do "$@" && return 0; sleep 0.5; done; return 1; }
CUSTOMER=$(curl -sf "$API/customers" -H 'content-type: application/json' \
  -d "{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"email\":\"ada.$(date +%s)@example.com\"}" | field id)
PRODUCT=$(curl -sf "$API/products?per_page=100" | grep -o '"id":"[^"]*","sku":"MUG-BLUE-350ML"' | cut -d '"' -f 4)
ORDER=$(curl -sf "$API/orders" -H 'content-type: application/json' -d "{\"customerId\":\"$CUSTOMER\"}" | field id)
retry curl -sf -o /dev/null "$API/orders/$ORDER/lines" -H 'content-type: application/json' \
  -d "{\"productId\":\"$PRODUCT\",\"quantity\":2}"
retry curl -sf -o /dev/null -X POST "$API/orders/$ORDER/place"
for i in $(seq 40); do STATUS=$(curl -sf "$API/orders/$ORDER" | field status); [ "$STATUS" = Placed ] || break; sleep 0.5; done
echo "order $ORDER is $STATUS"; curl -s "$API/orders/$ORDER"; echo
"#
    .replace("@GATEWAY@", gateway)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn the_table_lists_every_part_aligned() {
        let infrastructure = [state::Infrastructure {
            name: "PostgreSQL".into(),
            address: "postgres://postgres@127.0.0.1:55432/postgres".into(),
            probe: "127.0.0.1:55432".into(),
        }];
        let logs = PathBuf::from(".orderflow/logs");
        let table = urls(&Addresses {
            gateway: "http://127.0.0.1:8080",
            services: vec![("customer", "http://127.0.0.1:8081")],
            infrastructure: &infrastructure,
            mailpit: Some("http://127.0.0.1:8025"),
            logs: &logs,
            admin_token: "orderflow-dev",
        });
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "  gateway      http://127.0.0.1:8080   API under http://127.0.0.1:8080/api, docs http://127.0.0.1:8080/docs"
        );
        assert_eq!(lines[1], "  customer     http://127.0.0.1:8081/docs");
        assert_eq!(
            lines[2],
            "  PostgreSQL   postgres://postgres@127.0.0.1:55432/postgres"
        );
        assert_eq!(lines[3], "  Mailpit      http://127.0.0.1:8025");
        assert_eq!(lines[4], "  logs         .orderflow/logs/<name>.log");
        assert!(lines[5].starts_with("  admin token  orderflow-dev"));
    }

    #[test]
    fn the_example_goes_through_the_gateway_only() {
        let example = order_example("http://127.0.0.1:8080");
        assert!(example.starts_with("API=http://127.0.0.1:8080/api\n"));
        for call in [
            "\"$API/customers\"",
            "\"$API/products?per_page=100\"",
            "\"$API/orders\"",
            "\"$API/orders/$ORDER/lines\"",
            "\"$API/orders/$ORDER/place\"",
        ] {
            assert!(example.contains(call), "{call}");
        }
        for port in 8081..=8085 {
            assert!(
                !example.contains(&format!(":{port}")),
                "{port} is called directly"
            );
        }
    }

    /// The snippet's own `field` extraction, run by `sh` on bodies shaped like the services'.
    #[test]
    fn the_example_finds_ids_and_the_status_without_jq() {
        let example = order_example("http://x");
        let field = example
            .lines()
            .find(|line| line.starts_with("field()"))
            .unwrap();
        let script = format!(
            "{field}\nprintf '%s' '{{\"id\":\"0191-a\",\"customerId\":\"0191-c\",\"status\":\"Confirmed\",\"history\":[{{\"status\":\"Draft\"}}]}}' | field status\n\
             printf '%s' '{{\"items\":[{{\"id\":\"p1\",\"sku\":\"TEE\"}},{{\"id\":\"p2\",\"sku\":\"MUG-BLUE-350ML\"}}]}}' | grep -o '\"id\":\"[^\"]*\",\"sku\":\"MUG-BLUE-350ML\"' | cut -d '\"' -f 4\n"
        );
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "Confirmed\np2\n");
    }
}
