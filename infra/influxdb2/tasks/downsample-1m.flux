// 1m tier of dinmeter: the 1.x continuous query cq_circuit_1m as a task (infra/influxdb2/README.md).
// Generated from backend/src/storage/influx2-setup.ts: edit there, then retention.cli.ts --influx2 infra/influxdb2.
import "date"

option task = {name: "dinmeter downsample 1m", every: 1m, offset: 15s}

// Whole intervals only, so a partly covered first or last interval never overwrites a complete one;
// 3m back, like the CQ's RESAMPLE FOR, catches points that arrived a little late.
stop = date.truncate(t: now(), unit: 1m)
start = date.truncate(t: -3m, unit: 1m)

data =
    from(bucket: "dinmeter")
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "circuit")

data
    |> filter(fn: (r) => r._field == "voltage_v" or r._field == "current_a" or r._field == "power_w" or r._field == "reactive_var" or r._field == "apparent_va" or r._field == "pf" or r._field == "freq_hz" or r._field == "angle_deg")
    |> aggregateWindow(every: 1m, fn: mean, createEmpty: false, timeSrc: "_start")
    |> to(bucket: "dinmeter_1m")

data
    |> filter(fn: (r) => r._field == "energy_import_wh" or r._field == "energy_export_wh" or r._field == "reactive_import_varh" or r._field == "reactive_export_varh")
    |> aggregateWindow(every: 1m, fn: last, createEmpty: false, timeSrc: "_start")
    |> to(bucket: "dinmeter_1m")

data
    |> filter(fn: (r) => r._field == "power_w")
    |> aggregateWindow(every: 1m, fn: max, createEmpty: false, timeSrc: "_start")
    |> set(key: "_field", value: "power_w_max")
    |> to(bucket: "dinmeter_1m")
