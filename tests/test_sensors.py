"""NTC conversion, smoothing and faults; DS18B20 scratchpad decoding and ageing."""

import pytest

import ntc_table
from controller.sensors import (FAULT_CRC, FAULT_MISSING, FAULT_POWER_ON, FAULT_RANGE, NtcSensor, Probe, crc8,
                                decode_scratchpad)
from controller.beta import beta_raw, table_from_beta


def test_default_table_points_and_interpolation():
    t = ntc_table.default_table()
    for i, raw in enumerate(ntc_table.DEFAULT_RAW[1:-1], 1):
        assert t.to_c(raw) == pytest.approx(10.0 * i)
    assert t.to_c(216) == pytest.approx(35.0)  # halfway between 222 (30 C) and 210 (40 C)
    assert t.to_c(240.5) == pytest.approx(5.0)
    assert t.to_raw(35.0) == pytest.approx(216.0)


@pytest.mark.parametrize("raw,kind", [(255, ntc_table.RAW_OPEN), (243, ntc_table.RAW_OPEN),
                                      (242, ntc_table.RAW_OK), (39, ntc_table.RAW_OK),
                                      (38, ntc_table.RAW_SHORT), (0, ntc_table.RAW_SHORT)])
def test_open_and_short_are_at_or_beyond_the_table_ends(raw, kind):
    assert ntc_table.default_table().classify(raw) == kind


def test_to_c_refuses_fault_values():
    with pytest.raises(ValueError):
        ntc_table.default_table().to_c(243)


def test_beta_table_matches_the_beta_model():
    t = table_from_beta(10000, 3950, 10000)
    assert t.min_c <= -20 and t.max_c >= 120
    raw_50 = beta_raw(50.0, 10000, 3950, 10000)
    assert t.to_c(raw_50) == pytest.approx(50.0, abs=0.01)  # a table point
    raw_55 = beta_raw(55.0, 10000, 3950, 10000)
    assert t.to_c(raw_55) == pytest.approx(55.0, abs=0.5)  # interpolated
    assert beta_raw(25.0, 10000, 3950, 10000) == pytest.approx(128.0)


@pytest.mark.parametrize("raws", [(200,), (200, 200), (100, 150), (300, 100)])
def test_bad_tables_are_rejected(raws):
    with pytest.raises(ValueError):
        ntc_table.NtcTable(raws)


def test_smoother_takes_first_reading_then_twenty_percent():
    s = NtcSensor("hot", "collector", 1, ntc_table.default_table(), 0.2)  # raw 222: 30 C, 210: 40 C
    assert s.feed_raw(222) == 30.0
    assert s.feed_raw(210) == pytest.approx(32.0)
    assert s.feed_raw(210) == pytest.approx(33.6)
    assert s.value_mc == 33600  # smoothed in whole mC
    s.feed_raw(255)  # a fault: the next sane reading is taken as is
    assert s.feed_raw(231) == 20.0
    with pytest.raises(ValueError):
        NtcSensor("hot", "collector", 1, ntc_table.default_table(), 0.0)


def ntc():
    return NtcSensor("hot", "collector", 1, ntc_table.default_table(), 0.2)


def test_ntc_sensor_smooths_and_faults_never_reach_as_numbers():
    s = ntc()
    assert s.feed_raw(222) == pytest.approx(30.0)
    assert s.feed_raw(210) == pytest.approx(32.0)
    assert s.feed_raw(255) is None
    assert (s.value_c, s.fault) == (None, "open circuit")
    assert s.fault_text() == "collector sensor open circuit"
    assert s.feed_raw(0) is None and s.fault == "short circuit"
    assert s.feed_raw(210) == pytest.approx(40.0)  # first sane reading after a fault: as is
    assert s.fault is None
    assert s.faults == 1  # open then short is one fault episode


def test_ntc_sensor_bus_error_is_a_fault():
    s = ntc()
    s.feed_raw(222)
    s.feed_error("I2C error (5)")
    assert s.value_c is None and s.fault == "I2C error (5)"


def scratch(raw_temp, crc_ok=True):
    buf = bytearray([raw_temp & 0xFF, (raw_temp >> 8) & 0xFF, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0])
    buf[8] = crc8(buf[:8]) ^ (0 if crc_ok else 0x5A)
    return buf


@pytest.mark.parametrize("raw,expected", [(0x0191, 25.0625), (0xFF5E, -10.125), (0x07D0, 125.0),
                                          (0xFC90, -55.0), (0x0000, 0.0)])
def test_decode_scratchpad_values(raw, expected):
    assert decode_scratchpad(scratch(raw)) == (expected, None)


def test_decode_scratchpad_faults():
    assert decode_scratchpad(bytearray(b"\xff" * 9)) == (None, FAULT_MISSING)
    assert decode_scratchpad(scratch(0x0191, crc_ok=False)) == (None, FAULT_CRC)
    assert decode_scratchpad(scratch(0x0550)) == (None, FAULT_POWER_ON)
    assert decode_scratchpad(scratch(0x07E0)) == (None, FAULT_RANGE)  # 126 C
    assert decode_scratchpad(scratch((-127 * 16) & 0xFFFF)) == (None, FAULT_RANGE)  # -127


def test_probe_keeps_last_good_value_until_it_ages_out():
    p = Probe("ambient", "28000100000000d3", max_age_s=30)
    p.feed(12.5, None, 100)
    p.feed(None, FAULT_CRC, 102)
    assert (p.value_c, p.fault) == (12.5, FAULT_CRC)
    p.feed(None, FAULT_CRC, 130)
    assert p.value_c == 12.5
    p.feed(None, FAULT_CRC, 131)
    assert p.value_c is None
    p.feed(13.0, None, 140)
    assert (p.value_c, p.fault) == (13.0, None)
