// History of dinmeter: what 1.x keeps in rp_history (relay, price, …) copied to a bucket kept forever (infra/influxdb2/README.md).
// Generated from backend/src/storage/influx2-setup.ts: edit there, then retention.cli.ts --influx2 infra/influxdb2.
option task = {name: "dinmeter history", every: 15m, offset: 30s}

from(bucket: "dinmeter")
    |> range(start: -1h)
    |> filter(fn: (r) => r._measurement != "circuit")
    |> to(bucket: "dinmeter_history")
