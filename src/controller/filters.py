"""Small filters for the sensor pipeline (source -> filter -> consumer)."""


class ExpSmoother:
    """Exponential smoothing: each reading moves the output ``alpha`` of the way to it.

    The first reading after construction or ``reset()`` is taken as is.

    :param alpha: fraction of the difference taken per reading, 0 < alpha <= 1
    """

    def __init__(self, alpha):
        if not 0.0 < alpha <= 1.0:
            raise ValueError("smoothing alpha must be in (0, 1], got %r" % alpha)
        self.alpha = alpha
        self.value = None

    def reset(self):
        self.value = None

    def update(self, x):
        if self.value is None:
            self.value = x
        else:
            self.value += (x - self.value) * self.alpha
        return self.value
