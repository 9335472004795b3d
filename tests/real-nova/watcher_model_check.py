"""Builds OpenStack Watcher 17's compute model against the real-Nova harness, as its decision
engine does, and prints what Watcher saw as one JSON line.

Run with the Watcher venv's python (python-watcher 17.0.0), never the Nova venv's::

    python watcher_model_check.py '{"auth_url": "http://127.0.0.1:PORT/v3", "username": "admin",
                                    "password": "...", "project_name": "admin",
                                    "region_name": "RegionOne"}'

The identity service at ``auth_url`` (the harness's real Keystone, as the Rust test
``tests/real-nova/tests/real_nova/watcher_model.rs`` passes it) has ``compute`` and
``placement`` endpoints in the region that point at the harness's nova-api and Placement, which
validate its tokens with keystonemiddleware.

What it does, as an operator's watcher.conf and watcher-decision-engine would:

1. writes a watcher.conf: ``[watcher_clients_auth]`` keystoneauth password auth, ``[nova]`` and
   ``[placement]`` with the region and the public interface (``[placement]`` holds the
   keystoneauth adapter options in Watcher 17; ``[placement_client]`` is their deprecated home);
2. ``prepare_service`` as ``watcher-decision-engine``'s main() does;
3. the compute model exactly as a strategy gets it (``BaseStrategy.compute_model``):
   ``CollectorManager().get_cluster_model_collector("compute")`` (stevedore →
   ``NovaClusterDataModelCollector``), ``get_audit_scope_handler([])``,
   ``get_latest_cluster_data_model()``, ``get_scoped_model``. Inside, ``NovaModelBuilder``
   calls ``NovaHelper`` (hypervisors, hypervisor by name with servers, servers by host) and
   ``PlacementHelper.get_inventories`` per compute node, through openstacksdk;
4. the helpers' calls once more on their own, so a failure that the builder swallows shows
   (without Placement's inventories it falls back to the hypervisor's vcpus/memory_mb/local_gb,
   which Nova hides at the microversion openstacksdk picks, 2.88: the node cannot be built and
   is left out of the model, logged only): ``NovaHelper``'s
   ``get_compute_node_list``, ``get_service_list``, ``get_instance_list``,
   ``PlacementHelper.get_inventories``, and on the PlacementHelper's own openstacksdk
   connection ``resource_providers``, ``fetch_resource_provider_usages`` and
   ``get_allocation`` (Watcher 17 itself reads only inventories).

Stdout: one JSON line ``{"model": {"compute_nodes": [...], "instances": [...]}, "nova":
{...}, "placement": {...}}``; Watcher logs to stderr. Exit 1 (with the traceback) when a step
raises.
"""

import json
import os
import sys
import tempfile
import traceback


