-- wrk script: replays the requests listed in a file, spread over the threads, and prints one JSON
-- line with throughput, latency percentiles and the status codes received.
--
--   wrk -t2 ... -s bench/requests.lua http://127.0.0.1:PORT -- REQUESTS_FILE THREADS
--
-- Each line of REQUESTS_FILE is METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY<TAB>HEADERS (all but the first two may be
-- empty; HEADERS is "Name: value" pairs joined by "|", e.g. "HX-Request: true").
-- Thread t sends lines t, t+THREADS, t+2*THREADS, ... in turn, so POSTs with distinct bodies (free
-- slots, open cohorts) are each sent once until the list runs out; then it starts over.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for value in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, value)
  end
  return fields
end

function init(args)
  local thread_count = tonumber(args[2])
  requests, position, statuses = {}, 0, {}
  local number = 0
  for line in io.lines(args[1]) do
    if number % thread_count == id then
      local method, path, cookie, body, extra = unpack(split(line))
      local headers = {["User-Agent"] = "learnhub-bench"}
      if cookie ~= "" then headers["Cookie"] = cookie end
      for name, value in (extra or ""):gmatch("([^:|]+):%s*([^|]*)") do headers[name] = value end
      if body ~= "" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      table.insert(requests, wrk.format(method, path, headers, body ~= "" and body or nil))
    end
    number = number + 1
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.connect + errors.read + errors.write, errors.timeout, table.concat(parts, ", ")))
end
