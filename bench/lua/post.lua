-- POST to BENCH_PATH .. id .. BENCH_SUFFIX for each id in BENCH_IDS once (an action), or, with
-- BENCH_BODY, a create with a fresh Idempotency-Key on every request.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
local ids = os.getenv("BENCH_IDS") and common.lines(os.getenv("BENCH_IDS")) or nil
local prefix = os.getenv("BENCH_PATH")
local suffix = os.getenv("BENCH_SUFFIX") or ""
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local run = os.getenv("BENCH_RUN") or "0"
local i = 0
wrk.headers["Content-Type"] = "application/json"
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end

request = function()
  i = i + 1
  if ids then
    return wrk.format("POST", prefix .. ids[(i - 1) % #ids + 1] .. suffix, nil, "")
  end
  -- wrk.format uses the headers given instead of wrk.headers, so copy those in.
  local headers = { ["Idempotency-Key"] = "bench-" .. run .. "-" .. i }
  for k, v in pairs(wrk.headers) do headers[k] = v end
  return wrk.format("POST", prefix, headers, body)
end

done = common.done
