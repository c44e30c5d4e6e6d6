"""The Kubernetes manifests in deploy/kubernetes/ (guide: docs/kubernetes.md).

Every resource is validated offline against the Kubernetes JSON schemas bundled with the
`kubernetes-validate` package, strictly (unknown fields are errors), for each Kubernetes version it
ships from MIN_KUBERNETES on; then the properties the service relies on are read from the YAML:
threads matching the CPU limit, native gRPC probes, a termination grace period above the drain,
the non-root security context, ports, scrape annotations, Services, autoscaler and disruption budget.
No cluster and no network are needed.
"""

from __future__ import annotations

import ast
import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUSTOMIZATION = MANIFESTS / "kustomization.yaml"
CONFIG_PY = ROOT / "service" / "newsevents_service" / "api" / "config.py"
DOCKERFILE = ROOT / "Dockerfile"

MIN_KUBERNETES = (1, 27)  # native gRPC probes are GA from 1.27
GRPC_PORT = 50051
METRICS_PORT = 9464
IMAGE_UID = 10001
DEFAULT_GRACE_SECONDS = 30.0  # ServerConfig.grace_seconds
HEADLESS_SERVICE = "newsevents-headless"  # the name the SDK's round-robin example uses


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


VERSIONS = [v for v in sorted(set(all_versions()), key=_version_key) if _version_key(v)[:2] >= MIN_KUBERNETES]


def manifest_files() -> list[Path]:
    return sorted(p for p in MANIFESTS.glob("*.yaml") if p.name != KUSTOMIZATION.name)


def load_docs(path: Path) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    for d in docs:
        assert isinstance(d, dict), f"{path.name}: a YAML document that is not a mapping"
    return docs


def all_resources() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, doc) for path in manifest_files() for doc in load_docs(path)]


