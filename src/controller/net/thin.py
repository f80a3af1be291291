"""Room in the telemetry buffer (``points.Points``) when it is full: move the points to its
start, thin the oldest three quarters, and only then drop the oldest point. Needed only
during a long outage: imported for each use and forgotten after (``controller.net.once``).

Thinning rewrites the records in place: a kept point is written again as the change from the
point kept before it, which never takes more bytes than the records it replaces, so the
write position never passes the read position."""

from array import array

from controller import const

_MAX_GAP_DS = const(6000)  # never more than 10 minutes (in tenths of a second) between two points


def make_room(p, n):
    """Make ``n`` bytes free at the end of ``p``'s buffer."""
    size = len(p.buf)
    compact(p)
    if size - p.tail >= n:
        return
    if p.count > 2:
        thin(p, p.tail - size // 4)
    while size - p.tail + p.head < n and p.count:
        p.forget(1, True)
    compact(p)


def compact(p):
    """Move the points to the start of the buffer, in chunks that never overlap."""
    start, n = p.head, p.tail - p.head
    if not start:
        return
    buf = memoryview(p.buf)
    pos = 0
    while n:
        k = min(n, start - pos, 256)
        buf[pos:pos + k] = buf[start:start + k]
        pos += k
        start += k
        n -= k
    p.tail -= p.head
    p.head = 0


def thin(p, protect):
    """Keep the oldest and the newest point, every point that starts at or after byte
    ``protect``, and before it those that keep the points at most ``p.step`` apart: twice the
    mean spacing at first, doubled each time the buffer fills, up to 10 minutes. A kept point
    after a dropped status point becomes a status point. Counted in ``p.thinned``."""
    count = p.count
    at = p.t
    step = 2 * p.step if p.step else -(-2 * (at[1] - at[0]) // count)
    p.step = step = min(_MAX_GAP_DS, max(2, step))
    now = array("i", p.v[0])  # the point being read
    last = array("i", p.v[0])  # the last point kept
    t = kept = at[0]  # their times
    p.pos = pos = p.head
    k = 0  # points kept
    status = 0
    for n in range(count):
        start = p.pos
        t += p.get(now)
        status |= p.status
        keep = n == 0 or n == count - 1 or start >= protect
        if not keep:  # would dropping it leave too long a gap to the next point?
            read = p.pos
            dt = p.read()
            keep = t + (-dt - 1 if dt < 0 else dt) - kept > step
            p.pos = read
        if keep:
            read = p.pos
            pos = p.put(pos, status, t - kept, last, now)
            p.pos = read
            kept = t
            for i in range(len(now)):
                last[i] = now[i]
            status = 0
            k += 1
    p.thinned += count - k
    p.count = k
    p.tail = pos
