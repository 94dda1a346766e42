-- wrk script for benchmarks/bench_api.py: send the bearer token from the
-- environment and, like every browser, accept gzip; print one machine-readable line
-- with the latency percentiles (wrk's own summary has no p95).
local token = os.getenv("SIDESTREAM_BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.headers["Accept-Encoding"] = "gzip"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SIDESTREAM_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d,'
      .. ' "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
