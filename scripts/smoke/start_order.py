"""Print the services compose would start, dependencies first.

Used by scripts/compose-smoke.sh: podman 4.3 cannot wait on
`depends_on: condition: ...` itself, so the script starts one service at a
time in this order and waits on each condition the way compose would. The
order and the conditions come from the merged compose files, so the smoke
test follows what compose.yaml declares instead of a copy of it.

Input: the merged configuration (`podman-compose config`) on stdin, and the
active profiles as arguments. Output: one line per service,

    SERVICE [DEPENDENCY:CONDITION ...]

with CONDITION one of service_started, service_healthy,
service_completed_successfully.
"""

import sys

import yaml


def active_services(config, profiles):
    """Services without profiles, plus those in an active profile."""
    return {
        name: service
        for name, service in config["services"].items()
        if not service.get("profiles") or set(service["profiles"]) & profiles
    }


def dependencies(service):
    """`depends_on` in either of its two forms, as {name: condition}."""
    declared = service.get("depends_on") or {}
    if isinstance(declared, list):
        return {name: "service_started" for name in declared}
    return {
        name: (options or {}).get("condition", "service_started")
        for name, options in declared.items()
    }


def start_order(services):
    """Depth-first topological order; fails on a cycle or a missing service."""
    order, state = [], {}

    def visit(name, path):
        if name not in services:
            sys.exit(f"{path[-1]} depends on {name}, which is not active")
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            sys.exit("dependency cycle: " + " -> ".join(path + [name]))
        state[name] = "visiting"
        for dependency in sorted(dependencies(services[name])):
            visit(dependency, path + [name])
        state[name] = "done"
        order.append(name)

    for name in sorted(services):
        visit(name, [])
    return order


def main():
    config = yaml.safe_load(sys.stdin)
    services = active_services(config, set(sys.argv[1:]))
    for name in start_order(services):
        waits = [f"{dep}:{cond}" for dep, cond in sorted(dependencies(services[name]).items())]
        print(" ".join([name] + waits))


if __name__ == "__main__":
    main()
