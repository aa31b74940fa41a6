"""The engine's random streams, reproduced bit for bit, so the PyTorch loops can start from the same prompt and visit
batches in the same order for a given seed ("same seeds" then means the same initial prompt and the same shuffles):

- initial prompt: (float) java.util.Random(seed).nextGaussian() per element of [3,H,W], times the mask
  (VisualPrompt.initialValues);
- epoch order: a Fisher-Yates shuffle with java.util.SplittableRandom(derivedSeed(SHUFFLE, epoch)).nextInt(i + 1)
  (BatchStream.shuffledOrder, TrainingRun.derivedSeed).

Checked against the JVM by bench/run.sh (EngineBench randcheck).
"""
import math

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
SHUFFLE_STREAM = 0x5348554646


def _signed64(v):
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def mix(value):
    """TrainingRun.mix (SplitMix64's finalizer after adding the golden gamma)."""
    z = (value + GOLDEN) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def derived_seed(seed, stream, index):
    return _signed64(mix((mix((seed ^ stream) & MASK64) + index) & MASK64))


class JavaRandom:
    """java.util.Random: 48-bit LCG; nextGaussian by the polar method with StrictMath (fdlibm) log and sqrt."""

    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)
        self.next_next = None

    def next_bits(self, bits):
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        r = self.seed >> (48 - bits)
        return r - (1 << bits) if r >> (bits - 1) else r  # as a signed int of that width

    def next_double(self):
        hi = self.next_bits(26) & ((1 << 26) - 1)
        lo = self.next_bits(27) & ((1 << 27) - 1)
        return ((hi << 27) + lo) * (1.0 / (1 << 53))

    def next_gaussian(self):
        if self.next_next is not None:
            v, self.next_next = self.next_next, None
            return v
        while True:
            v1 = 2 * self.next_double() - 1
            v2 = 2 * self.next_double() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        multiplier = math.sqrt(-2 * math.log(s) / s)
        self.next_next = v2 * multiplier
        return v1 * multiplier


class SplittableRandom:
    """java.util.SplittableRandom (JDK 17): nextInt(bound) = RandomSupport.boundedNextInt."""

    def __init__(self, seed):
        self.seed = seed & MASK64
        self.gamma = GOLDEN

    def _next_seed(self):
        self.seed = (self.seed + self.gamma) & MASK64
        return self.seed

    @staticmethod
    def _mix32(z):
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & MASK64
        return (((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & MASK64) >> 32

    def next_int_unsigned(self):
        return self._mix32(self._next_seed())  # 32 bits, unsigned view

    def next_int(self, bound):
        r = self.next_int_unsigned()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = r >> 1
        while True:
            r = u % bound
            if u + m - r < (1 << 31):  # no int overflow in Java
                return r
            u = self.next_int_unsigned() >> 1


def shuffled_order(size, seed):
    order = list(range(size))
    random = SplittableRandom(seed)
    for i in range(size - 1, 0, -1):
        j = random.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def epoch_order(size, seed, epoch):
    return shuffled_order(size, derived_seed(seed, SHUFFLE_STREAM, epoch))


def gaussians(seed, count):
    """The first `count` java.util.Random(seed).nextGaussian() values (VisualPrompt.initialValues casts each to float
    and multiplies it by the mask)."""
    random = JavaRandom(seed)
    return [random.next_gaussian() for _ in range(count)]
