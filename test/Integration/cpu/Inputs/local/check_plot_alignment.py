"""Checks the alignment panels of a `credoc train --report-alignment --plot`
picture against the run's metrics file (argv: PLOT.svg METRICS.jsonl): both
panels are there, and for every parameter and epoch the angle and norm
ratio tooltips equal the metrics' values (printed there with 2 and 4
decimals; a parameter without an angle has no marker)."""
import json
import re
import sys

svg, lines = open(sys.argv[1]).read(), [json.loads(l) for l in open(sys.argv[2])]
angles_at = svg.index(">angle to the backprop gradient (degrees)<")
ratios_at = svg.index(">norm ratio (update / gradient)<")
assert angles_at < ratios_at
names = set(lines[0]["alignment"])
# The markers of the parameters' lines in each panel (the loss and accuracy
# panels' markers are named train and test).
found = [m for m in re.finditer(r"<title>([^<,]+), epoch (\d+): ([-0-9.]+)</title>", svg)
         if m.group(1) in names]
angle_part = [m for m in found if angles_at < m.start() < ratios_at]
ratio_part = [m for m in found if m.start() > ratios_at]
angles = {(m.group(1), int(m.group(2))): float(m.group(3)) for m in angle_part}
ratios = {(m.group(1), int(m.group(2))): float(m.group(3)) for m in ratio_part}
checked = 0
for line in lines:
    for name, value in line["alignment"].items():
        key = (name, line["epoch"])
        if value["angle"] is None:
            assert key not in angles and key not in ratios, key
            continue
        assert abs(angles[key] - value["angle"]) <= 0.0051, (key, angles[key], value)
        assert abs(ratios[key] - value["ratio"]) <= 0.000051, (key, ratios[key], value)
        checked += 1
assert checked == len(angles) == len(ratios) and checked > 0, (checked, len(angles))
print("alignment panels: ok (%d points)" % checked)
