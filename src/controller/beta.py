"""An NTC table computed from Beta parameters (NTC_BETA_R25_OHM, NTC_BETA_K, NTC_SERIES_OHM):
imported by the settings loader at boot only when they are set (``controller.settings.ntc_table``),
so that a board with the built-in table keeps none of these names."""

# Range of a table computed from Beta parameters: wide enough for frost and stagnation.
BETA_START_C = -30.0
BETA_STEP_C = 10.0
BETA_POINTS = 19  # -30 ... 150 C
ADC_FULL_SCALE = 256.0  # PCF8591: raw = Vin / Vref * 256, clipped to 255
KELVIN_OFFSET = 273.15


def beta_raw(temp_c, r25_ohm, beta_k, series_ohm):
    """Raw value (fractional, unclipped) a Beta-model NTC gives at ``temp_c``.

    :param r25_ohm: NTC resistance at 25 C, ohms
    :param beta_k: Beta constant, K
    :param series_ohm: pull-up resistor to the reference, ohms
    """
    import math

    t_k = temp_c + KELVIN_OFFSET
    r_ohm = r25_ohm * math.exp(beta_k * (1.0 / t_k - 1.0 / (25.0 + KELVIN_OFFSET)))
    return ADC_FULL_SCALE * r_ohm / (r_ohm + series_ohm)


def table_from_beta(r25_ohm, beta_k, series_ohm, start_c=BETA_START_C, step_c=BETA_STEP_C,
                    points=BETA_POINTS):
    """An ntc_table.NtcTable computed from Beta parameters (see ``beta_raw``).

    Points whose raw value would clip at the ADC's ends are dropped, so the table only
    spans temperatures the divider can resolve.
    """
    from ntc_table import NtcTable

    if r25_ohm <= 0 or beta_k <= 0 or series_ohm <= 0:
        raise ValueError("NTC Beta parameters must be positive")
    raws = []
    first_c = None
    for i in range(points):
        temp_c = start_c + i * step_c
        raw = beta_raw(temp_c, r25_ohm, beta_k, series_ohm)
        if raw >= 255.0:
            continue  # too cold for this divider: still an open circuit
        if raw <= 1.0:
            break  # too hot: indistinguishable from a short
        if first_c is None:
            first_c = temp_c
        raws.append(raw)
    if first_c is None or len(raws) < 2:
        raise ValueError("these NTC Beta parameters give no usable range on an 8-bit ADC")
    return NtcTable(raws, first_c, step_c)
