-- wrk script of bench/redeem_http.py: each thread sends the pre-built requests of its own file
-- (one fresh pass per request), counts 201s and other answers, and stops after its quota.
-- Arguments (after --): <request-file prefix> <bearer token>
-- File <prefix>-<thread>.txt: first line "QUOTA n", then one request per line:
-- "<Idempotency-Key>\t<JSON body>".

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local requests = {}
local next_request = 1
quota = 0
ok = 0
other = 0
statuses = ""
finished = 0
repeats = 0
local seen = {}

function init(args)
  local prefix, token = args[1], args[2]
  local path = string.format("%s-%d.txt", prefix, tid)
  local first = true
  for line in io.lines(path) do
    if first then
      quota = tonumber(string.match(line, "^QUOTA (%d+)$"))
      first = false
    else
      local key, body = string.match(line, "^([^\t]+)\t(.+)$")
      local headers = {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = key,
      }
      requests[#requests + 1] = wrk.format("POST", "/api/v1/redemptions", headers, body)
    end
  end
end

function request()
  local req = requests[next_request]
  if req == nil then
    -- Never expected (the file holds quota + connections + 1 requests); repeat the last one:
    -- its idempotency key makes the server replay its answer without redeeming again.
    repeats = repeats + 1
    req = requests[#requests]
  else
    next_request = next_request + 1
  end
  return req
end

function response(status, headers, body)
  if status == 201 then
    ok = ok + 1
  else
    other = other + 1
    seen[status] = (seen[status] or 0) + 1
    local parts = {}
    for code, n in pairs(seen) do
      parts[#parts + 1] = string.format("%d:%d", code, n)
    end
    statuses = table.concat(parts, ",")
  end
  if ok + other == quota and finished == 0 then
    finished = 1
    io.write(string.format("THREAD-FINISHED %d\n", tid))
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests_stats)
  local total_ok, total_other, total_repeats, parts = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_other = total_other + thread:get("other")
    total_repeats = total_repeats + thread:get("repeats")
    local s = thread:get("statuses")
    if s ~= nil and s ~= "" then
      parts[#parts + 1] = s
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT ok=%d other=%d repeats=%d statuses=%s duration_us=%d responses=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f\n",
    total_ok, total_other, total_repeats, table.concat(parts, ","), summary.duration, summary.requests,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
  io.flush()
end
