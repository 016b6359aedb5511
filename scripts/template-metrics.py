#!/usr/bin/env python3
"""Lists the metrics of ours (namespace = the AppName parameter) that the CloudFormation template's dashboard uses.

Usage: template-metrics.py [TEMPLATE] [--environment [--resolve [NAME=VALUE ...]]]
  TEMPLATE       default deploy/cloudformation/kit.yaml
  --environment  list the kithost container's environment variable names instead
  --resolve      print NAME=VALUE: the values worked out for the given stack parameters (others: their defaults;
                 pseudo parameters: AWS::Region us-east-1, AWS::AccountId 123456789012, AWS::Partition aws; a
                 resource's Ref or attribute: its logical id, e.g. LeaseTable), for checking them with kithost

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


PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
          "AWS::StackName": "kit", "AWS::URLSuffix": "amazonaws.com"}


class Resolver:
    """Evaluates the intrinsic functions the container environment uses, for given parameter values."""

    def __init__(self, template: dict, overrides: dict[str, str]) -> None:
        self.template = template
        self.values = dict(PSEUDO)
        for name, parameter in template.get("Parameters", {}).items():
            if "Default" in parameter:
                self.values[name] = str(parameter["Default"])
        unknown = set(overrides) - set(template.get("Parameters", {}))
        if unknown:
            fail(f"no such parameters: {', '.join(sorted(unknown))}")
        self.values.update(overrides)

    def ref(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if name in self.template.get("Resources", {}):
            return name
        fail(f"parameter {name} has no default and no value was given")
        return ""

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.template["Conditions"][name]))

    def evaluate(self, value):
        if isinstance(value, (str, int, float, bool)):
            return value if isinstance(value, bool) else str(value)
        if isinstance(value, list):
            return [self.evaluate(v) for v in value]
        if not isinstance(value, dict) or len(value) != 1:
            fail(f"cannot resolve {value!r}")
        (function, argument), = value.items()
        if function == "Ref":
            return self.ref(argument)
        if function == "Fn::GetAtt":
            return "-".join(argument)
        if function == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0]
            return re.sub(r"\$\{([^}!][^}]*)\}",
                          lambda m: self.ref(m.group(1)) if "." not in m.group(1) else m.group(1).replace(".", "-"),
                          text)
        if function == "Fn::If":
            name, yes, no = argument
            return self.evaluate(yes if self.condition(name) else no)
        if function == "Fn::Equals":
            left, right = self.evaluate(argument)
            return left == right
        if function == "Fn::Not":
            return not self.evaluate(argument[0])
        if function == "Fn::And":
            return all(self.evaluate(a) for a in argument)
        if function == "Fn::Or":
            return any(self.evaluate(a) for a in argument)
        if function == "Condition":
            return self.condition(argument)
        fail(f"unsupported function {function}")
        return ""


def environment_values(template: dict, overrides: dict[str, str]) -> list[str]:
    resolver = Resolver(template, overrides)
    lines = []
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::ECS::TaskDefinition":
            continue
        for container in resource["Properties"].get("ContainerDefinitions", []):
            for entry in container.get("Environment", []):
                lines.append(f"{entry['Name']}={resolver.evaluate(entry['Value'])}")
    return lines


def main(argv: list[str]) -> int:
    flags = {a for a in argv if a.startswith("--")}
    unknown = flags - {"--environment", "--resolve"}
    positional = [a for a in argv if not a.startswith("--")]
    overrides = dict(a.split("=", 1) for a in positional if "=" in a)
    arguments = [a for a in positional if "=" not in a]
    if unknown or len(arguments) > 1 or (overrides and "--resolve" not in flags) or (
            "--resolve" in flags and "--environment" not in flags):
        fail(f"usage: template-metrics.py [TEMPLATE] [--environment [--resolve [NAME=VALUE ...]]] (got {' '.join(argv)})")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = arguments[0] if arguments else os.path.join(root, "deploy/cloudformation/kit.yaml")
    with open(path, encoding="utf-8") as file:
        template = yaml.safe_load(file)
    if "--resolve" in flags:
        for line in environment_values(template, overrides):
            print(line)
        return 0
    names = environment_names(template) if "--environment" in flags else metric_names(template)
    if not names:
        fail("nothing found")
    for name in sorted(names):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