def schema_errors(resources: list[tuple[str, dict[str, Any]]], version: str) -> list[str]:
    """Every way the resources fail the (strict) schemas of `version`; a kind without a schema fails too."""
    errors = []
    for name, resource in resources:
        what = f"{name}: {resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            path = ".".join(str(p) for p in e.path) or "(top)"
            errors.append(f"{what} against {version}: {path}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(f"{what}: {e.message}")
    return errors


def one(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [r for _, r in all_resources() if r["kind"] == kind and (name is None or r["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def deployment() -> dict[str, Any]:
    return one("Deployment")


def pod_spec() -> dict[str, Any]:
    return deployment()["spec"]["template"]["spec"]


def container() -> dict[str, Any]:
    containers = pod_spec()["containers"]
    assert len(containers) == 1
    return containers[0]


def env() -> dict[str, str]:
    return {e["name"]: e["value"] for e in container().get("env", [])}


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity (\"2\", \"500m\", \"2Gi\", \"1.5G\") as a number."""
    m = re.fullmatch(r"([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", str(value))
    assert m, f"not a quantity: {value!r}"
    factor = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    factor |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    return float(m.group(1)) * factor[m.group(2)]


def server_settings() -> set[str]:
    """ServerConfig's field names, read from config.py's source (importing it would load torch)."""
    tree = ast.parse(CONFIG_PY.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ServerConfig")
    return {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}


# ---- schemas ------------------------------------------------------------------------------------


def test_schemas_cover_the_supported_versions() -> None:
    assert VERSIONS, f"kubernetes-validate ships no schemas for Kubernetes {MIN_KUBERNETES} or later"
    assert "1.27.0" in VERSIONS


def test_every_manifest_holds_resources() -> None:
    names = {p.name for p in manifest_files()}
    assert names == {"deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"}
    for path in manifest_files():
        docs = load_docs(path)
        assert docs, f"{path.name} is empty"
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path.name
            assert "namespace" not in doc["metadata"], f"{path.name}: leave the namespace to kubectl -n / kustomize"


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"k8s-{v}")
def test_manifests_validate_against_the_kubernetes_schemas(version: str) -> None:
    errors = schema_errors(all_resources(), version)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize(
    "breakage",
    ["unknown field", "wrong type", "missing required field", "string for a boolean"],
)
def test_validation_catches_broken_manifests(breakage: str) -> None:
    """The validator really checks: each of these edits of the Deployment must be reported."""
    broken = copy.deepcopy(deployment())
    c = broken["spec"]["template"]["spec"]["containers"][0]
    if breakage == "unknown field":
        c["readinesProbe"] = c.pop("readinessProbe")
    elif breakage == "wrong type":
        c["ports"][0]["containerPort"] = "fifty thousand"
    elif breakage == "missing required field":
        del c["name"]
    else:
        c["securityContext"]["readOnlyRootFilesystem"] = "yes"
    assert schema_errors([("broken", broken)], VERSIONS[-1]), f"{breakage} was not reported"


def test_kustomization_lists_every_manifest() -> None:
    k = yaml.safe_load(KUSTOMIZATION.read_text(encoding="utf-8"))
    assert k["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert k["kind"] == "Kustomization"
    assert sorted(k["resources"]) == sorted(p.name for p in manifest_files())
    assert len(k["resources"]) == len(set(k["resources"]))
    images = {i["name"] for i in k.get("images", [])}
    assert images <= {c["image"].rsplit(":", 1)[0] for c in pod_spec()["containers"]}


def test_kustomize_build_renders_valid_resources(tmp_path: Path) -> None:
    """What `kubectl apply -k` would send: rendered by kustomize (when installed) and validated."""
    if shutil.which("kustomize"):
        cmd = ["kustomize", "build", str(MANIFESTS)]
    elif shutil.which("kubectl"):
        cmd = ["kubectl", "kustomize", str(MANIFESTS)]
    else:
        pytest.skip("neither kustomize nor kubectl installed: the kustomization is checked by reading it")
    rendered = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert rendered.returncode == 0, rendered.stderr
    docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in docs) == sorted(
        (r["kind"], r["metadata"]["name"]) for _, r in all_resources()
    )
    errors = schema_errors([("kustomize build", d) for d in docs], VERSIONS[-1])
    assert not errors, "\n".join(errors)


# ---- Deployment ---------------------------------------------------------------------------------


def test_deployment_selects_its_pods() -> None:
    d = deployment()
    assert d["apiVersion"] == "apps/v1"
    labels = d["spec"]["template"]["metadata"]["labels"]
    assert d["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_env_names_are_server_settings() -> None:
    settings = server_settings()
    assert {"threads", "grace_seconds", "port", "metrics_port"} <= settings
    for name in env():
        assert name.startswith("NEWSEVENTS_"), name
        assert name.removeprefix("NEWSEVENTS_").lower() in settings, f"{name} is no server setting"


def test_resources_match_the_thread_count() -> None:
    resources = container()["resources"]
    requests, limits = resources["requests"], resources["limits"]
    assert quantity(limits["cpu"]) == quantity(requests["cpu"]) == 2
    assert env()["NEWSEVENTS_THREADS"] == "2"
    assert int(env()["NEWSEVENTS_THREADS"]) == quantity(limits["cpu"])
    # peak RSS is about 1-1.5 GB: the limit leaves headroom, the request does not exceed it
    assert 1.5 * 2**30 <= quantity(limits["memory"]) <= 4 * 2**30
    assert quantity(requests["memory"]) <= quantity(limits["memory"])


def test_ports() -> None:
    ports = {p["name"]: p for p in container()["ports"]}
    assert ports["grpc"]["containerPort"] == GRPC_PORT
    assert ports["metrics"]["containerPort"] == METRICS_PORT
    assert int(env().get("NEWSEVENTS_PORT", GRPC_PORT)) == GRPC_PORT
    assert int(env().get("NEWSEVENTS_METRICS_PORT", METRICS_PORT)) == METRICS_PORT


def test_probes_are_native_grpc_health_checks() -> None:
    c = container()
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert probe in c, f"no {probe}"
        p = c[probe]
        assert p["grpc"]["port"] == GRPC_PORT, probe
        assert p["grpc"].get("service", "") == "", f"{probe}: the server's overall health is the empty service"
        assert not {"httpGet", "tcpSocket", "exec"} & p.keys(), probe
    # the model loads in about 10 s; the startup probe must allow several times that
    startup = c["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60
    # liveness must not be stricter than readiness: a restart kills the calls in flight
    live, ready = c["livenessProbe"], c["readinessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] > ready["periodSeconds"] * ready["failureThreshold"]


def test_termination_grace_period_covers_the_drain() -> None:
    grace = float(env().get("NEWSEVENTS_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))
    assert grace == 30
    pre_stop = container().get("lifecycle", {}).get("preStop", {})
    sleep = 0.0
    if "exec" in pre_stop:
        command = pre_stop["exec"]["command"]
        assert Path(command[0]).name == "sleep", command
        sleep = float(command[1])
    elif "sleep" in pre_stop:
        sleep = float(pre_stop["sleep"]["seconds"])
    termination = pod_spec()["terminationGracePeriodSeconds"]
    assert termination > sleep + grace, (termination, sleep, grace)
    assert termination >= 45


def test_security_context() -> None:
    pod, c = pod_spec(), container()
    effective = {**pod.get("securityContext", {}), **c.get("securityContext", {})}
    assert effective["runAsNonRoot"] is True
    assert effective["runAsUser"] == IMAGE_UID
    assert re.search(rf"^USER {IMAGE_UID}(:|$)", DOCKERFILE.read_text(encoding="utf-8"), re.M), "image user changed"
    assert effective["readOnlyRootFilesystem"] is True
    assert effective["allowPrivilegeEscalation"] is False
    assert effective.get("privileged", False) is False
    assert effective["capabilities"]["drop"] == ["ALL"]
    assert not effective["capabilities"].get("add")
    assert pod.get("hostNetwork", False) is False
    assert pod.get("automountServiceAccountToken") is False
    # the root filesystem is read-only, and torch writes a scratch folder under /tmp
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    assert tmp, "no writable /tmp"
    assert "emptyDir" in volumes[tmp[0]["name"]]


def test_prometheus_scrape_annotations() -> None:
    annotations = deployment()["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(METRICS_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_replica_count_is_left_to_the_autoscaler() -> None:
    # with spec.replicas set, every `kubectl apply` would reset what the HPA chose
    assert "replicas" not in deployment()["spec"]


# ---- Services -----------------------------------------------------------------------------------


def _target_ports(service: dict[str, Any]) -> dict[str, int]:
    by_name = {p["name"]: p["containerPort"] for p in container()["ports"]}
    out = {}
    for p in service["spec"]["ports"]:
        target = p.get("targetPort", p["port"])
        out[p["name"]] = by_name[target] if isinstance(target, str) else target
    return out


def test_cluster_ip_service() -> None:
    s = one("Service", "newsevents")
    assert s["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert s["spec"].get("clusterIP") != "None"
    assert s["spec"]["selector"].items() <= deployment()["spec"]["template"]["metadata"]["labels"].items()
    assert _target_ports(s)["grpc"] == GRPC_PORT
    assert {p["name"]: p["port"] for p in s["spec"]["ports"]}["grpc"] == GRPC_PORT


def test_headless_service_for_client_side_round_robin() -> None:
    s = one("Service", HEADLESS_SERVICE)
    assert s["spec"]["clusterIP"] == "None"
    assert s["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert s["spec"].get("publishNotReadyAddresses", False) is False, "DNS must list only ready (SERVING) pods"
    assert s["spec"]["selector"].items() <= deployment()["spec"]["template"]["metadata"]["labels"].items()
    assert _target_ports(s)["grpc"] == GRPC_PORT
    assert {p["name"]: p["port"] for p in s["spec"]["ports"]}["grpc"] == GRPC_PORT
    assert len([r for _, r in all_resources() if r["kind"] == "Service"]) == 2


# ---- HorizontalPodAutoscaler and PodDisruptionBudget --------------------------------------------


def test_autoscaler_scales_the_deployment_on_cpu() -> None:
    hpa, d = one("HorizontalPodAutoscaler"), deployment()
    assert hpa["apiVersion"] == "autoscaling/v2"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", d["metadata"]["name"])
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    [metric] = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"
    target = metric["resource"]["target"]
    assert target["type"] == "Utilization"
    assert 50 <= target["averageUtilization"] <= 90


def test_disruption_budget_allows_one_eviction_at_a_time() -> None:
    pdb, hpa = one("PodDisruptionBudget"), one("HorizontalPodAutoscaler")
    assert pdb["apiVersion"] == "policy/v1"
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    spec = pdb["spec"]
    assert ("maxUnavailable" in spec) != ("minAvailable" in spec)
    if "maxUnavailable" in spec:
        assert spec["maxUnavailable"] == 1
    else:  # never block node drains at the smallest scale
        assert isinstance(spec["minAvailable"], int)
        assert spec["minAvailable"] < hpa["spec"]["minReplicas"]