def write_config(directory, cloud):
    """watcher.conf as an operator writes it for the decision engine's clients."""
    region = cloud.get("region_name", "RegionOne")
    sections = {
        "DEFAULT": {"use_stderr": "true", "debug": "false"},
        "watcher_clients_auth": {
            "auth_type": "password",
            "auth_url": cloud["auth_url"],
            "username": cloud["username"],
            "password": cloud["password"],
            "project_name": cloud["project_name"],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "nova": {"region_name": region, "valid_interfaces": "public"},
        "placement": {"region_name": region, "valid_interfaces": "public"},
    }
    path = os.path.join(directory, "watcher.conf")
    with open(path, "w") as conf:
        for section, options in sections.items():
            conf.write(f"[{section}]\n")
            conf.writelines(f"{key} = {value}\n" for key, value in options.items())
            conf.write("\n")
    return path


def init_watcher(config_path):
    """What watcher-decision-engine's main() does before it starts its service."""
    from watcher.cmd.eventlet import decisionengine  # noqa: F401  (sets up oslo.service)
    from watcher import conf
    from watcher.common import service

    service.prepare_service(["watcher-decision-engine", "--config-file", config_path],
                            conf.CONF)


def compute_model():
    """The compute model as BaseStrategy.compute_model builds it (audit scope: everything)."""
    from watcher.common import clients
    from watcher.decision_engine.model.collector import manager

    osc = clients.OpenStackClients()
    collector = manager.CollectorManager().get_cluster_model_collector("compute", osc=osc)
    scope = collector.get_audit_scope_handler(audit_scope=[])
    model = scope.get_scoped_model(collector.get_latest_cluster_data_model())
    if model.stale:
        raise RuntimeError("the collector left a stale compute model (see Watcher's log)")
    nodes = []
    for node in model.get_all_compute_nodes().values():
        nodes.append({
            "uuid": node.uuid, "hostname": node.hostname, "state": node.state,
            "status": node.status, "vcpus": node.vcpus, "vcpu_reserved": node.vcpu_reserved,
            "vcpu_ratio": node.vcpu_ratio, "memory": node.memory,
            "memory_mb_reserved": node.memory_mb_reserved, "memory_ratio": node.memory_ratio,
            "disk": node.disk, "disk_gb_reserved": node.disk_gb_reserved,
            "disk_ratio": node.disk_ratio,
            "instances": sorted(i.uuid for i in model.get_node_instances(node)),
        })
    instances = []
    for instance in model.get_all_instances().values():
        instances.append({
            "uuid": instance.uuid, "name": instance.name, "state": instance.state,
            "host": model.get_node_by_instance_uuid(instance.uuid).hostname,
            "vcpus": instance.vcpus, "memory": instance.memory, "disk": instance.disk,
            "project_id": instance.project_id,
        })
    return {"compute_nodes": sorted(nodes, key=lambda n: n["hostname"]),
            "instances": sorted(instances, key=lambda i: i["name"])}


def nova_calls():
    """NovaHelper's calls that the builder makes, on their own."""
    from watcher.common import nova_helper

    nova = nova_helper.NovaHelper()
    hypervisors = nova.get_compute_node_list()
    services = nova.get_service_list()
    servers = nova.get_instance_list()
    return {
        "hypervisors": sorted(({"uuid": h.uuid, "hostname": h.hypervisor_hostname,
                                "service_host": h.service_host, "state": h.state,
                                "status": h.status} for h in hypervisors),
                              key=lambda h: h["hostname"]),
        "services": sorted(({"host": s.host, "zone": s.zone, "state": s.state,
                             "status": s.status} for s in services),
                           key=lambda s: s["host"]),
        "servers": sorted(({"uuid": s.uuid, "name": s.name, "host": s.host}
                           for s in servers), key=lambda s: s["name"]),
    }


def placement_calls(servers):
    """PlacementHelper.get_inventories per provider, and on the helper's own openstacksdk
    connection the provider list, each provider's usages and each server's allocations."""
    from watcher.common import placement_helper

    placement = placement_helper.PlacementHelper()
    sdk = placement.connection.placement
    providers = {}
    for rp in sdk.resource_providers():
        inventories = placement.get_inventories(rp.id)
        if inventories is None:
            raise RuntimeError(f"PlacementHelper.get_inventories({rp.id}) failed (see the log)")
        usages = sdk.fetch_resource_provider_usages(rp)
        providers[rp.name] = {
            "uuid": rp.id,
            "inventories": {rc: {"total": inv.total, "reserved": inv.reserved,
                                 "allocation_ratio": inv.allocation_ratio}
                            for rc, inv in inventories.items()},
            "usages": dict(usages.usages or {}),
        }
    allocations = {}
    for server in servers:
        allocation = sdk.get_allocation(server["uuid"])
        allocations[server["uuid"]] = {rp: a["resources"]
                                       for rp, a in (allocation.allocations or {}).items()}
    return {"resource_providers": providers, "allocations": allocations}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cloud = json.loads(sys.argv[1])
    with tempfile.TemporaryDirectory() as directory:
        init_watcher(write_config(directory, cloud))
        try:
            report = {"model": compute_model()}
            report["nova"] = nova_calls()
            report["placement"] = placement_calls(report["nova"]["servers"])
        except Exception:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
    print(json.dumps(report), flush=True)
    # Watcher's thread pool and oslo.service leave non-daemon threads behind.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
