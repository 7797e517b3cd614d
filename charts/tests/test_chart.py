"""Renders the operator's Helm chart with Helm's own Go SDK and checks what it would install.

No helm binary and no cluster are needed: `helm-python-sdk` renders the templates offline, as
`helm template` does. Run it with `cargo xtask test`, or by hand:

    python3 -m venv .venv && .venv/bin/pip install -r charts/tests/requirements.txt
    .venv/bin/python -m unittest discover -s charts/tests -v

What only a cluster can verify (that the apiserver accepts the objects, that the operator
works with these permissions) is kind/up.sh's job.
"""

from __future__ import annotations

import re
import unittest
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "orderflow-operator"
CRD = ROOT / "crds" / "orderflow.io_orderflowplatforms.yaml"
CONTRACT = CHART / "rbac-contract.yaml"
FIXTURES = ROOT / "operator" / "tests" / "fixtures"
OBJECTS = ROOT / "operator" / "src" / "build" / "object.rs"
OPERATOR_SRC = ROOT / "operator" / "src"
MONITORING = OPERATOR_SRC / "build" / "monitoring.rs"

RELEASE = "orderflow-operator"
NAMESPACE = "orderflow-system"
WATCHED = "shop"

# Where each Kubernetes kind the operator may touch lives in the API: (apiGroup, resource).
# A kind the operator starts to use must be added here and to rbac-contract.yaml.
API_RESOURCES: dict[str, tuple[str, str]] = {
    "OrderFlowPlatform": ("orderflow.io", "orderflowplatforms"),
    "Deployment": ("apps", "deployments"),
    "StatefulSet": ("apps", "statefulsets"),
    "Service": ("", "services"),
    "ConfigMap": ("", "configmaps"),
    "Secret": ("", "secrets"),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
    "Ingress": ("networking.k8s.io", "ingresses"),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets"),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers"),
    "ServiceMonitor": ("monitoring.coreos.com", "servicemonitors"),
    "Event": ("events.k8s.io", "events"),
    "Lease": ("coordination.k8s.io", "leases"),
}
# What the reconciler does with every object it builds: server-side apply (patch), create
# (Secrets generated once), watches on owned objects (get, list, watch), orphan deletion.
OWNED_VERBS = {"get", "list", "watch", "create", "patch", "delete"}
RECOMMENDED_LABELS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
}

Grant = tuple[str, str, str]  # (apiGroup, resource, verb)


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The chart's objects, as an install with these values would create them."""
    with helm.Chart.load(CHART) as chart:
        manifests = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = []
    for template, text in sorted(manifests.items()):
        if not template.endswith((".yaml", ".yml")):
            continue
        for document in yaml.safe_load_all(text):
            if document is not None:
                objects.append(document)
    return objects


def contract() -> list[dict[str, Any]]:
    return yaml.safe_load(CONTRACT.read_text())["rules"]


def contract_grants(scope: str | None = None) -> set[Grant]:
    return {
        (rule["apiGroup"], resource, verb)
        for rule in contract()
        if scope is None or rule["scope"] == scope
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def granted(role: dict[str, Any]) -> set[Grant]:
    """Every (apiGroup, resource, verb) a Role or ClusterRole grants, wildcards spelled out as '*'."""
    return {
        (group, resource, verb)
        for rule in role.get("rules") or []
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule.get("verbs", [])
    }


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind} {name or ''}, found {len(found)}")
    return found[0]


