"""deploy/k8s/: the cluster's topology as plain Kubernetes manifests, checked without a cluster.

Every manifest is validated against the Kubernetes API's JSON schemas that the kubernetes-validate
package ships (strict: an unknown field is an error; nothing is downloaded), and the folder is built by
`kubectl kustomize` where kubectl is installed (Debian packages none: skipped with the reason elsewhere).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from settings import PROJECT_ROOT, load_settings
from stack import container
from stack.cluster import CLUSTER_ENDPOINTS
from tests.conftest import skip_or_fail
from tests.stack.deploy_names import (environment_without_secrets, is_secret, names_endpoints_substitute,
                                      names_settings_reads, yaml_documents)

K8S = PROJECT_ROOT / "deploy" / "k8s"
KUSTOMIZATION = K8S / "kustomization.yaml"
IMAGE_WORKDIR = "/app"   # deploy/Dockerfile's WORKDIR
# the Deployment of each role of stack/container.py, and the setting that is its port
DEPLOYMENTS = {"rasa": ("carebot-rasa", "RASA_PORT"), "actions": ("carebot-actions", "ACTION_PORT"),
               "web": ("carebot-web", "WEB_PORT"), "console": ("carebot-console", "CONSOLE_PORT")}


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path != KUSTOMIZATION)


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict]:
    """(kind, name) -> the object, from every manifest."""
    found = {}
    for path in manifest_files():
        for document in yaml_documents(path):
            key = (document["kind"], document["metadata"]["name"])
            assert key not in found, f"{key} is defined twice"
            found[key] = document
    return found


@pytest.fixture(scope="module")
def settings_map(objects) -> dict[str, str]:
    return objects[("ConfigMap", "carebot-settings")]["data"]


def pod_containers(workload: dict) -> list[dict]:
    return workload["spec"]["template"]["spec"]["containers"]


def container_environment_names(workload_container: dict, settings_map: dict) -> dict[str, dict]:
    """Name -> its source ({'configMap': ...} or the `env` entry) for one container."""
    names = {}
    for source in workload_container.get("envFrom", []):
        assert source["configMapRef"]["name"] == "carebot-settings"
        names.update({name: {"configMap": "carebot-settings"} for name in settings_map})
    for entry in workload_container.get("env", []):
        names[entry["name"]] = entry
    return names


def workloads(objects) -> dict[str, dict]:
    return {name: item for (kind, name), item in objects.items() if kind in {"Deployment", "Job"}}


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load(KUSTOMIZATION.read_text(encoding="utf-8"))["resources"]
    assert sorted(listed) == [path.name for path in manifest_files()]


def test_every_role_has_a_deployment_and_a_service(objects):
    for role, (name, _) in DEPLOYMENTS.items():
        deployment = objects[("Deployment", name)]
        assert pod_containers(deployment)[0]["args"][:2] == ["run", role]
        assert ("Service", name) in objects
    assert objects[("Deployment", "carebot-rasa")]["spec"]["replicas"] >= 2
    assert objects[("Deployment", "carebot-actions")]["spec"]["replicas"] >= 2
    job = objects[("Job", "carebot-knowledge-build")]
    assert pod_containers(job)[0]["args"] == ["knowledge-build"]


def test_services_select_their_pods_and_use_the_settings_ports(objects, settings_map):
    for role, (name, port_setting) in DEPLOYMENTS.items():
        deployment, service = objects[("Deployment", name)], objects[("Service", name)]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        container_ports = {port["name"]: port["containerPort"] for port in pod_containers(deployment)[0]["ports"]}
        (service_port,) = service["spec"]["ports"]
        assert container_ports[service_port["targetPort"]] == int(settings_map[port_setting]) == service_port["port"]


def test_probes_ask_what_the_stack_waits_for(objects, settings_map, monkeypatch):
    # the settings a pod reads: the ConfigMap, plus the Secret's stores
    for variable, value in settings_map.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://carebot@db.example.org:5432/carebot")
    monkeypatch.setenv("REDIS_URL", "redis://redis.example.org:6379/0")
    settings = container.container_settings(load_settings())
    for role, (name, port_setting) in DEPLOYMENTS.items():
        ready_url = urlsplit(container.role_service(role, settings).ready_url)
        workload_container = pod_containers(objects[("Deployment", name)])[0]
        named_ports = {port["name"]: port["containerPort"] for port in workload_container["ports"]}
        assert ready_url.port == int(settings_map[port_setting])
        for probe in ("readinessProbe", "livenessProbe"):
            check = workload_container[probe]["httpGet"]
            assert check["path"] == ready_url.path, f"{name} {probe}"
            assert named_ports[check["port"]] == ready_url.port


def test_the_rasa_endpoints_are_the_clusters_plus_the_model_server(objects):
    endpoints_map = objects[("ConfigMap", "carebot-endpoints")]["data"]
    endpoints = yaml.safe_load(endpoints_map[CLUSTER_ENDPOINTS])
    cluster_endpoints = yaml.safe_load((PROJECT_ROOT / CLUSTER_ENDPOINTS).read_text(encoding="utf-8"))
    assert {key: value for key, value in endpoints.items() if key != "models"} == cluster_endpoints
    assert endpoints["models"]["url"] == "${MODEL_URL}"
    rasa = pod_containers(objects[("Deployment", "carebot-rasa")])[0]
    (mount,) = [mount for mount in rasa["volumeMounts"] if mount["subPath"] == CLUSTER_ENDPOINTS]
    # mounted where the container's `rasa run --endpoints endpoints.cluster.yml` reads it
    assert mount["mountPath"] == f"{IMAGE_WORKDIR}/{CLUSTER_ENDPOINTS}"
    volumes = {volume["name"]: volume for volume in objects[("Deployment", "carebot-rasa")]["spec"]["template"]
               ["spec"]["volumes"]}
    assert volumes[mount["name"]]["configMap"]["name"] == "carebot-endpoints"


def test_the_rasa_replicas_reach_the_action_servers_service(objects, settings_map):
    actions = objects[("Service", "carebot-actions")]
    assert settings_map["ACTION_HOST"] == actions["metadata"]["name"]
    assert int(settings_map["ACTION_PORT"]) == actions["spec"]["ports"][0]["port"]


def test_containers_set_only_names_the_project_reads(objects, settings_map):
    endpoints = objects[("ConfigMap", "carebot-endpoints")]["data"][CLUSTER_ENDPOINTS]
    allowed = names_settings_reads() | names_endpoints_substitute([endpoints])
    assert not set(settings_map) - allowed, f"unknown in carebot-settings: {sorted(set(settings_map) - allowed)}"
    for name, workload in workloads(objects).items():
        for workload_container in pod_containers(workload):
            unknown = set(container_environment_names(workload_container, settings_map)) - allowed
            assert not unknown, f"{name} sets {sorted(unknown)}, which neither settings/ nor the endpoints read"


def test_secrets_come_from_a_secret_never_from_the_files(objects, settings_map):
    assert not [name for name in settings_map if is_secret(name)], "a secret is in the ConfigMap"
    assert not [key for key in objects if key[0] == "Secret"], "a Secret with its values is checked in"
    needed = {"carebot-rasa": {"DATABASE_URL", "REDIS_URL", "ACTION_SERVER_TOKEN"},
              "carebot-actions": {"DATABASE_URL", "REDIS_URL", "ACTION_SERVER_TOKEN"},
              "carebot-console": {"DATABASE_URL", "REDIS_URL", "CONSOLE_SECRET_KEY"},
              "carebot-knowledge-build": {"DATABASE_URL"}}
    for name, workload in workloads(objects).items():
        environment = container_environment_names(pod_containers(workload)[0], settings_map)
        assert needed.get(name, set()) <= set(environment), name
        for variable, source in environment.items():
            if is_secret(variable):
                assert "value" not in source, f"{name}: {variable} is written out"
                assert source["valueFrom"]["secretKeyRef"]["name"] == "carebot-secrets", f"{name}: {variable}"


def test_pods_run_as_the_images_user_without_privileges(objects):
    dockerfile = (PROJECT_ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    image_user = int([line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")][-1]
                     .split(":")[0])
    for name, workload in workloads(objects).items():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == image_user
        for workload_container in pod["containers"]:
            assert workload_container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert workload_container["image"].split(":")[0] == "carebot", name


def test_the_ingress_exposes_the_page_the_bot_and_the_console_never_the_actions(objects):
    ingress = objects[("Ingress", "carebot")]
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert sorted(backend["name"] for backend in backends) == ["carebot-console", "carebot-rasa", "carebot-web"]
    for backend in backends:
        service_ports = [port["name"] for port in objects[("Service", backend["name"])]["spec"]["ports"]]
        assert backend["port"]["name"] in service_ports


def schema_errors(document: dict) -> str | None:
    """The first error of `document` against the newest Kubernetes schemas the package ships (strict)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
    except kubernetes_validate.ValidationError as error:
        return f"{'.'.join(map(str, error.path))}: {error.message}"
    return None


