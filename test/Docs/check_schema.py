#!/usr/bin/env python3
"""Validates graphs against schema/credo-graph.schema.json (Draft 2020-12).

Every examples/*.json and bench/models/*.json must be valid. So must every
graph under test/ (a .json file that mentions "format_version"): the schema
may reject no graph that `credoc check` accepts. The exceptions are the
inputs in SCHEMA_INVALID, which are invalid on purpose (`credoc check`
rejects them) for a reason the schema sees too; each must fail the schema,
so the list stays current. Usage: check_schema.py ROOT"""
import glob
import json
import os
import sys

from jsonschema import Draft202012Validator

# Test inputs that `credoc check` rejects and the schema rejects as well,
# relative to ROOT. A test graph that fails the schema and is not listed
# here is an error (the schema rejects a graph it should accept, or a new
# invalid input belongs here); so is a listed graph that passes it.
SCHEMA_INVALID = {
    "test/Frontend/Inputs/arity.json",
    "test/Frontend/Inputs/attr-type.json",
    "test/Frontend/Inputs/attr-value.json",
    "test/Frontend/Inputs/bad-optimizer.json",
    "test/Frontend/Inputs/dtype.json",
    "test/Frontend/Inputs/huge-dim.json",
    "test/Frontend/Inputs/loss-named-result.json",
    "test/Frontend/Inputs/missing-name.json",
    "test/Frontend/Inputs/nan.json",
    "test/Frontend/Inputs/reserved-name.json",
    "test/Frontend/Inputs/scale-factor.json",
    "test/Frontend/Inputs/symbolic-dim.json",
    "test/Frontend/Inputs/syntax-error.json",
    "test/Frontend/Inputs/time/delay-and-axis.json",
    "test/Frontend/Inputs/time/delay-outside-loop.json",
    "test/Frontend/Inputs/time/empty-loop.json",
    "test/Frontend/Inputs/time/version-1.json",
    "test/Frontend/Inputs/time/zero-steps.json",
    "test/Frontend/Inputs/unknown-key.json",
    "test/Frontend/Inputs/unknown-op.json",
    "test/Frontend/Inputs/version-too-new.json",
    "test/Integration/cpu/Inputs/coagent/errors/backprop_env.json",
    "test/Integration/cpu/Inputs/coagent/errors/bad_env.json",
    "test/Integration/cpu/Inputs/coagent/errors/bad_signal.json",
    "test/Integration/cpu/Inputs/coagent/errors/execute_bad.json",
    "test/Integration/cpu/Inputs/coagent/errors/no_critic.json",
    "test/fuzz/corpus/importer/arity.json",
    "test/fuzz/corpus/importer/attr-type.json",
    "test/fuzz/corpus/importer/attr-value.json",
    "test/fuzz/corpus/importer/bad-optimizer.json",
    "test/fuzz/corpus/importer/dtype.json",
    "test/fuzz/corpus/importer/huge-dim.json",
    "test/fuzz/corpus/importer/missing-name.json",
    "test/fuzz/corpus/importer/nan.json",
    "test/fuzz/corpus/importer/reserved-name.json",
    "test/fuzz/corpus/importer/symbolic-dim.json",
    "test/fuzz/corpus/importer/syntax-error.json",
    "test/fuzz/corpus/importer/unknown-key.json",
    "test/fuzz/corpus/importer/unknown-op.json",
    "test/fuzz/corpus/importer/version-too-new.json",
}


def reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def load(path):
    """The graph in `path`, or a string saying why it is not JSON. Like the
    importer, this accepts a UTF-8 byte order mark and refuses NaN and
    Infinity (Python's json module reads them)."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
        return json.loads(text, parse_constant=reject_constant)
    except ValueError as e:  # also UnicodeDecodeError, JSONDecodeError
        return f"not JSON: {e}"


def errors(validator, graph):
    if isinstance(graph, str):
        return [graph]
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
            for e in validator.iter_errors(graph)]


root = sys.argv[1]
schema = json.load(open(os.path.join(root, "schema", "credo-graph.schema.json")))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
rel = lambda path: os.path.relpath(path, root).replace(os.sep, "/")

models = sorted(glob.glob(os.path.join(root, "examples", "*.json")) +
                glob.glob(os.path.join(root, "bench", "models", "*.json")))
tests = []
for path in sorted(glob.glob(os.path.join(root, "test", "**", "*.json"),
                             recursive=True)):
    with open(path, "rb") as f:
        if b'"format_version"' not in f.read():
            continue
    graph = load(path)
    # JSON that is not a graph object (a list of graphs, a result file).
    if not isinstance(graph, str) and not (isinstance(graph, dict) and
                                           "format_version" in graph):
        continue
    tests.append((path, graph))

failed = 0
valid = 0
for path in models:
    found = errors(validator, load(path))
    for message in found:
        print(f"{rel(path)}: {message}")
    failed += len(found)
    valid += not found
invalid_on_purpose = 0
for path, graph in tests:
    found = errors(validator, graph)
    if rel(path) in SCHEMA_INVALID:
        if found:
            invalid_on_purpose += 1
        else:
            failed += 1
            print(f"{rel(path)}: satisfies the schema, but SCHEMA_INVALID "
                  "lists it as invalid")
        continue
    for message in found:
        print(f"{rel(path)}: {message} (a test graph that is invalid on "
              "purpose belongs in SCHEMA_INVALID)")
    failed += len(found)
    valid += not found
seen = {rel(path) for path, _ in tests}
for missing in sorted(SCHEMA_INVALID - seen):
    failed += 1
    print(f"{missing}: listed in SCHEMA_INVALID, but there is no such graph")
if failed or not models or not tests:
    print(f"schema: {failed} errors in {len(models) + len(tests)} graphs")
    sys.exit(1)
print(f"schema: {invalid_on_purpose} test inputs invalid on purpose rejected")
print(f"schema: {valid} graphs valid")