def bound_roles(objects: list[dict[str, Any]], service_account: str) -> list[tuple[dict, dict]]:
    """(binding, role) pairs that bind a role of the chart to the operator's ServiceAccount."""
    pairs = []
    for binding in objects:
        if binding["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        subjects = binding.get("subjects") or []
        if not any(
            s["kind"] == "ServiceAccount"
            and s["name"] == service_account
            and s["namespace"] == NAMESPACE
            for s in subjects
        ):
            continue
        ref = binding["roleRef"]
        role = one(objects, ref["kind"], ref["name"])
        pairs.append((binding, role))
    return pairs


def schema_errors(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Checks a value against a CRD's structural OpenAPI schema: types, enums, required and
    unknown fields, the way the apiserver's pruning and validation would see them (CEL rules
    and formats are left to the operator's own tests)."""
    at = path or "."
    if value is None:
        return [] if schema.get("nullable") else [f"{at}: null is not allowed"]
    errors: list[str] = []
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            errors.append(f"{at}: expected an integer or a string")
        return errors
    expected = schema.get("type")
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
    }
    if expected and not checks[expected](value):
        return [f"{at}: expected {expected}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{at}: missing required field {key}")
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                errors += schema_errors(item, properties[key], f"{path}.{key}")
            elif isinstance(additional, dict):
                errors += schema_errors(item, additional, f"{path}.{key}")
            elif properties is not None and not schema.get("x-kubernetes-preserve-unknown-fields"):
                errors.append(f"{at}: unknown field {key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{index}]")
    for keyword, accept in (("oneOf", lambda n: n == 1), ("anyOf", lambda n: n >= 1)):
        if keyword in schema:
            matches = sum(not schema_errors(value, sub, path) for sub in schema[keyword])
            if not accept(matches):
                errors.append(f"{at}: {matches} of the {keyword} alternatives match")
    for sub in schema.get("allOf", []):
        errors += schema_errors(value, sub, path)
    return errors


def platform_schema() -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    return version["schema"]["openAPIV3Schema"]


class RenderedChart(unittest.TestCase):
    """Defaults: every namespace watched, one replica, leader election configured."""

    values: dict[str, Any] = {}

    @classmethod
    def setUpClass(cls) -> None:
        cls.objects = render(cls.values)

    def test_every_object_is_a_complete_kubernetes_object_with_the_recommended_labels(self):
        self.assertTrue(self.objects)
        for obj in self.objects:
            with self.subTest(kind=obj.get("kind"), name=obj.get("metadata", {}).get("name")):
                self.assertIsInstance(obj.get("apiVersion"), str)
                self.assertIsInstance(obj.get("kind"), str)
                self.assertTrue(obj["metadata"]["name"])
                labels = obj["metadata"].get("labels") or {}
                self.assertLessEqual(RECOMMENDED_LABELS, set(labels))
                self.assertEqual(labels["app.kubernetes.io/part-of"], "orderflow")

    def expected_kinds(self) -> list[str]:
        return sorted(
            [
                "ClusterRole",
                "ClusterRoleBinding",
                "Deployment",
                "Role",
                "RoleBinding",
                "Service",
                "ServiceAccount",
            ]
        )

    def test_installs_the_expected_kinds(self):
        self.assertEqual(sorted(o["kind"] for o in self.objects), self.expected_kinds())

    def service_account(self) -> str:
        return one(self.objects, "ServiceAccount")["metadata"]["name"]

    def watched_role(self) -> dict[str, Any]:
        return one(self.objects, "ClusterRole")

    def test_rbac_grants_exactly_the_contract(self):
        pairs = bound_roles(self.objects, self.service_account())
        self.assertEqual(
            len(pairs), len([o for o in self.objects if o["kind"] in ("Role", "ClusterRole")])
        )
        watched = self.watched_role()
        self.assertEqual(granted(watched), contract_grants("watched"))
        lease_role = one(self.objects, "Role", f"{RELEASE}-leader-election")
        self.assertEqual(lease_role["metadata"]["namespace"], NAMESPACE)
        self.assertEqual(granted(lease_role), contract_grants("operator"))
        for _, role in pairs:
            for group, resource, verb in granted(role):
                self.assertNotIn("*", (group, resource, verb), f"wildcard in {role['metadata']}")

    def test_deployment_runs_restricted_with_probes_and_its_configuration(self):
        deployment = one(self.objects, "Deployment")
        pod = deployment["spec"]["template"]["spec"]
        self.assertEqual(deployment["spec"]["replicas"], 1)
        self.assertEqual(pod["serviceAccountName"], self.service_account())
        self.assertLessEqual(
            deployment["spec"]["selector"]["matchLabels"].items(),
            deployment["spec"]["template"]["metadata"]["labels"].items(),
        )
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault")
        (container,) = pod["containers"]
        self.assertEqual(container["image"], "orderflow/orderflow-operator:0.1.0")
        security = container["securityContext"]
        self.assertIs(security["allowPrivilegeEscalation"], False)
        self.assertIs(security["readOnlyRootFilesystem"], True)
        self.assertIs(security["runAsNonRoot"], True)
        self.assertEqual(security["capabilities"]["drop"], ["ALL"])
        self.assertEqual(security["seccompProfile"]["type"], "RuntimeDefault")
        self.assertIn("limits", container["resources"])
        self.assertIn("requests", container["resources"])

        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe, path in (
            ("startupProbe", "/health/live"),
            ("livenessProbe", "/health/live"),
            ("readinessProbe", "/health/ready"),
        ):
            get = container[probe]["httpGet"]
            self.assertEqual(get["path"], path, probe)
            port = get["port"]
            self.assertEqual(ports.get(port, port), 8090, probe)

        env = {e["name"]: e for e in container["env"]}
        self.assertEqual(env["HTTP_ADDR"]["value"], "0.0.0.0:8090")
        self.assertEqual(
            env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.namespace"
        )
        # The leader-election identity and the Events' reporting instance.
        self.assertEqual(env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name")
        self.assertEqual(env["LEADER_ELECTION"]["value"], "true")
        self.assertEqual(env["LEASE_NAME"]["value"], "orderflow-operator")
        self.check_watch_namespace(env)

    def check_watch_namespace(self, env: dict[str, Any]) -> None:
        self.assertNotIn("WATCH_NAMESPACE", env)

    def test_metrics_service_selects_the_operator_on_port_8090(self):
        service = one(self.objects, "Service")
        pod_labels = one(self.objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
        self.assertLessEqual(service["spec"]["selector"].items(), pod_labels.items())
        (port,) = service["spec"]["ports"]
        self.assertEqual(port["port"], 8090)
        self.assertEqual(port["targetPort"], "http")


class RenderedChartWatchingOneNamespace(RenderedChart):
    """watchNamespace set: a Role in that namespace instead of a ClusterRole."""

    values = {"watchNamespace": WATCHED}

    def expected_kinds(self) -> list[str]:
        return sorted(["Deployment", "Role", "Role", "RoleBinding", "RoleBinding", "Service",
                       "ServiceAccount"])

    def watched_role(self) -> dict[str, Any]:
        role = one(self.objects, "Role", RELEASE)
        self.assertEqual(role["metadata"]["namespace"], WATCHED)
        binding = one(self.objects, "RoleBinding", RELEASE)
        self.assertEqual(binding["metadata"]["namespace"], WATCHED)
        return role

    def check_watch_namespace(self, env: dict[str, Any]) -> None:
        self.assertEqual(env["WATCH_NAMESPACE"]["value"], WATCHED)


class ChartLint(unittest.TestCase):
    def test_helm_lint_strict_finds_no_warning_or_error(self):
        for values in ({}, {"watchNamespace": WATCHED}):
            with self.subTest(values=values):
                report = helm.lint(
                    CHART, values, strict=True, namespace=NAMESPACE, kube_version="v1.30.0"
                )
                self.assertEqual(report["errors"], [])
                # Severity 1 is information (such as "icon is recommended").
                problems = [m for m in report["messages"] if m["severity"] > 1]
                self.assertEqual(problems, [])


class ChartValues(unittest.TestCase):
    def test_without_leader_election_one_replica_and_no_lease_role(self):
        objects = render({"leaderElection": {"enabled": False}, "replicas": 1})
        deployment = one(objects, "Deployment")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        self.assertEqual(env["LEADER_ELECTION"], "false")
        self.assertEqual(deployment["spec"]["replicas"], 1)
        self.assertNotIn("Role", [o["kind"] for o in objects])

    def test_replicas_without_leader_election_are_refused(self):
        with self.assertRaisesRegex(helm.HelmError, "leaderElection"):
            render({"leaderElection": {"enabled": False}, "replicas": 2})

    def test_values_schema_rejects_a_bad_pull_policy(self):
        with self.assertRaisesRegex(helm.HelmError, "pullPolicy"):
            render({"image": {"pullPolicy": "Sometimes"}})

    def test_image_tag_and_port_come_from_values(self):
        objects = render({"image": {"tag": "dev", "pullPolicy": "Never"}, "port": 9000})
        (container,) = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
        self.assertEqual(container["image"], "orderflow/orderflow-operator:dev")
        self.assertEqual(container["imagePullPolicy"], "Never")
        self.assertEqual(container["ports"][0]["containerPort"], 9000)
        self.assertEqual(one(objects, "Service")["spec"]["ports"][0]["port"], 9000)


class ChartCrd(unittest.TestCase):
    def test_the_chart_crd_equals_the_generated_one(self):
        self.assertEqual(
            (CHART / "crds" / CRD.name).read_bytes(),
            CRD.read_bytes(),
            "charts/orderflow-operator/crds/ drifted: cp crds/*.yaml charts/orderflow-operator/crds/",
        )

    def test_helm_installs_exactly_that_crd(self):
        with helm.Chart.load(CHART) as chart:
            crds = chart.crds
        self.assertEqual([c["name"] for c in crds], [f"crds/{CRD.name}"])
        self.assertEqual(yaml.safe_load(crds[0]["data"]), yaml.safe_load(CRD.read_text()))


class RbacContract(unittest.TestCase):
    """The contract covers every API call the operator's code makes."""

    def test_contract_is_well_formed(self):
        for rule in contract():
            with self.subTest(rule=rule):
                self.assertEqual(set(rule), {"apiGroup", "resources", "verbs", "scope"})
                self.assertIn(rule["scope"], ("watched", "operator"))
                self.assertTrue(rule["resources"] and rule["verbs"])
                self.assertNotIn("*", rule["resources"] + rule["verbs"] + [rule["apiGroup"]])

    def test_every_kind_the_reconciler_builds_is_granted(self):
        block = re.search(r"desired_object!\s*\{(.*?)\}", OBJECTS.read_text(), re.S)
        self.assertIsNotNone(block, f"no desired_object! list in {OBJECTS}")
        kinds = re.findall(r"(\w+)\(\w+\)", block.group(1))
        self.assertTrue(kinds)
        grants = contract_grants("watched")
        for kind in kinds:
            with self.subTest(kind=kind):
                self.assertIn(kind, API_RESOURCES, f"{kind}: add it to API_RESOURCES and the contract")
                group, resource = API_RESOURCES[kind]
                missing = {v for v in OWNED_VERBS if (group, resource, v) not in grants}
                self.assertFalse(missing, f"rbac-contract.yaml lacks {missing} on {resource}")

    def test_every_api_handle_in_the_operator_is_granted(self):
        grants = contract_grants()
        sources = [p for p in OPERATOR_SRC.rglob("*.rs") if p.name != "tests.rs"]
        used = {
            kind
            for path in sources
            for kind in re.findall(r"\bApi(?:::)?<\s*(\w+)\s*>", path.read_text())
            if kind in API_RESOURCES
        }
        for kind in used:
            group, resource = API_RESOURCES[kind]
            with self.subTest(kind=kind):
                self.assertTrue(
                    any(g == group and r == resource for g, r, _ in grants),
                    f"the operator uses Api<{kind}> but rbac-contract.yaml grants nothing on {resource}",
                )

    def test_service_monitors_are_granted_what_the_reconciler_does_with_them(self):
        # Built untyped (their CRD is optional), so the checks above do not see them: the
        # group and plural come from the builder's constants.
        source = MONITORING.read_text()

        def constant(name: str) -> str:
            found = re.search(rf'{name}: &str = "([^"]+)"', source)
            self.assertIsNotNone(found, f"no {name} in {MONITORING}")
            return found.group(1)

        group, plural = constant("SERVICE_MONITOR_GROUP"), constant("SERVICE_MONITOR_PLURAL")
        self.assertEqual(API_RESOURCES["ServiceMonitor"], (group, plural))
        needed = {(group, plural, v) for v in ("list", "create", "patch", "delete")}
        self.assertLessEqual(needed, contract_grants("watched"))

    def test_the_platform_its_status_and_finalizers_and_the_lease_are_granted(self):
        grants = contract_grants()
        needed = {
            ("orderflow.io", "orderflowplatforms", v) for v in ("get", "list", "watch", "patch")
        } | {
            ("orderflow.io", "orderflowplatforms/status", "patch"),
            ("orderflow.io", "orderflowplatforms/finalizers", "update"),
            ("events.k8s.io", "events", "create"),
        } | {("coordination.k8s.io", "leases", v) for v in ("get", "create", "patch")}
        self.assertLessEqual(needed, grants)


class Examples(unittest.TestCase):
    def check_platform(self, path: Path) -> dict[str, Any]:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        self.assertEqual(len(documents), 1, path)
        (platform,) = documents
        self.assertEqual(platform["apiVersion"], "orderflow.io/v1alpha1")
        self.assertEqual(platform["kind"], "OrderFlowPlatform")
        self.assertTrue(platform["metadata"]["name"])
        self.assertEqual(schema_errors({"spec": platform["spec"]}, platform_schema()), [])
        return platform

    def test_examples_are_the_operator_fixtures_and_valid_platforms(self):
        names = sorted(p.name for p in (CHART / "examples").glob("*.yaml"))
        self.assertEqual(names, ["external.yaml", "minimal.yaml", "scaled.yaml"])
        for name in names:
            with self.subTest(example=name):
                platform = self.check_platform(CHART / "examples" / name)
                self.assertEqual(platform, yaml.safe_load((FIXTURES / name).read_text()))

    def test_kind_platform_uses_the_loaded_images_and_the_published_node_port(self):
        platform = self.check_platform(ROOT / "kind" / "platform.yaml")
        spec = platform["spec"]
        self.assertEqual((spec["imageRegistry"], spec["version"]), ("orderflow", "dev"))
        self.assertEqual(spec["imagePullPolicy"], "IfNotPresent")
        cluster = yaml.safe_load((ROOT / "kind" / "cluster.yaml").read_text())
        published = {
            m["containerPort"]
            for node in cluster["nodes"]
            for m in node.get("extraPortMappings", [])
        }
        self.assertIn(spec["gateway"]["expose"]["nodePort"], published)

    def test_the_schema_check_finds_mistakes(self):
        schema = platform_schema()
        self.assertTrue(schema_errors({"spec": {"version": "1", "replicaz": 2}}, schema))
        self.assertTrue(schema_errors({"spec": {"version": 1}}, schema))


if __name__ == "__main__":
    unittest.main()
