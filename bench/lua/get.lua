-- GET one order by id (env BENCH_PATH: the path prefix, BENCH_IDS: a file of ids, BENCH_TOKEN).
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
local ids = os.getenv("BENCH_IDS") and common.lines(os.getenv("BENCH_IDS")) or {}
local prefix = os.getenv("BENCH_PATH")
local suffix = os.getenv("BENCH_SUFFIX") or ""
local token = os.getenv("BENCH_TOKEN")
local i = 0
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end

request = function()
  if #ids == 0 then return wrk.format("GET", prefix .. suffix) end
  i = i % #ids + 1
  return wrk.format("GET", prefix .. ids[i] .. suffix)
end

done = common.done
