"""What `credoc train --report-spikes` must print (twice: two epochs) and
write to the metrics file for a population of three neurons, given their
simulated spike totals over an epoch: one silent and one saturated (a spike
at every step allowed, `most` per epoch). Shared by check_spike_report.py
and check_nested_report.py."""
import json


def check(name, total, samples, steps, most, log, metrics):
    """Asserts the report of population `name` (log: the progress output,
    metrics: the metrics file's path); returns its rate (spikes per neuron
    and step)."""
    rate = total.sum() / (samples * steps * 3)
    silent, saturated = int((total == 0).sum()), int((total >= most).sum())
    assert (silent, saturated) == (1, 1), (name, total, most)
    line = "  lif %s: rate %.4f spikes/step, silent %d/3, saturated %d/3" % (
        name, rate, silent, saturated)
    assert log.count(line) == 2, (line, log)
    for m in (json.loads(l) for l in open(metrics)):
        got = m["spikes"][name]
        assert abs(got["rate"] - rate) < 1e-6 and got["silent"] == silent \
            and got["saturated"] == saturated and got["neurons"] == 3, (name, got, rate)
    return rate