@pytest.fixture(scope="module")
def schemas_installed() -> None:
    try:
        import kubernetes_validate  # noqa: F401 - only whether it is there
    except ImportError:
        skip_or_fail("kubernetes-validate is not installed (pip install -e '.[test]'), so the manifests' "
                     "schemas cannot be checked")


def test_every_manifest_matches_the_kubernetes_schemas(objects, schemas_installed):
    for key, document in objects.items():
        assert schema_errors(document) is None, f"{key}: {schema_errors(document)}"


def test_the_schema_check_rejects_an_unknown_field(objects, schemas_installed):
    # the same check on a copy with a misspelt field: proves the check above checks something
    import copy

    broken = copy.deepcopy(objects[("Deployment", "carebot-rasa")])
    broken["spec"]["replica"] = broken["spec"].pop("replicas")
    assert "replica" in (schema_errors(broken) or "")


def test_kubectl_builds_the_folder(objects):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        # Debian packages no kubectl, so CI cannot install it: the schema check above is the validator every
        # machine runs; this one adds kustomize's own reading where kubectl happens to be installed
        pytest.skip("kubectl is not installed, so `kubectl kustomize deploy/k8s` cannot build the folder")
    result = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60,
                            env=environment_without_secrets())
    assert result.returncode == 0, result.stderr
    built = {(document["kind"], document["metadata"]["name"]) for document in yaml.safe_load_all(result.stdout)}
    assert built == set(objects)
