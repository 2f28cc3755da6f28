#!/usr/bin/env python3
"""Validates examples/*.json and bench/models/*.json against
schema/credo-graph.schema.json (Draft 2020-12). Usage: check_schema.py ROOT"""
import glob
import json
import os
import sys

from jsonschema import Draft202012Validator

root = sys.argv[1]
schema = json.load(open(os.path.join(root, "schema", "credo-graph.schema.json")))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
files = sorted(glob.glob(os.path.join(root, "examples", "*.json")) +
               glob.glob(os.path.join(root, "bench", "models", "*.json")))
failed = 0
for path in files:
    for error in validator.iter_errors(json.load(open(path))):
        failed += 1
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{os.path.relpath(path, root)}: /{where}: {error.message[:300]}")
if failed or not files:
    sys.exit(f"schema: {failed} errors in {len(files)} graphs")
print(f"schema: {len(files)} graphs valid")
