"""Mean episode return over the last N episodes of each metrics file (JSON
lines from credoc train --env) against a floor; each file's mean must also be
the one credoc printed. argv: FLOOR N METRICS.jsonl... (each with a .txt of
credoc's output beside it)."""
import json
import re
import sys

floor, last = float(sys.argv[1]), int(sys.argv[2])
for path in sys.argv[3:]:
    returns = [json.loads(line)["return"] for line in open(path)]
    mean = sum(returns[-last:]) / last
    printed = re.search(r"mean return over the last (\d+) of (\d+) episodes: (-?[0-9.]+)",
                        open(path[:-len(".jsonl")] + ".txt").read())
    assert printed and int(printed.group(1)) == last, path
    assert abs(float(printed.group(3)) - mean) < 5e-4, (printed.group(3), mean)
    assert mean >= floor, (path, mean, floor)
    print("%s: %d episodes, mean of the last %d %.3f >= %g" % (
        path.rsplit("/", 1)[-1], len(returns), last, mean, floor))
print("returns: ok")
