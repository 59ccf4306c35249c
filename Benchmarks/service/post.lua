-- wrk script: every request starts a run of the small agent and waits for its result
-- (Benchmarks/service/run). The key comes from the environment.
wrk.method = "POST"
wrk.body = '{"input": {"ticket": 7, "text": "Refund please, the checkout is down"}}'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CORRAL_KEY")
wrk.headers["Content-Type"] = "application/json"

-- A run that did not return its result is an error, whatever the status.
local wrong = 0
function response(status, headers, body)
    if status ~= 200 or not string.find(body, '"status": "returned"', 1, true) then
        wrong = wrong + 1
        if wrong <= 3 then io.stderr:write("unexpected answer " .. status .. ": " .. string.sub(body, 1, 200) .. "\n") end
    end
end

function done(summary, latency, requests)
    io.write(string.format("runs: %d in %.2f s = %.0f runs/s\n", summary.requests, summary.duration / 1e6,
        summary.requests / (summary.duration / 1e6)))
    io.write(string.format("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", latency:percentile(50) / 1000,
        latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
    local e = summary.errors
    io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n", e.connect, e.read, e.write,
        e.timeout, e.status))
end
