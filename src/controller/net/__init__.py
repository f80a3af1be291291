"""The network link (issue 4): telemetry, remote settings and commands over MQTT.

Pure parts (points, remote, store, wall) do no I/O; ``link`` runs the MQTT client.
"""
