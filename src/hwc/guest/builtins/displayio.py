"""Guest stand-in for CircuitPython's ``displayio`` (hwc memory): objects that allocate on the
guest heap what CircuitPython 10's C objects allocate on the board's (32-bit ARM), so that the
real screen code's display objects are counted. Sizes from CircuitPython's
shared-module/displayio (Bitmap.h, Palette.h, TileGrid.h, Group.h), rounded up to the GC's
16-byte blocks by the allocator as on the board:

* Bitmap: displayio_bitmap_t (40 bytes) + its buffer of stride x height 32-bit words, stride =
  ceil(width x bits_per_value / 32), bits_per_value the power of two >= the bits value_count needs;
* Palette: displayio_palette_t (20 bytes) + 12 bytes per colour (_displayio_color_t);
* TileGrid: displayio_tilegrid_t (116 bytes); its tile indices live inside the struct up to 4
  tiles, else 1 byte per tile (2 when the bitmap has more than 255 tiles);
* Group: displayio_group_t (72 bytes) + its members list (a list: 16 bytes + 4 per slot).

Each stand-in is a Python instance (with an attribute dict) around a bytearray, which costs
this interpreter 50-100 bytes more than the board's C object. So the bytearray is that much
shorter (:func:`_struct`): the first time a kind is made, one probe of it is made with an empty
buffer and the free heap it took is measured (``gc.mem_free()`` before and after: allocation
only, nothing collected), and each object after it gets a buffer of the struct's size less
that. A stand-in whose wrapper alone exceeds the struct (a Group: 72 bytes against its
instance, dict, property list and bytearray header) still over-counts by the difference. A
Group's members list is a list on the board as well, and is not taken off.

Not modelled: pixels are not drawn (content does not change the heap); the display's own
framebuffer-less refresh uses no heap on the Titano. vectorio shapes are in ``vectorio``."""

import gc

_BITMAP_STRUCT = 40
_PALETTE_STRUCT = 20
_COLOR_BYTES = 12
_TILEGRID_STRUCT = 116
_GROUP_STRUCT = 72


_WRAPPER = {}  # stand-in class -> bytes its Python wrapper takes here (None while probing)


def _struct(kind, nbytes, probe):
    """A bytearray standing for ``nbytes`` of C allocation of stand-in class ``kind``, less
    what the wrapper takes here (measured once with ``probe()``, which makes one ``kind``
    object; any objects it needs made before the measurement)."""
    if kind not in _WRAPPER:
        _WRAPPER[kind] = None
        made = probe()
        _WRAPPER[kind] = made
    wrapper = _WRAPPER[kind]
    if wrapper is None:
        return bytearray(0)
    return bytearray(max(0, nbytes - wrapper))


def _measure(make, *before):
    """Free heap taken by ``make(*before)``, the ``before`` objects already made."""
    free = gc.mem_free()
    keep = make(*before)
    taken = free - gc.mem_free()
    del keep
    return taken


def _bits_per_value(value_count):
    bits = 1
    while (1 << bits) < value_count:
        bits += 1
    bpv = 1
    while bpv < bits:
        bpv <<= 1
    return bpv


