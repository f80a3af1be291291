"""Guest stand-in for CircuitPython's ``vectorio`` (hwc memory): shapes as their C structs
(vectorio_rectangle_t 20 bytes, vectorio_circle_t 16, vectorio_polygon_t 20 + 8 per point, each
wrapped in a vectorio_vector_shape_t of 76 bytes). Our screen code does not use vectorio today."""


class _Shape:
    def __init__(self, own_bytes, pixel_shader, x, y):
        self.pixel_shader = pixel_shader
        self.x = x
        self.y = y
        self.hidden = False
        self._c = bytearray(76 + own_bytes)


class Rectangle(_Shape):
    def __init__(self, *, pixel_shader, width, height, x=0, y=0, color_index=0):
        _Shape.__init__(self, 20, pixel_shader, x, y)
        self.width = width
        self.height = height
        self.color_index = color_index


class Circle(_Shape):
    def __init__(self, *, pixel_shader, radius, x=0, y=0, color_index=0):
        _Shape.__init__(self, 16, pixel_shader, x, y)
        self.radius = radius
        self.color_index = color_index


class Polygon(_Shape):
    def __init__(self, *, pixel_shader, points, x=0, y=0, color_index=0):
        _Shape.__init__(self, 20 + 8 * len(points), pixel_shader, x, y)
        self.points = points
        self.color_index = color_index
