"""Guest stand-in for CircuitPython's ``vectorio`` (hwc memory): a shape costs on the guest heap
what the board allocates for it, as the ``displayio`` stand-ins do (see builtins/displayio.py:
the buffer is shortened by what the Python wrapper costs here, measured once per kind).

On the board (CircuitPython 9/10, shared-module/vectorio, 32-bit ARM) a shape is two
allocations, each rounded up to the garbage collector's 16-byte blocks: the shape's own struct
(vectorio_rectangle_t 24 bytes: base, width, height, color_index, on_dirty event, draw protocol
instance; vectorio_circle_t 20; vectorio_polygon_t 20 plus 8 per point) and the
vectorio_vector_shape_t it draws through (56 bytes: base, ishape, pixel_shader, x, y, transform,
two areas, three flags). A Rectangle: 32 + 64 = 96 bytes."""

from displayio import _measure, _struct

_VECTOR_SHAPE = 56


def _blocks(nbytes):
    return -(-nbytes // 16) * 16


class _Shape:
    def __init__(self, kind, own_bytes, pixel_shader, x, y, probe):
        self.pixel_shader = pixel_shader
        self.x = x
        self.y = y
        self.hidden = False
        self._own = own_bytes
        self._c = _struct(kind, _blocks(own_bytes) + _blocks(_VECTOR_SHAPE), probe)

    def _board_bytes(self):
        """What the board allocates for this object (hwc memory's display report)."""
        return _blocks(self._own) + _blocks(_VECTOR_SHAPE)


class Rectangle(_Shape):
    def __init__(self, *, pixel_shader, width, height, x=0, y=0, color_index=0):
        _Shape.__init__(self, Rectangle, 24, pixel_shader, x, y,
                        lambda: _measure(lambda: Rectangle(pixel_shader=None, width=1, height=1)))
        self.width = width
        self.height = height
        self.color_index = color_index


class Circle(_Shape):
    def __init__(self, *, pixel_shader, radius, x=0, y=0, color_index=0):
        _Shape.__init__(self, Circle, 20, pixel_shader, x, y, lambda: _measure(lambda: Circle(pixel_shader=None, radius=1)))
        self.radius = radius
        self.color_index = color_index


class Polygon(_Shape):
    def __init__(self, *, pixel_shader, points, x=0, y=0, color_index=0):
        _Shape.__init__(self, Polygon, 20 + 8 * len(points), pixel_shader, x, y,
                        lambda: _measure(lambda: Polygon(pixel_shader=None, points=[])))
        self.points = points
        self.color_index = color_index
