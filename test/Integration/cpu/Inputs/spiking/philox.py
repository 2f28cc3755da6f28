"""Philox-4x32-10 in NumPy, written from Salmon et al. (SC'11), and the
numbers credo.poisson_encode draws with it (docs: credo.poisson_encode)."""
import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)


def philox4x32_10(ctr, key):
    """ctr: four uint64 arrays of 32-bit words; key: two. Returns four."""
    c = [np.asarray(x, np.uint64) & MASK for x in ctr]
    k0, k1 = (np.asarray(x, np.uint64) & MASK for x in key)
    for r in range(10):
        if r:
            k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
        p0, p1 = M0 * c[0], M1 * c[2]
        hi0, lo0 = p0 >> np.uint64(32), p0 & MASK
        hi1, lo1 = p1 >> np.uint64(32), p1 & MASK
        c = [hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0]
    return c


# Known-answer vectors of the Random123 distribution (kat_vectors).
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2,
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def check_kat():
    for ctr, key, want in KAT:
        got = tuple(int(x) for x in philox4x32_10(ctr, key))
        assert got == want, (ctr, key, [hex(g) for g in got])


def uniforms(shape, seed, stream, step, draws):
    """The u of every element of a random op of `shape` that draws one block
    per element and takes its word 0 (the samplers)."""
    i = np.arange(int(np.prod(shape)), dtype=np.uint64)
    seed, draws = np.uint64(seed), np.uint64(draws)
    key = (seed & MASK, np.uint64(stream) ^ (seed >> np.uint64(32)))
    ctr = (i, np.full_like(i, step), np.full_like(i, draws & MASK),
           np.full_like(i, draws >> np.uint64(32)))
    word = philox4x32_10(ctr, key)[0]
    return ((word >> np.uint64(8)).astype(np.float64) * 2.0**-24).reshape(shape)


def block_uniforms(shape, seed, stream, step, draws):
    """The u of every element of a poisson_encode of `shape`, which draws in
    blocks: element i takes word i mod 4 of the block with counter word 0
    i // 4."""
    i = np.arange(int(np.prod(shape)), dtype=np.uint64)
    g = i >> np.uint64(2)
    seed, draws = np.uint64(seed), np.uint64(draws)
    key = (seed & MASK, np.uint64(stream) ^ (seed >> np.uint64(32)))
    ctr = (g, np.full_like(g, step), np.full_like(g, draws & MASK),
           np.full_like(g, draws >> np.uint64(32)))
    words = np.stack(philox4x32_10(ctr, key))
    word = words[(i & np.uint64(3)).astype(np.int64), np.arange(i.size)]
    return ((word >> np.uint64(8)).astype(np.float64) * 2.0**-24).reshape(shape)
