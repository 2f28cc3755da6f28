#!/usr/bin/env python3
"""Inputs for the credoc grad test: x [4, 5] and labels t [4]."""
import os
import sys

import numpy as np

rng = np.random.default_rng(5)
np.save(os.path.join(sys.argv[1], "x.npy"),
        rng.standard_normal((4, 5)).astype(np.float32))
np.save(os.path.join(sys.argv[1], "t.npy"), np.array([0, 2, 1, 2], np.int32))
