#!/usr/bin/env python3
"""Lists the metrics of ours (namespace = the AppName parameter) that the CloudFormation template's dashboard uses.

Usage: template-metrics.py [TEMPLATE] [--environment]
  TEMPLATE       default deploy/cloudformation/kit.yaml
  --environment  list the kithost container's environment variable names instead

Prints one name per line, sorted. Checks on the way that the dashboard body is valid JSON once its ${...}
substitutions are filled in, and fails (exit 1) if it is not or if no metric of ours is found. An end-to-end test
compares this list with the metrics the host emitted. Needs PyYAML (in the test venv, .venv); the template uses only
the long form of the intrinsic functions (Fn::Sub, not !Sub), so a plain YAML loader reads it.
"""

from __future__ import annotations

import json
import os
import re
import sys

import yaml

NAMESPACE = "__OUR_NAMESPACE__"
# SEARCH('{Namespace,Dimension,...} ... MetricName="Name" ...', ...)
SEARCH = re.compile(r"SEARCH\(\s*'\s*\{\s*([^,}]+)[^}]*\}([^']*)'")
METRIC_NAME = re.compile(r'MetricName\s*=\s*"([^"]+)"')


def fail(message: str) -> None:
    print(f"template-metrics: {message}", file=sys.stderr)
    sys.exit(1)


def sub_text(value) -> str:
    """The text of a `Fn::Sub` (string or [string, variables]) or of a plain string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        inner = value["Fn::Sub"]
        return inner if isinstance(inner, str) else inner[0]
    fail(f"unsupported dashboard body form: {type(value).__name__}")
    return ""


def resolve(text: str) -> str:
    """Fills in `${...}`: the AppName parameter with a marker, anything else with its own name."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"  # ${!Literal} is a literal ${Literal}
        return NAMESPACE if name == "AppName" else name.replace(".", "-").replace(":", "-")

    return re.sub(r"\$\{([^}]+)\}", replace, text)


def metric_names(template: dict) -> set[str]:
    names: set[str] = set()
    dashboards = [r for r in template.get("Resources", {}).values() if r.get("Type") == "AWS::CloudWatch::Dashboard"]
    if not dashboards:
        fail("no AWS::CloudWatch::Dashboard in the template")
    for dashboard in dashboards:
        body_text = resolve(sub_text(dashboard["Properties"]["DashboardBody"]))
        try:
            body = json.loads(body_text)
        except json.JSONDecodeError as error:
            fail(f"dashboard body is not valid JSON: {error}")
        for widget in body.get("widgets", []):
            for row in widget.get("properties", {}).get("metrics", []):
                if len(row) >= 2 and isinstance(row[0], str) and isinstance(row[1], str):
                    if row[0] == NAMESPACE:
                        names.add(row[1])
                    continue
                for item in row:
                    if isinstance(item, dict) and "expression" in item:
                        for namespace, terms in SEARCH.findall(item["expression"]):
                            if namespace.strip().strip('"') == NAMESPACE:
                                names.update(METRIC_NAME.findall(terms))
    return names


def environment_names(template: dict) -> set[str]:
    names: set[str] = set()
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::ECS::TaskDefinition":
            continue
        for container in resource["Properties"].get("ContainerDefinitions", []):
            names.update(entry["Name"] for entry in container.get("Environment", []))
    return names


def main(argv: list[str]) -> int:
    arguments = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    unknown = flags - {"--environment"}
    if unknown or len(arguments) > 1:
        fail(f"usage: template-metrics.py [TEMPLATE] [--environment] (got {' '.join(argv)})")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = arguments[0] if arguments else os.path.join(root, "deploy/cloudformation/kit.yaml")
    with open(path, encoding="utf-8") as file:
        template = yaml.safe_load(file)
    names = environment_names(template) if "--environment" in flags else metric_names(template)
    if not names:
        fail("nothing found")
    for name in sorted(names):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
