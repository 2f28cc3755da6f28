#!/usr/bin/env python3
"""Writes the operands of every credo op, read from its ODS definition, as
a C++ table the JSON importer includes (CredoOpOperands.inc): an op's
arity is written once, in ODS.

usage: gen_op_operands.py MLIR_TBLGEN CredoOps.td OUT.inc -I DIR...

Each line is ROW("credo.NAME", MIN, MAX, "a, b[, c]"): the operands in order,
MIN the required ones, MAX the most (kVariadic for a variadic operand),
optional operands in brackets, a variadic one followed by "..."."""
import re
import subprocess
import sys

tblgen, td, out = sys.argv[1:4]
includes = sys.argv[4:]
records = subprocess.run([tblgen, "--print-records", *includes, td],
                         check=True, capture_output=True, text=True).stdout

# Every record's classes: "def NAME {\t// Class Class ...".
classes = {}
for m in re.finditer(r"^def (\S+) \{\t// (.*)$", records, re.M):
    classes[m.group(1)] = set(m.group(2).split())

rows = []
for m in re.finditer(r"^def (Credo_\w+Op) \{\t// .*?\n(.*?)^\}", records,
                     re.M | re.S):
    body = m.group(2)
    name = re.search(r'^  string opName = "(\w+)";', body, re.M)
    args = re.search(r"^  dag arguments = \(ins(.*)\);$", body, re.M)
    if not name or not args:
        continue
    low, high, names, optional = 0, 0, [], False
    for constraint, arg in re.findall(r"(\w+):\$(\w+)", args.group(1)):
        kinds = classes.get(constraint, set())
        if "TypeConstraint" not in kinds:
            continue  # an attribute
        if "Variadic" in kinds:
            names.append(arg + "...")
            high = None
        elif "Optional" in kinds:
            names.append("[" + arg + "]")
            high = None if high is None else high + 1
        else:
            names.append(arg)
            low += 1
            high = None if high is None else high + 1
    text = ""
    for n in names:  # "a, b[, c]"
        text += ("[, " + n[1:] if n.startswith("[") else
                 (", " if text else "") + n)
    rows.append('ROW("credo.%s", %d, %s, "%s")'
                % (name.group(1), low,
                   "kVariadic" if high is None else str(high), text))

if len(rows) < 10:
    sys.exit("gen_op_operands.py: found only %d credo ops in %s" % (len(rows), td))
with open(out, "w") as f:
    f.write("// The operands of every credo op, from its ODS definition "
            "(utils/gen_op_operands.py).\n")
    f.write("\n".join(sorted(rows)) + "\n")