class Bitmap:
    def __init__(self, width, height, value_count):
        self.width = width
        self.height = height
        self._bpv = _bits_per_value(value_count)
        stride = (width * self._bpv + 31) // 32
        self._c = _struct(Bitmap, _BITMAP_STRUCT + 4 * stride * height, lambda: _measure(Bitmap, 1, 1, 2))

    def _board_bytes(self):
        """What the board allocates for this object (hwc memory's display report)."""
        return _BITMAP_STRUCT + 4 * ((self.width * self._bpv + 31) // 32) * self.height

    def __setitem__(self, index, value):
        pass

    def __getitem__(self, index):
        return 0

    def fill(self, value):
        pass

    def dirty(self, x1=0, y1=0, x2=-1, y2=-1):
        pass

    @property
    def bits_per_value(self):
        return self._bpv


class Palette:
    def __init__(self, color_count, *, dither=False):
        self._n = color_count
        self._c = _struct(Palette, _PALETTE_STRUCT + _COLOR_BYTES * color_count, lambda: _measure(Palette, 1))

    def __len__(self):
        return self._n

    def _board_bytes(self):
        return _PALETTE_STRUCT + _COLOR_BYTES * self._n

    def __setitem__(self, index, value):
        pass

    def __getitem__(self, index):
        return 0

    def make_transparent(self, index):
        pass

    def make_opaque(self, index):
        pass

    def is_transparent(self, index):
        return False


class TileGrid:
    def __init__(self, bitmap, *, pixel_shader, width=1, height=1, tile_width=None, tile_height=None,
                 default_tile=0, x=0, y=0):
        self.bitmap = bitmap
        self.pixel_shader = pixel_shader
        self.x = x
        self.y = y
        self.hidden = False
        self.tile_width = tile_width or bitmap.width
        self.tile_height = tile_height or bitmap.height
        self._w_tiles = width  # read-only properties on the board (subclasses override them)
        self._h_tiles = height
        tiles = width * height
        self._c = _struct(TileGrid, _TILEGRID_STRUCT + (0 if tiles <= 4 else tiles), _probe_tilegrid)

    def _board_bytes(self):
        tiles = self._w_tiles * self._h_tiles
        return _TILEGRID_STRUCT + (0 if tiles <= 4 else tiles)

    def __setitem__(self, index, value):
        pass

    def __getitem__(self, index):
        return 0

    @property
    def width(self):
        return self._w_tiles

    @property
    def height(self):
        return self._h_tiles

    @property
    def transpose_xy(self):
        return False

    @transpose_xy.setter
    def transpose_xy(self, value):
        pass

    @property
    def flip_x(self):
        return False

    @flip_x.setter
    def flip_x(self, value):
        pass

    @property
    def flip_y(self):
        return False

    @flip_y.setter
    def flip_y(self, value):
        pass


class Group:
    def __init__(self, *, scale=1, x=0, y=0):
        # scale, x, y, hidden are C properties on the board, which subclasses (labels) override
        self._g = [scale, x, y, False]
        self._members = []
        self._c = _struct(Group, _GROUP_STRUCT, _probe_group)

    def _board_bytes(self):
        return _GROUP_STRUCT + 16 + 4 * len(self._members)  # the struct and its members list

    @property
    def scale(self):
        return self._g[0]

    @scale.setter
    def scale(self, value):
        self._g[0] = value

    @property
    def x(self):
        return self._g[1]

    @x.setter
    def x(self, value):
        self._g[1] = value

    @property
    def y(self):
        return self._g[2]

    @y.setter
    def y(self, value):
        self._g[2] = value

    @property
    def hidden(self):
        return self._g[3]

    @hidden.setter
    def hidden(self, value):
        self._g[3] = value

    def append(self, layer):
        self._members.append(layer)

    def insert(self, index, layer):
        self._members.insert(index, layer)

    def remove(self, layer):
        self._members.remove(layer)

    def pop(self, i=-1):
        return self._members.pop(i)

    def index(self, layer):
        return self._members.index(layer)

    def __len__(self):
        return len(self._members)

    def __getitem__(self, index):
        return self._members[index]

    def __setitem__(self, index, value):
        self._members[index] = value

    def __delitem__(self, index):
        del self._members[index]

    def __contains__(self, item):
        return item in self._members

    def __iter__(self):
        return iter(self._members)


def _probe_tilegrid():
    bitmap = Bitmap(1, 1, 2)
    palette = Palette(1)
    return _measure(lambda: TileGrid(bitmap, pixel_shader=palette))


def _probe_group():
    # the members list is a list on the board too: its cost is not the wrapper's
    return _measure(lambda: Group()) - _measure(lambda: [])


class _Display:
    """board.DISPLAY: a C object in static memory on the board (no heap)."""

    def __init__(self, width, height):
        self.width = width
        self.height = height
        self.root_group = None
        self.auto_refresh = True
        self.brightness = 1.0
        self.refreshes = 0

    def refresh(self, *args, **kwargs):
        self.refreshes += 1
        return True


def release_displays():
    pass
