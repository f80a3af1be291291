"""Room in the telemetry buffer (``points.Points``) when it is full: move the points to its
start, thin the oldest three quarters, and only then drop the oldest point. Needed only
during a long outage: imported for each use and forgotten after (``controller.net.once``).

Thinning rewrites the records in place: a kept point is written again as the change from the
point kept before it, which never takes more bytes than the records it replaces, so the
write position never passes the read position."""

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_MAX_GAP_DS = const(6000)  # never more than 10 minutes (in tenths of a second) between two points


def make_room(p, need):
    """Make ``need`` bytes free at the end of ``p``'s buffer."""
    size = len(p.buf)
    compact(p)
    if size - p.tail >= need:
        return
    if p.count > 2:
        thin(p, p.tail - size // 4)
    while size - p.tail + p.head < need and p.count:
        p.forget(1, True)
    compact(p)


def compact(p):
    """Move the points to the start of the buffer, in chunks that never overlap."""
    src, n = p.head, p.tail - p.head
    if not src:
        return
    mv = memoryview(p.buf)
    dst = 0
    while n:
        k = min(n, src - dst, 256)
        mv[dst:dst + k] = mv[src:src + k]
        dst += k
        src += k
        n -= k
    p.tail -= p.head
    p.head = 0


def thin(p, protect):
    """Keep the oldest and the newest point, every point that starts at or after byte
    ``protect``, and before it those that keep the points at most ``p._step`` apart: twice the
    mean spacing at first, doubled each time the buffer fills, up to 10 minutes. A kept point
    after a dropped status point becomes a status point. Counted in ``p.thinned``."""
    count = p.count
    t_ = p._t
    step = 2 * p._step if p._step else -(-2 * (t_[3] - t_[0]) // count)
    p._step = step = min(_MAX_GAP_DS, max(2, step))
    now, last = p._v[1], p._v[2]
    p._copy(0, 1)  # the point being read
    p._copy(0, 2)  # the last point kept
    t = t_[0]
    p._p = w = p.head
    kept = 0
    status = 0
    for n in range(count):
        start = p._p
        t += p._get(now)
        status |= p._st
        keep = n == 0 or n == count - 1 or start >= protect
        if not keep:  # would dropping it leave too long a gap to the next point?
            read = p._p
            nxt = p._r()
            keep = t + (-nxt - 1 if nxt < 0 else nxt) - t_[2] > step
            p._p = read
        if keep:
            read = p._p
            w = p._put(w, status, t - t_[2], last, now)
            p._p = read
            t_[2] = t
            for i in range(len(now)):
                last[i] = now[i]
            status = 0
            kept += 1
    p.thinned += count - kept
    p.count = kept
    p.tail = w
