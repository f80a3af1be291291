"""The heater's JSON scanner (controller/heater/fetch.py) against CPython's json: the same keys
and values for each service's sample at every chunk size from 1 byte up (a token, an escape or a
number cut between chunks), numbers as exact thousandths, and malformed or unfinished JSON refused."""

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

import heater_samples as smp
from controller.heater.fetch import scan


class Resp:
    def __init__(self, body, size, length=True):
        self.body = body
        self.size = size
        self.headers = {"content-length": str(len(body))} if length else {}

    def iter_content(self, n):
        for i in range(0, len(self.body), self.size):
            yield self.body[i:i + self.size]


def _milli(v):
    return int((Decimal(repr(v)) * 1000).to_integral_value(rounding=ROUND_HALF_UP))


def expected(obj, name=None, out=None):
    """What scan(keys=None) gives for ``obj``: (name, key, value) per scalar and per close."""
    out = [] if out is None else out
    items = obj.items() if isinstance(obj, dict) else ((None, v) for v in obj)
    for k, v in items:
        key = None if k is None else k.encode()
        if isinstance(v, (dict, list)):
            expected(v, name if key is None else key, out)
        else:
            out.append((name, key, v if v is None or isinstance(v, bool) else
                        v.encode() if isinstance(v, str) else _milli(v)))
    out.append((name, None, dict if isinstance(obj, dict) else list))
    return out


SAMPLES = [smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())),
           smp.carbon_regional(smp.JAN15, [100 + i for i in range(96)]),
           smp.forecast_solar(3.21, 9.876), smp.SHELLY3EM_STATUS,
           {"a": [], "b": {}, "c": [[], [{}]], "e": "", "n": [1, -2, 0.5, -0.0005, 12.3455, 1.5e3, True, False, None]}]


@pytest.mark.parametrize("sample", range(len(SAMPLES)))
def test_every_key_and_value_as_json_reads_them_at_every_chunk_size(sample):
    obj = SAMPLES[sample]
    want = expected(obj)
    for dumps in (json.dumps, lambda o: json.dumps(o, separators=(",", ":")), lambda o: json.dumps(o, indent=2)):
        body = dumps(obj).encode()
        for size in (1, 2, 3, 7, 64, 256, len(body)):
            got = []
            assert scan(Resp(body, size), lambda *e: got.append(e)) is None
            assert got == want, (size, body[:60])


def test_escapes_are_left_as_written_and_an_escaped_quote_does_not_end_a_string():
    body = b'{"k": "a\\\\", "m": "say \\"hi\\"", "z": 1}'
    for size in range(1, len(body) + 1):
        got = []
        scan(Resp(body, size), lambda *e: got.append(e))
        assert got == [(None, b"k", b"a\\\\"), (None, b"m", b'say \\"hi\\"'), (None, b"z", 1000), (None, None, dict)]


def test_only_the_keys_asked_for_are_given():
    body = json.dumps(smp.octopus_page(smp.octopus_rows(smp.JAN15, [24.18155, -1.25]))).encode()
    got = []
    scan(Resp(body, 256), lambda *e: got.append(e), (b"results", b"value_inc_vat"))
    assert got == [(b"results", b"value_inc_vat", -1250), (b"results", None, dict),
                   (b"results", b"value_inc_vat", 24182), (b"results", None, dict), (b"results", None, list),
                   (None, None, dict)]


@pytest.mark.parametrize("body", [b'{"a": 1,, }', b'{"a": 12.3x}', b'<html>Bad gateway</html>', b'[1,]', b'{"a" 1}',
                                  b'{"a": 1 "b": 2}', b'{1: 2}', b'[1 2]', b'{"a": tru}', b'{"a": -}', b'{"a": 1.}',
                                  b']', b'{"a": [}', b'{"a": [1, 2', b'{"a": "xy', b'{"a": 12', b''])
def test_malformed_or_unfinished_json_is_refused(body):
    for size in (1, 3, 256):
        with pytest.raises(ValueError):
            scan(Resp(body, size, length=False), lambda *e: None)


def test_a_body_shorter_than_its_content_length_is_said_as_such():
    resp = Resp(b'{"a": [1, 2', 256)
    resp.headers["content-length"] = "40"
    assert scan(resp, lambda *e: None) == "answer cut short after 11 of 40 bytes"
